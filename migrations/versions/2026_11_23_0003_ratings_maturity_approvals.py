"""Ratings with history, derived page maturity, approvals of reference revisions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:13:21.144844
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('page_maturity',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('phase', sa.String(length=30), nullable=False),
    sa.Column('contributions', sa.JSON(), nullable=False),
    sa.Column('approved_differs', sa.Boolean(), nullable=False),
    sa.Column('computed_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_maturity_page_id_page'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('page_id', name=op.f('pk_page_maturity'))
    )
    with op.batch_alter_table('page_maturity', schema=None) as batch_op:
        batch_op.create_index('ix_page_maturity_phase', ['phase'], unique=False)

    op.create_table('approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_approval_approved_by_id_user')),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_approval_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], name=op.f('fk_approval_revision_id_revision'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_approval_withdrawn_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval'))
    )
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.create_index('uq_approval_live', ['page_id'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.SmallInteger(), nullable=True),
    sa.Column('reliability', sa.SmallInteger(), nullable=True),
    sa.Column('relevance', sa.SmallInteger(), nullable=True),
    sa.Column('impartiality', sa.SmallInteger(), nullable=True),
    sa.Column('accessibility', sa.SmallInteger(), nullable=True),
    sa.Column('comprehensiveness', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False, comment='Hidden from colleagues; managers still see who rated'),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('accessibility IS NULL OR (accessibility BETWEEN 1 AND 5)', name=op.f('ck_rating_accessibility_1_to_5')),
    sa.CheckConstraint('comprehensiveness IS NULL OR (comprehensiveness BETWEEN 1 AND 5)', name=op.f('ck_rating_comprehensiveness_1_to_5')),
    sa.CheckConstraint('currency IS NULL OR (currency BETWEEN 1 AND 5)', name=op.f('ck_rating_currency_1_to_5')),
    sa.CheckConstraint('impartiality IS NULL OR (impartiality BETWEEN 1 AND 5)', name=op.f('ck_rating_impartiality_1_to_5')),
    sa.CheckConstraint('relevance IS NULL OR (relevance BETWEEN 1 AND 5)', name=op.f('ck_rating_relevance_1_to_5')),
    sa.CheckConstraint('reliability IS NULL OR (reliability BETWEEN 1 AND 5)', name=op.f('ck_rating_reliability_1_to_5')),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_rating_page_id_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['user.id'], name=op.f('fk_rating_rater_id_user')),
    sa.ForeignKeyConstraint(['revision_id'], ['revision.id'], name=op.f('fk_rating_revision_id_revision'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_rater_id', ['rater_id'], unique=False)
        batch_op.create_index('uq_rating_current', ['page_id', 'rater_id'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('uq_rating_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_rating_rater_id')

    op.drop_table('rating')
    with op.batch_alter_table('approval', schema=None) as batch_op:
        batch_op.drop_index('uq_approval_live', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.drop_table('approval')
    with op.batch_alter_table('page_maturity', schema=None) as batch_op:
        batch_op.drop_index('ix_page_maturity_phase')

    op.drop_table('page_maturity')
