"""Sign-in throttling without lock-out: failure counts per username and client address replace the rows per failure.

`login_failure` held one row per failed sign-in, counted per username and per address within a window; ten
failures locked the username for everyone for the window. `sign_in_failure_count` holds one row per
(username, client address), per username and per address, with the number of failures in a row and the time
of the last, from which app/security/login_limit.py computes growing delays. The old rows are only recent
failures, so they are dropped rather than converted (a downgrade likewise starts with no failures).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sign_in_failure_count',
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account', 'client', name=op.f('pk_sign_in_failure_count'))
    )
    op.create_index(op.f('ix_sign_in_failure_count_last_failure_at'), 'sign_in_failure_count', ['last_failure_at'],
                    unique=False)
    op.drop_index(op.f('ix_login_failure_at'), table_name='login_failure')
    op.drop_index('ix_login_failure_key_at', table_name='login_failure')
    op.drop_table('login_failure')


def downgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    op.create_index('ix_login_failure_key_at', 'login_failure', ['key', 'at'], unique=False)
    op.create_index(op.f('ix_login_failure_at'), 'login_failure', ['at'], unique=False)
    op.drop_index(op.f('ix_sign_in_failure_count_last_failure_at'), table_name='sign_in_failure_count')
    op.drop_table('sign_in_failure_count')
