"""MediaWiki import: revisions remember the author name on the source wiki; a ledger of imported revisions.

The ledger keys every imported revision by (space, source wiki, source page id, source revision id),
so a re-run skips what is there and an interrupted import resumes where it stopped.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_author', sa.String(length=255), nullable=True,
                                      comment='Author name on the wiki this revision was imported from'))
    op.create_table('imported_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False, comment='The source wiki: its database name and base URL'),
    sa.Column('source_page_id', sa.BigInteger(), nullable=False),
    sa.Column('source_revision_id', sa.BigInteger(), nullable=False),
    sa.Column('source_title', sa.String(length=255), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True, comment='Null when the revision changed nothing or was a redirect'),
    sa.Column('outcome', sa.String(length=20), nullable=False, comment='imported, unchanged or redirect'),
    sa.Column('imported_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_imported_revision_space_id_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_imported_revision_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], name=op.f('fk_imported_revision_revision_id_revision'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_revision')),
    sa.UniqueConstraint('space_id', 'source', 'source_revision_id', name=op.f('uq_imported_revision_space_id_source_source_revision_id')),
    )
    with op.batch_alter_table('imported_revision', schema=None) as batch_op:
        batch_op.create_index('ix_imported_revision_source_page', ['space_id', 'source', 'source_page_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('imported_revision', schema=None) as batch_op:
        batch_op.drop_index('ix_imported_revision_source_page')
    op.drop_table('imported_revision')
    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('imported_author')
