"""Bookmarks remember what their last check found: alive, dead, or could not check (no answer, or a temporary one).

Before, a source that did not answer was flagged dead, so one network outage during `mature bookmarks check`
flagged every bookmark dead. Existing rows: a checked, live one is 'alive'; a dead one keeps 'dead' (the check
that flagged it may have been an outage; the next check decides again).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bookmark') as batch_op:
        batch_op.add_column(sa.Column(
            'check_state', sa.String(length=20), nullable=True,
            comment='alive, dead or could_not_check (app.tagging.linkcheck.CheckState); null: never checked'))
    op.execute("UPDATE bookmark SET check_state = CASE WHEN dead THEN 'dead' ELSE 'alive' END "
               "WHERE last_checked_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('bookmark') as batch_op:
        batch_op.drop_column('check_state')
