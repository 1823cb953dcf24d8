"""Search queue: pages whose search-index entry is out of date (a durable queue).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:31:26.872292
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('search_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False, comment='What changed, e.g. page.edited, maturity'),
    sa.Column('enqueued_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queue'))
    )
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queue_page_id'), ['page_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_queue_page_id'))

    op.drop_table('search_queue')
