"""Skills-gap reports: teams and their members, required-expertise profiles with their topics, report snapshots.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:28:00.045636
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_team_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
    sa.UniqueConstraint('name', name=op.f('uq_team_name'))
    )
    op.create_table('skills_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True, comment='Null: the whole organisation'),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_skills_profile_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_skills_profile_team_id_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_profile'))
    )
    with op.batch_alter_table('skills_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skills_profile_team_id'), ['team_id'], unique=False)

    op.create_table('team_member',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_team_member_team_id_team'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_team_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_member'))
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index('ix_team_member_user_id', ['user_id'], unique=False)

    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True, comment='Null for the nightly snapshot'),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['skills_profile.id'], name=op.f('fk_report_snapshot_profile_id_skills_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user.id'], name=op.f('fk_report_snapshot_taken_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot'))
    )
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshot_profile_id_taken_at', ['profile_id', 'taken_at'], unique=False)

    op.create_table('skills_profile_topic',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('required_people', sa.Integer(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False, comment='1 aware of it ... 5 can change how we do it'),
    sa.Column('priority', sa.Enum('high', 'medium', 'low', name='priority', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_skills_profile_topic_level_1_to_5')),
    sa.CheckConstraint('required_people >= 1', name=op.f('ck_skills_profile_topic_at_least_one_person')),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_skills_profile_topic_concept_id_topic_concept'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['skills_profile.id'], name=op.f('fk_skills_profile_topic_profile_id_skills_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'concept_id', name=op.f('pk_skills_profile_topic'))
    )
    with op.batch_alter_table('skills_profile_topic', schema=None) as batch_op:
        batch_op.create_index('ix_skills_profile_topic_concept_id', ['concept_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('skills_profile_topic', schema=None) as batch_op:
        batch_op.drop_index('ix_skills_profile_topic_concept_id')

    op.drop_table('skills_profile_topic')
    with op.batch_alter_table('report_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshot_profile_id_taken_at')

    op.drop_table('report_snapshot')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index('ix_team_member_user_id')

    op.drop_table('team_member')
    with op.batch_alter_table('skills_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skills_profile_team_id'))

    op.drop_table('skills_profile')
    op.drop_table('team')
