"""Page views per page and day: the usage signal behind the "low-rated but much-read" review queue.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:03:42.557903
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('page_view',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_view_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('page_id', 'day', name=op.f('pk_page_view'))
    )


def downgrade() -> None:
    op.drop_table('page_view')
