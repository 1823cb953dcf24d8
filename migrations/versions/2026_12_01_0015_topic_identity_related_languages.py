"""Topics: identity is the IRI (concepts may share a label), skos:related links, labels in other languages,
and stored IRIs that no export can write repaired.

* The unique index on live labels becomes one on candidates: two people typing the same new topic still
  make one candidate, but an imported scheme's distinct concepts with the same label stay distinct.
* `topic_related` (symmetric, one row per pair) and `topic_language_label` (prefLabel/altLabel per language).
* A topic stored with a relative or otherwise invalid IRI (a SKOS file without xml:base did this) made
  `GET /api/topics/export` fail for everyone: each gets a new IRI in the topic namespace; the old value is
  kept in the topic's change log (action `iri.repaired`), from which the downgrade puts it back.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:40:00
"""

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
import app.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPIC_NAMESPACE = "https://w3id.org/mature-lmi/topics/"
# An absolute IRI (RFC 3987: a scheme, then no spaces, controls or <>"{}|\^`): what Turtle can write.
VALID_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|\\^`\x7f]+')
topic = sa.table('topic_concept', sa.column('id', sa.Integer), sa.column('iri', sa.String),
                 sa.column('label', sa.String))
change = sa.table('topic_change', sa.column('id', sa.Integer), sa.column('at', app.db.UTCDateTime()),
                  sa.column('action', sa.String), sa.column('concept_id', sa.Integer),
                  sa.column('summary', sa.String), sa.column('details', sa.JSON))


def upgrade() -> None:
    with op.batch_alter_table('topic_concept', schema=None) as batch_op:
        batch_op.drop_index('uq_topic_concept_live_label', sqlite_where=sa.text("status <> 'merged'"),
                            postgresql_where=sa.text("status <> 'merged'"))
        batch_op.create_index('uq_topic_concept_candidate_label', ['label_key'], unique=True,
                              sqlite_where=sa.text("status = 'candidate'"),
                              postgresql_where=sa.text("status = 'candidate'"))
    op.create_table('topic_related',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('topic_id < related_id', name=op.f('ck_topic_related_ordered')),
    sa.ForeignKeyConstraint(['related_id'], ['topic_concept.id'], name=op.f('fk_topic_related_related_id_topic_concept'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic_concept.id'], name=op.f('fk_topic_related_topic_id_topic_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('topic_id', 'related_id', name=op.f('pk_topic_related'))
    )
    with op.batch_alter_table('topic_related', schema=None) as batch_op:
        batch_op.create_index('ix_topic_related_related_id', ['related_id'], unique=False)
    op.create_table('topic_language_label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concept_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False, comment='pref or alt'),
    sa.Column('lang', sa.String(length=35), nullable=False, comment='BCP 47 tag as given, e.g. de, fr-CA'),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['concept_id'], ['topic_concept.id'], name=op.f('fk_topic_language_label_concept_id_topic_concept'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_language_label'))
    )
    with op.batch_alter_table('topic_language_label', schema=None) as batch_op:
        batch_op.create_index('uq_topic_language_label', ['concept_id', 'kind', 'lang', 'label'], unique=True)
    _repair_iris()


def _repair_iris() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(topic.c.id, topic.c.iri, topic.c.label)).all()
    taken = {iri for _, iri, _ in rows}
    for topic_id, iri, label in rows:
        if VALID_IRI.fullmatch(iri) and not iri.startswith("file:"):
            continue
        ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")[:80] or "topic"
        new, number = f"{TOPIC_NAMESPACE}{slug}", 2
        while new in taken:
            new, number = f"{TOPIC_NAMESPACE}{slug}-{number}", number + 1
        taken.add(new)
        connection.execute(topic.update().where(topic.c.id == topic_id).values(iri=new))
        connection.execute(change.insert().values(
            at=datetime.now(UTC), action="iri.repaired", concept_id=topic_id,
            summary=f"The stored IRI <{iri[:200]}> is not an absolute IRI; now <{new}>",
            details={"old_iri": iri, "new_iri": new}))


def downgrade() -> None:
    connection = op.get_bind()
    for change_id, topic_id, details in connection.execute(
            sa.select(change.c.id, change.c.concept_id, change.c.details).where(change.c.action == "iri.repaired")):
        if topic_id is not None:
            connection.execute(topic.update().where(topic.c.id == topic_id).values(iri=details["old_iri"]))
        connection.execute(change.delete().where(change.c.id == change_id))
    # The old index allowed one live topic per label: later duplicates get their id appended.
    duplicates = connection.execute(sa.text(
        "SELECT t.id, t.label, t.label_key FROM topic_concept t WHERE t.status <> 'merged' AND EXISTS "
        "(SELECT 1 FROM topic_concept o WHERE o.status <> 'merged' AND o.label_key = t.label_key AND o.id < t.id)"
    )).all()
    for topic_id, label, key in duplicates:
        connection.execute(sa.text("UPDATE topic_concept SET label = :label, label_key = :key WHERE id = :id"),
                           {"label": f"{label} ({topic_id})"[:200], "key": f"{key} ({topic_id})"[:200],
                            "id": topic_id})
    with op.batch_alter_table('topic_language_label', schema=None) as batch_op:
        batch_op.drop_index('uq_topic_language_label')
    op.drop_table('topic_language_label')
    with op.batch_alter_table('topic_related', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_related_related_id')
    op.drop_table('topic_related')
    with op.batch_alter_table('topic_concept', schema=None) as batch_op:
        batch_op.drop_index('uq_topic_concept_candidate_label', sqlite_where=sa.text("status = 'candidate'"),
                            postgresql_where=sa.text("status = 'candidate'"))
        batch_op.create_index('uq_topic_concept_live_label', ['label_key'], unique=True,
                              sqlite_where=sa.text("status <> 'merged'"),
                              postgresql_where=sa.text("status <> 'merged'"))
