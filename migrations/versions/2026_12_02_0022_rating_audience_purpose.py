"""A rating can say which audience and purpose its rater judged the page for.

Two optional columns on `rating` holding concept keys (skos:notation) of the ontology's audience and
purpose schemes (ontology/schemes.ttl), checked by the API rather than the database, so the schemes can
grow without a migration. Existing ratings keep every value and say neither (null).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIENCE_COMMENT = 'Key of the audience the rater judged the page for (lmi:AudienceScheme notation); null: not said'
PURPOSE_COMMENT = 'Key of the purpose the rater judged the page for (lmi:PurposeScheme notation); null: not said'


def upgrade() -> None:
    with op.batch_alter_table('rating') as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=40), nullable=True, comment=AUDIENCE_COMMENT))
        batch_op.add_column(sa.Column('purpose', sa.String(length=40), nullable=True, comment=PURPOSE_COMMENT))


def downgrade() -> None:
    with op.batch_alter_table('rating') as batch_op:
        batch_op.drop_column('purpose')
        batch_op.drop_column('audience')
