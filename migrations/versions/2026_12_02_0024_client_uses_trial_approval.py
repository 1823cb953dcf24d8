""""Used with a client" marks, approvals for trial, and the calibrated maturity's flags and phase reason.

`client_use` holds one mark per adviser, page and UTC day (who and when, no client data): the practice
signal of the piloting phase. `approval.kind` is `reference` (every existing approval: the behaviour so
far) or `trial`. `page_maturity` keeps whether the page is assessed (a colleague's rating counts: set here
from the current ratings by people who wrote no revision of the page, as the model decides), its flags and
the reason for its phase (empty until the page is next scored or `mature recompute` runs).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'client_use',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False, comment='UTC day: one mark per person, page and day'),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_client_use_page_id_page'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_client_use_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id', 'user_id', 'day', name=op.f('pk_client_use')),
    )
    with op.batch_alter_table('approval') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='reference', nullable=False,
                                      comment='reference (standardising) or trial (piloting with clients)'))
        batch_op.create_check_constraint(op.f('ck_approval_kind_known'), "kind IN ('reference', 'trial')")
    with op.batch_alter_table('page_maturity') as batch_op:
        batch_op.add_column(sa.Column('assessed', sa.Boolean(), server_default=sa.false(), nullable=False,
                                      comment="At least one colleague's rating counts"))
        batch_op.add_column(sa.Column('flags', sa.JSON(), server_default='[]', nullable=False,
                                      comment='not_assessed, near_empty, undated, expired'))
        batch_op.add_column(sa.Column('phase_reason', sa.Text(), server_default='', nullable=False))
    op.execute("""
        UPDATE page_maturity SET assessed = EXISTS (
            SELECT 1 FROM rating WHERE rating.page_id = page_maturity.page_id AND rating.superseded_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM revision WHERE revision.page_id = rating.page_id
                                                      AND revision.author_id = rating.rater_id))
    """)


def downgrade() -> None:
    with op.batch_alter_table('page_maturity') as batch_op:
        batch_op.drop_column('phase_reason')
        batch_op.drop_column('flags')
        batch_op.drop_column('assessed')
    op.execute("DELETE FROM approval WHERE kind = 'trial'")  # the old schema knows only reference approvals
    with op.batch_alter_table('approval') as batch_op:
        batch_op.drop_constraint(op.f('ck_approval_kind_known'), type_='check')
        batch_op.drop_column('kind')
    op.drop_table('client_use')
