"""People tagging: people (users and external contacts), topic tags with history, the topic scheme,
its gardening log and unanswered expert searches. Every existing user becomes a person.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:34:49.214097
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import app.db


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True, comment='External contacts only; users have display_name'),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False, comment='How to reach an external contact'),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', app.db.UTCDateTime(timezone=True), nullable=True, comment='Profile hidden from the directory'),
    sa.CheckConstraint('user_id IS NOT NULL OR name IS NOT NULL', name=op.f('ck_person_user_or_name')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_person_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_person_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('user_id', name=op.f('uq_person_user_id'))
    )
    op.execute(sa.text('INSERT INTO person (user_id, organisation, contact, created_at) '
                       'SELECT id, \'\', \'\', created_at FROM "user"'))
    op.create_table('topic_concept',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('iri', sa.String(length=500), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False, comment='skos:prefLabel (English)'),
    sa.Column('label_key', sa.String(length=200), nullable=False, comment='The label, case- and space-folded, for matching'),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('candidate', 'concept', 'merged', name='topic_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_topic_concept_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['topic_concept.id'], name=op.f('fk_topic_concept_merged_into_id_topic_concept')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_concept')),
    sa.UniqueConstraint('iri', name=op.f('uq_topic_concept_iri'))
    )
    with op.batch_alter_table('topic_concept', schema=None) as batch_op:
        batch_op.create_index('ix_topic_concept_label_key', ['label_key'], unique=False)
        batch_op.create_index('ix_topic_concept_status', ['status'], unique=False)
        batch_op.create_index('uq_topic_concept_live_label', ['label_key'], unique=True, sqlite_where=sa.text("status <> 'merged'"), postgresql_where=sa.text("status <> 'merged'"))

    op.create_table('expert_search_gap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asked_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=True, comment='The topic the question resolved to, if any'),
    sa.Column('outcome', sa.String(length=12), nullable=False, comment='unanswered or weak'),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Float(), nullable=False),
    sa.Column('kind_filter', sa.String(length=12), nullable=True, comment='internal or external, when filtered'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user.id'], name=op.f('fk_expert_search_gap_asked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_expert_search_gap_concept_id_topic_concept'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_search_gap'))
    )
    with op.batch_alter_table('expert_search_gap', schema=None) as batch_op:
        batch_op.create_index('ix_expert_search_gap_asked_at', ['asked_at'], unique=False)

    op.create_table('topic_broader',
    sa.Column('narrower_id', sa.Integer(), nullable=False),
    sa.Column('broader_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('narrower_id <> broader_id', name=op.f('ck_topic_broader_not_self')),
    sa.ForeignKeyConstraint(['broader_id'], ['topic_concept.id'], name=op.f('fk_topic_broader_broader_id_topic_concept'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['narrower_id'], ['topic_concept.id'], name=op.f('fk_topic_broader_narrower_id_topic_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('narrower_id', 'broader_id', name=op.f('pk_topic_broader'))
    )
    with op.batch_alter_table('topic_broader', schema=None) as batch_op:
        batch_op.create_index('ix_topic_broader_broader_id', ['broader_id'], unique=False)

    op.create_table('topic_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True, comment='Null for the seed at start-up'),
    sa.Column('action', sa.String(length=40), nullable=False, comment='e.g. candidate, promote, merge, rename, synonym.add'),
    sa.Column('concept_id', sa.Integer(), nullable=True),
    sa.Column('other_concept_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_topic_change_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_topic_change_concept_id_topic_concept'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['other_concept_id'], ['topic_concept.id'], name=op.f('fk_topic_change_other_concept_id_topic_concept'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_change'))
    )
    with op.batch_alter_table('topic_change', schema=None) as batch_op:
        batch_op.create_index('ix_topic_change_concept_id', ['concept_id'], unique=False)

    op.create_table('topic_label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('label_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_topic_label_concept_id_topic_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_label'))
    )
    with op.batch_alter_table('topic_label', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_label_concept_id'), ['concept_id'], unique=False)
        batch_op.create_index('ix_topic_label_label_key', ['label_key'], unique=False)

    op.create_table('person_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('tagger_id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('is_self', sa.Boolean(), nullable=False, comment='The person tagged themselves'),
    sa.Column('level', sa.SmallInteger(), nullable=True, comment='1 aware of it ... 5 can change how we do it'),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_page_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('level IS NULL OR (level BETWEEN 1 AND 5)', name=op.f('ck_person_tag_level_1_to_5')),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_person_tag_concept_id_topic_concept')),
    sa.ForeignKeyConstraint(['evidence_page_id'], ['page.id'], name=op.f('fk_person_tag_evidence_page_id_page'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_tag_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tagger_id'], ['user.id'], name=op.f('fk_person_tag_tagger_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_tag'))
    )
    with op.batch_alter_table('person_tag', schema=None) as batch_op:
        batch_op.create_index('ix_person_tag_concept_id', ['concept_id'], unique=False)
        batch_op.create_index('ix_person_tag_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_person_tag_tagger_id', ['tagger_id'], unique=False)
        batch_op.create_index('uq_person_tag_current', ['person_id', 'tagger_id', 'concept_id'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('person_tag', schema=None) as batch_op:
        batch_op.drop_index('uq_person_tag_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_person_tag_tagger_id')
        batch_op.drop_index('ix_person_tag_person_id')
        batch_op.drop_index('ix_person_tag_concept_id')

    op.drop_table('person_tag')
    with op.batch_alter_table('topic_label', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_label_label_key')
        batch_op.drop_index(batch_op.f('ix_topic_label_concept_id'))

    op.drop_table('topic_label')
    with op.batch_alter_table('topic_change', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_change_concept_id')

    op.drop_table('topic_change')
    with op.batch_alter_table('topic_broader', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_broader_broader_id')

    op.drop_table('topic_broader')
    with op.batch_alter_table('expert_search_gap', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_search_gap_asked_at')

    op.drop_table('expert_search_gap')
    with op.batch_alter_table('topic_concept', schema=None) as batch_op:
        batch_op.drop_index('uq_topic_concept_live_label', sqlite_where=sa.text("status <> 'merged'"), postgresql_where=sa.text("status <> 'merged'"))
        batch_op.drop_index('ix_topic_concept_status')
        batch_op.drop_index('ix_topic_concept_label_key')

    op.drop_table('topic_concept')
    op.drop_table('person')
