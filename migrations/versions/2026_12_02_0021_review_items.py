"""Review items: a page's turn in a review queue can be claimed, assigned, given a due date and resolved.

The queues themselves stay computed (app/quality/overview.py); an item is written when someone acts on a
page in a queue, and a resolved item stays as history. Existing data is untouched: no page has an item yet.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'review_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('queue', sa.String(length=30), nullable=False,
                  comment='stale, low_rated, low_rated_much_read, conflicting, unassessed'),
        sa.Column('reason', sa.Text(), nullable=False, comment='Why the page was in the queue when the item opened'),
        sa.Column('opened_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True,
                  comment='The assignee themselves when they claimed it'),
        sa.Column('assigned_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('resolved_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution_note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_review_item_page_id_page'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_review_item_assignee_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_review_item_assigned_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_review_item_resolved_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_item')),
    )
    with op.batch_alter_table('review_item') as batch_op:
        batch_op.create_index('ix_review_item_assignee_id', ['assignee_id'], unique=False)
        batch_op.create_index('uq_review_item_open', ['page_id', 'queue'], unique=True,
                              sqlite_where=sa.text('resolved_at IS NULL'),
                              postgresql_where=sa.text('resolved_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('review_item') as batch_op:
        batch_op.drop_index('uq_review_item_open')
        batch_op.drop_index('ix_review_item_assignee_id')
    op.drop_table('review_item')
