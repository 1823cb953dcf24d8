"""Derived stores follow the change log from positions of their own: the consumed search queue goes.

`search_queue` was deleted by whichever host drained it first, so a second host with its own index
folder never indexed those pages. The index folder now remembers its own log position (a file next
to the index); the queue's rows are not needed (a host upgrading rebuilds its index once, as an index
without a position is not trusted). Webhook dispatch keeps its position per cluster in
`webhook_cursor`, now with the ids applied in the reorder window (`seen`, as every follower keeps them)
instead of only their count.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_queue_page_id'))
    op.drop_table('search_queue')
    with op.batch_alter_table('webhook_cursor') as batch_op:
        batch_op.add_column(sa.Column('seen', sa.JSON(), nullable=False, server_default=sa.text("'[]'"),
                                      comment='ids applied within the reorder window behind position'))
        batch_op.drop_column('window_count')
    # Existing cursors: a count is not a set of ids, so look at their window once more (queueing is idempotent).


def downgrade() -> None:
    with op.batch_alter_table('webhook_cursor') as batch_op:
        batch_op.add_column(sa.Column('window_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('seen')
    op.create_table('search_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False, comment='What changed, e.g. page.edited, maturity'),
    sa.Column('enqueued_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queue'))
    )
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queue_page_id'), ['page_id'], unique=False)
