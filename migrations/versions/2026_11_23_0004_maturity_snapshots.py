"""Maturity snapshots: each page's score and phase over time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:11.177906
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('maturity_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('phase', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_maturity_snapshot_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maturity_snapshot'))
    )
    with op.batch_alter_table('maturity_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_maturity_snapshot_page_id_at', ['page_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('maturity_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_maturity_snapshot_page_id_at')

    op.drop_table('maturity_snapshot')
