"""Readers' topic tags on pages, and bookmarks of external sources (one URL per space).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 20:10:47.048923
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bookmark',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False, comment="The page's space (kept in step on moves)"),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('url_key', sa.String(length=2000), nullable=False, comment='Normalised URL for de-duplication'),
    sa.Column('publisher', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('last_checked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True, comment='HTTP status of the last check'),
    sa.Column('check_error', sa.String(length=300), nullable=False),
    sa.Column('dead', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_bookmark_created_by_id_user')),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_bookmark_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_bookmark_space_id_space')),
    sa.PrimaryKeyConstraint('page_id', name=op.f('pk_bookmark')),
    sa.UniqueConstraint('space_id', 'url_key', name=op.f('uq_bookmark_space_id_url_key'))
    )
    op.create_table('page_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('tagger_id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_page_tag_concept_id_topic_concept'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_tag_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tagger_id'], ['user.id'], name=op.f('fk_page_tag_tagger_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_tag')),
    sa.UniqueConstraint('page_id', 'tagger_id', 'concept_id', name=op.f('uq_page_tag_page_id_tagger_id_concept_id'))
    )
    with op.batch_alter_table('page_tag', schema=None) as batch_op:
        batch_op.create_index('ix_page_tag_concept_id', ['concept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_tag_page_id'), ['page_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('page_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_tag_page_id'))
        batch_op.drop_index('ix_page_tag_concept_id')

    op.drop_table('page_tag')
    op.drop_table('bookmark')
