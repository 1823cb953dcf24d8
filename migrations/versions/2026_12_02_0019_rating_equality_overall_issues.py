"""Ratings gain the seventh LMI criterion (equality of opportunity), a quick overall judgement, and
comments marked as an issue for the page's authors.

Every existing rating is kept as it was: the new score columns are empty (NULL) and `issue` is false,
so an existing rating's value (the mean of the criteria it scored) does not change.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERALL_COMMENT = ("The rater's overall judgement, 1-5; when given it is the rating's value, "
                   "else the criteria's mean")
ISSUE_COMMENT = "The comment is a problem the page's authors should fix"


def upgrade() -> None:
    with op.batch_alter_table('rating') as batch_op:
        batch_op.add_column(sa.Column('equality', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('overall', sa.SmallInteger(), nullable=True, comment=OVERALL_COMMENT))
        batch_op.add_column(sa.Column('issue', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment=ISSUE_COMMENT))
        batch_op.create_check_constraint('equality_1_to_5', 'equality IS NULL OR (equality BETWEEN 1 AND 5)')
        batch_op.create_check_constraint('overall_1_to_5', 'overall IS NULL OR (overall BETWEEN 1 AND 5)')


def downgrade() -> None:
    with op.batch_alter_table('rating') as batch_op:
        batch_op.drop_constraint('overall_1_to_5', type_='check')
        batch_op.drop_constraint('equality_1_to_5', type_='check')
        batch_op.drop_column('issue')
        batch_op.drop_column('overall')
        batch_op.drop_column('equality')
