"""Typed annotations per revision (inline [[Property::Value]] and structured from the API).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:26:11.794888
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('annotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='Order within the revision'),
    sa.Column('origin', sa.String(length=12), nullable=False, comment='inline (in the text) or structured (API payload)'),
    sa.Column('property_iri', sa.String(length=300), nullable=False),
    sa.Column('raw_value', sa.Text(), nullable=False, comment='As the adviser wrote it'),
    sa.Column('kind', sa.String(length=12), nullable=False, comment='date, integer, decimal, text, url, money, page, concept'),
    sa.Column('value_text', sa.Text(), nullable=False, comment="Canonical form (ISO date, '27500 GBP', concept label ...)"),
    sa.Column('value_number', sa.Float(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('value_iri', sa.String(length=500), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True, comment="Currency code or 'percent'"),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], name=op.f('fk_annotation_revision_id_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotation'))
    )
    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.create_index('ix_annotation_property_iri_value_iri', ['property_iri', 'value_iri'], unique=False)
        batch_op.create_index('ix_annotation_revision_id', ['revision_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.drop_index('ix_annotation_revision_id')
        batch_op.drop_index('ix_annotation_property_iri_value_iri')

    op.drop_table('annotation')
