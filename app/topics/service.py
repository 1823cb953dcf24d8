"""The topic scheme in the database: finding topics by what people type, and gardening it.

Labels are matched case- and space-insensitively (`label_key`); what people type never mints a
topic or synonym that another live topic already has, so free text never makes a near-duplicate.
Imported schemes may have concepts that share a label (identity is the IRI): free text then names
the oldest concept with that label (suggestions list them all, with their IDs). Merged topics
redirect to the topic they were merged into. Every change is written to
`topic_change` with who and when, in the caller's transaction.

A candidate proposed by tagging a page not everyone may read is private to its proposer
(`private_to_id`): its label is what someone typed on a private page. Nobody else finds it by
listing, suggestion, id or the change log until it is used where everyone may read (a page of a
space visible to the whole organisation, or a person); then it is an ordinary candidate.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import changelog
from app.auth.models import User
from app.db import utcnow
from app.topics.exceptions import (
    InvalidTag,
    InvalidTopicChange,
    LabelTaken,
    TopicNotFound,
    TopicStateConflict,
)
from app.topics.models import (
    TopicBroader,
    TopicChange,
    TopicConcept,
    TopicLabel,
    TopicLanguageLabel,
    TopicRelated,
    TopicStatus,
)

TOPIC_NAMESPACE = "https://w3id.org/mature-lmi/topics/"
LIVE = (TopicStatus.concept, TopicStatus.candidate)
LABEL_MAX = 200


def label_key(label: str) -> str:
    """The form labels are compared in: spaces collapsed, case folded."""
    return " ".join(label.split()).casefold()


def clean_label(label: str) -> str:
    """A label as stored: trimmed, inner spaces collapsed; refuses empty or overlong labels."""
    cleaned = " ".join(label.split())
    if not cleaned:
        raise InvalidTopicChange("A topic label cannot be empty.")
    if len(cleaned) > LABEL_MAX:
        raise InvalidTopicChange(f"A topic label can have at most {LABEL_MAX} characters.")
    return cleaned


# ---------------------------------------------------------------- who may see a topic


def visible_filter(viewer: User, concept: Any = TopicConcept) -> ColumnElement[bool]:
    """A WHERE clause keeping the topics the viewer may see: all but others' private candidates."""
    return or_(concept.private_to_id.is_(None), concept.private_to_id == viewer.id)


def may_see(viewer: User, topic: TopicConcept) -> bool:
    return topic.private_to_id is None or topic.private_to_id == viewer.id


def used_openly(topic: TopicConcept) -> None:
    """The topic is used where everyone may read (a page of an organisation-wide space, a person): public."""
    if topic.private_to_id is not None:
        topic.private_to_id = None


# ---------------------------------------------------------------- finding topics


def get_topic(session: Session, topic_id: int, viewer: User | None = None) -> TopicConcept:
    """The topic by id; with a viewer, one they may see (another's private candidate is not there)."""
    topic = session.get(TopicConcept, topic_id)
    if topic is None or (viewer is not None and not may_see(viewer, topic)):
        raise TopicNotFound(f"There is no topic {topic_id}.")
    return topic


def follow(session: Session, topic: TopicConcept) -> TopicConcept:
    """Where a merged topic redirects to (merges are flattened, so one hop suffices; loop for safety)."""
    seen = {topic.id}
    while topic.status is TopicStatus.merged and topic.merged_into_id is not None:
        topic = session.get(TopicConcept, topic.merged_into_id)
        if topic.id in seen:
            break
        seen.add(topic.id)
    return topic


def by_iri(session: Session, iri: str) -> TopicConcept | None:
    topic = session.scalar(select(TopicConcept).where(TopicConcept.iri == iri))
    return follow(session, topic) if topic is not None else None


def label_owner(session: Session, key: str) -> TopicConcept | None:
    """The live topic whose label or synonym is `key`, if any: labels before synonyms, concepts before
    candidates, then the oldest (imported concepts may share a label)."""
    order = ((TopicConcept.status != TopicStatus.concept), TopicConcept.id)
    topic = session.scalar(select(TopicConcept).where(TopicConcept.label_key == key,
                                                      TopicConcept.status.in_(LIVE)).order_by(*order).limit(1))
    if topic is not None:
        return topic
    return session.scalar(select(TopicConcept).join(TopicLabel, TopicLabel.concept_id == TopicConcept.id)
                          .where(TopicLabel.label_key == key, TopicConcept.status.in_(LIVE))
                          .order_by(*order).limit(1))


def resolve(session: Session, text: str) -> TopicConcept | None:
    """The live topic that `text` names: an IRI, a label or a synonym (merged topics redirect)."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        return by_iri(session, text)
    return label_owner(session, label_key(text))


def named_or_proposed(session: Session, user: User, topic_id: int | None, text: str | None, *,
                      private: bool = False) -> TopicConcept:
    """The topic a tag (of a person or a page) names: by id (merged ones redirect), by IRI, label or
    synonym, or else a new candidate from the free text (reusing a colleague's made a moment ago).
    `private`: the tag is on a page not everyone may read, so a new candidate is private to its proposer."""
    if topic_id is not None:
        topic = session.get(TopicConcept, topic_id)
        if topic is None or not may_see(user, topic):
            raise InvalidTag(f"topic_id: there is no topic {topic_id}.")
        return follow(session, topic)
    assert text is not None
    found = resolve(session, text)
    if found is not None:
        return found
    if text.strip().startswith(("http://", "https://")):
        raise InvalidTag(f"topic: no topic has the IRI {text.strip()}; give a label or free text instead.")
    try:
        return create_topic(session, user, text, status=TopicStatus.candidate, private=private)
    except LabelTaken:
        found = resolve(session, text)
        if found is None:
            raise
        return found


def matching(session: Session, viewer: User, text: str, limit: int = 20) -> list[TopicConcept]:
    """Live topics the viewer may see whose label or a synonym contains `text` (free-text expert questions)."""
    pattern = f"%{escape_like(label_key(text))}%"
    via_label = select(TopicLabel.concept_id).where(TopicLabel.label_key.like(pattern, escape="\\"))
    return list(session.scalars(
        select(TopicConcept).where(TopicConcept.status.in_(LIVE), visible_filter(viewer),
                                   or_(TopicConcept.label_key.like(pattern, escape="\\"),
                                       TopicConcept.id.in_(via_label)))
        .order_by(func.length(TopicConcept.label_key), TopicConcept.id).limit(limit)))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Suggestion:
    topic: TopicConcept
    matched: str
    match: str  # label, synonym or similar


def suggest(session: Session, viewer: User, text: str, limit: int = 10) -> list[Suggestion]:
    """Topics (that the viewer may see) for what someone is typing: labels and synonyms that start with or
    contain it, then similarly spelt ones, so the widget can offer an existing topic instead of a near-duplicate."""
    key = label_key(text)
    if not key:
        return []
    pattern = f"%{escape_like(key)}%"
    rows: list[tuple[TopicConcept, str, str]] = [
        (topic, topic.label, "label") for topic in session.scalars(
            select(TopicConcept).where(TopicConcept.status.in_(LIVE), visible_filter(viewer),
                                       TopicConcept.label_key.like(pattern, escape="\\")).limit(200))]
    rows += [(topic, label, "synonym") for topic, label in session.execute(
        select(TopicConcept, TopicLabel.label).join(TopicLabel, TopicLabel.concept_id == TopicConcept.id)
        .where(TopicConcept.status.in_(LIVE), visible_filter(viewer),
               TopicLabel.label_key.like(pattern, escape="\\")).limit(200)).all()]
    rows.sort(key=lambda row: (_closeness(key, label_key(row[1])), row[2] != "label", len(row[1]), row[1]))
    found = _first_per_topic(rows, limit)
    if len(found) < limit and len(key) >= 4:
        found += _similar(session, viewer, key, limit - len(found), {s.topic.id for s in found})
    return found


def _closeness(key: str, candidate: str) -> int:
    """0 exact, 1 prefix, 2 a word starts with it, 3 contains."""
    if candidate == key:
        return 0
    if candidate.startswith(key):
        return 1
    return 2 if re.search(rf"\b{re.escape(key)}", candidate) else 3


def _first_per_topic(rows: Iterable[tuple[TopicConcept, str, str]], limit: int) -> list[Suggestion]:
    found: dict[int, Suggestion] = {}
    for topic, label, match in rows:
        if topic.id not in found and len(found) < limit:
            found[topic.id] = Suggestion(topic, label, match)
    return list(found.values())


def _similar(session: Session, viewer: User, key: str, limit: int, exclude: set[int]) -> list[Suggestion]:
    """Similarly spelt labels (typos, plurals), by difflib over every live label the viewer may see."""
    labels: dict[str, tuple[int, str]] = {}
    for topic_id, label in session.execute(select(TopicConcept.id, TopicConcept.label)
                                           .where(TopicConcept.status.in_(LIVE), visible_filter(viewer))).all():
        labels.setdefault(label_key(label), (topic_id, label))
    for topic_id, label in session.execute(select(TopicLabel.concept_id, TopicLabel.label)
                                           .join(TopicConcept, TopicConcept.id == TopicLabel.concept_id)
                                           .where(TopicConcept.status.in_(LIVE), visible_filter(viewer))).all():
        labels.setdefault(label_key(label), (topic_id, label))
    close = difflib.get_close_matches(key, list(labels), n=limit * 3, cutoff=0.75)
    ids = [labels[c][0] for c in close if labels[c][0] not in exclude]
    topics = {t.id: t for t in session.scalars(select(TopicConcept).where(TopicConcept.id.in_(ids)))}
    found: dict[int, Suggestion] = {}
    for candidate in close:
        topic_id, label = labels[candidate]
        if topic_id in topics and topic_id not in found and len(found) < limit:
            found[topic_id] = Suggestion(topics[topic_id], label, "similar")
    return list(found.values())


def synonyms(session: Session, topic_ids: Iterable[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for concept_id, label in session.execute(select(TopicLabel.concept_id, TopicLabel.label)
                                             .where(TopicLabel.concept_id.in_(set(topic_ids)))
                                             .order_by(TopicLabel.id)).all():
        found.setdefault(concept_id, []).append(label)
    return found


def broader_of(session: Session, topic_ids: Iterable[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for narrower, broader in session.execute(select(TopicBroader.narrower_id, TopicBroader.broader_id)
                                              .where(TopicBroader.narrower_id.in_(set(topic_ids)))).all():
        found.setdefault(narrower, []).append(broader)
    return found


def narrower_of(session: Session, topic_ids: Iterable[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for narrower, broader in session.execute(select(TopicBroader.narrower_id, TopicBroader.broader_id)
                                              .where(TopicBroader.broader_id.in_(set(topic_ids)))).all():
        found.setdefault(broader, []).append(narrower)
    return found


def related_of(session: Session, topic_ids: Iterable[int]) -> dict[int, list[int]]:
    """skos:related, both ways (each pair is stored once)."""
    ids = set(topic_ids)
    found: dict[int, list[int]] = {}
    for a, b in session.execute(select(TopicRelated.topic_id, TopicRelated.related_id).where(
            or_(TopicRelated.topic_id.in_(ids), TopicRelated.related_id.in_(ids)))).all():
        if a in ids:
            found.setdefault(a, []).append(b)
        if b in ids:
            found.setdefault(b, []).append(a)
    return found


def language_labels(session: Session, topic_ids: Iterable[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Labels in other languages than the display one: (pref or alt, language tag, label), in a stable order."""
    found: dict[int, list[tuple[str, str, str]]] = {}
    for concept_id, kind, lang, label in session.execute(
            select(TopicLanguageLabel.concept_id, TopicLanguageLabel.kind, TopicLanguageLabel.lang,
                   TopicLanguageLabel.label).where(TopicLanguageLabel.concept_id.in_(set(topic_ids)))
            .order_by(TopicLanguageLabel.lang, TopicLanguageLabel.kind.desc(), TopicLanguageLabel.label)).all():
        found.setdefault(concept_id, []).append((kind, lang, label))
    return found


def with_narrower(session: Session, topic_ids: Iterable[int]) -> set[int]:
    """The topics and every topic below them, one query per level of the hierarchy."""
    found = set(topic_ids)
    frontier = set(found)
    while frontier:
        children = set(session.scalars(select(TopicBroader.narrower_id)
                                       .where(TopicBroader.broader_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def iris_of(session: Session, topic_ids: Iterable[int]) -> dict[str, int]:
    """IRI -> live topic id, for the topics and for the topics merged into them (pages may use old IRIs)."""
    ids = set(topic_ids)
    rows = session.execute(select(TopicConcept.iri, TopicConcept.id, TopicConcept.merged_into_id).where(
        or_(TopicConcept.id.in_(ids), and_(TopicConcept.status == TopicStatus.merged,
                                           TopicConcept.merged_into_id.in_(ids))))).all()
    return {iri: merged_into if merged_into in ids else topic_id for iri, topic_id, merged_into in rows}


@dataclass(frozen=True)
class TopicUses:
    """Where topics are used, as the package owning those rows (people's tags) tells the scheme at start-up:
    the scheme counts and merges uses without importing the layer above it."""

    counts: Callable[[], Select[tuple[int, int]]]  # columns concept_id, uses: for every used topic
    move: Callable[[Session, TopicConcept, TopicConcept], int]  # repoint the uses of a merged topic; how many


_uses: TopicUses | None = None


def register_uses(uses: TopicUses) -> None:
    """Called once by app.observers.register_all (idempotent: the same functions each time)."""
    global _uses
    _uses = uses


def _registered_uses() -> TopicUses:
    if _uses is None:
        raise RuntimeError("No topic uses registered: call app.observers.register_all() at start-up")
    return _uses


def usage_counts() -> Select[tuple[int, int]]:
    """SELECT (topic id, uses) for every used topic, leaving out hidden tags and hidden profiles."""
    return _registered_uses().counts()


def usage(session: Session, topic_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Current uses per topic, leaving out hidden tags and hidden profiles (they appear in no answer)."""
    counts = usage_counts().subquery()
    query = select(counts.c.concept_id, counts.c.uses)
    if topic_ids is not None:
        query = query.where(counts.c.concept_id.in_(set(topic_ids)))
    return {topic_id: uses for topic_id, uses in session.execute(query).all()}


# ---------------------------------------------------------------- the gardening log


def record(session: Session, actor: User | None, action: str, topic: TopicConcept | None, summary: str,
           other: TopicConcept | None = None, **details: Any) -> TopicChange:
    """Append one change to the scheme's log, and to the change log the derived stores follow (pages show
    topic labels and IRIs), inside the caller's transaction."""
    change = TopicChange(actor_id=actor.id if actor else None, action=action, concept_id=topic.id if topic else None,
                         other_concept_id=other.id if other else None, summary=summary[:500], details=details,
                         at=utcnow())
    session.add(change)
    topic_ids = [t.id for t in (topic, other) if t is not None]
    changelog.record(session, f"topic.{action}"[:40], actor_id=actor.id if actor else None, summary=summary,
                     topic_ids=topic_ids)
    return change


# ---------------------------------------------------------------- creating topics


def ensure_label_free(session: Session, key: str, allowed: TopicConcept | None = None) -> None:
    owner = label_owner(session, key)
    if owner is not None and (allowed is None or owner.id != allowed.id):
        raise LabelTaken(f"'{key}' is already a label or synonym of the topic '{owner.label}' (topic {owner.id}); "
                         "use that topic, or merge the two.", topic_id=owner.id)


def mint_iri(session: Session, label: str) -> str:
    """A new IRI in the topic namespace: a lower-case slug of the label, made unique."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_label.lower()).strip("-")[:80] or "topic"
    taken = set(session.scalars(select(TopicConcept.iri).where(TopicConcept.iri.like(f"{TOPIC_NAMESPACE}{slug}%"))))
    iri, number = f"{TOPIC_NAMESPACE}{slug}", 2
    while iri in taken:
        iri, number = f"{TOPIC_NAMESPACE}{slug}-{number}", number + 1
    return iri


def create_topic(session: Session, actor: User | None, label: str, *, status: TopicStatus = TopicStatus.candidate,
                 definition: str = "", iri: str | None = None, private: bool = False) -> TopicConcept:
    """A new candidate (from a free-text tag) or concept, refusing labels another topic already has;
    `private`: a candidate from a tag on a page not everyone may read, seen only by its proposer."""
    label = clean_label(label)
    ensure_label_free(session, label_key(label))
    now = utcnow()
    topic = TopicConcept(iri=iri or mint_iri(session, label), label=label, label_key=label_key(label),
                         definition=definition.strip(), status=status, created_by_id=actor.id if actor else None,
                         private_to_id=actor.id if private and actor and status is TopicStatus.candidate else None,
                         created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(topic)
            session.flush()
    except IntegrityError:  # a colleague created the same label (or IRI) at the same moment
        ensure_label_free(session, label_key(label))
        raise TopicStateConflict(f"The topic '{label}' was being created by someone else; try again.") from None
    record(session, actor, f"{status.value}.created", topic, f"New {status.value} '{label}'")
    return topic


# ---------------------------------------------------------------- gardening


def _require_live(topic: TopicConcept) -> None:
    if topic.status is TopicStatus.merged:
        raise TopicStateConflict(f"Topic {topic.id} '{topic.label}' was merged into topic {topic.merged_into_id}; "
                                 "change that one instead.", topic_id=topic.merged_into_id)


def promote(session: Session, actor: User, topic: TopicConcept) -> TopicConcept:
    """A candidate becomes a concept of the scheme."""
    if topic.status is not TopicStatus.candidate:
        raise TopicStateConflict(f"Topic {topic.id} '{topic.label}' is a {topic.status.value}, not a candidate.")
    topic.status, topic.updated_at = TopicStatus.concept, utcnow()
    used_openly(topic)  # part of the scheme now (only its proposer could see it to promote it)
    record(session, actor, "promote", topic, f"Promoted the candidate '{topic.label}' to a concept")
    return topic


def rename(session: Session, actor: User, topic: TopicConcept, new_label: str) -> TopicConcept:
    """A new preferred label; the old one stays as a synonym so that what people type still finds it."""
    _require_live(topic)
    new_label = clean_label(new_label)
    new_key = label_key(new_label)
    if new_label == topic.label:
        return topic
    ensure_label_free(session, new_key, allowed=topic)
    old_label = topic.label
    session.execute(TopicLabel.__table__.delete().where(TopicLabel.concept_id == topic.id,
                                                        TopicLabel.label_key == new_key))
    if label_key(old_label) != new_key:
        session.add(TopicLabel(concept_id=topic.id, label=old_label, label_key=label_key(old_label)))
    topic.label, topic.label_key, topic.updated_at = new_label, new_key, utcnow()
    record(session, actor, "rename", topic, f"Renamed '{old_label}' to '{new_label}'", old=old_label, new=new_label)
    return topic


def define(session: Session, actor: User, topic: TopicConcept, definition: str) -> TopicConcept:
    _require_live(topic)
    old = topic.definition
    topic.definition, topic.updated_at = definition.strip(), utcnow()
    record(session, actor, "define", topic, f"New definition of '{topic.label}'", old=old, new=topic.definition)
    return topic


def add_synonym(session: Session, actor: User, topic: TopicConcept, label: str) -> TopicConcept:
    """A synonym (skos:altLabel): what else people call the topic."""
    _require_live(topic)
    label = clean_label(label)
    key = label_key(label)
    if key == topic.label_key or session.scalar(select(TopicLabel.id).where(TopicLabel.concept_id == topic.id,
                                                                            TopicLabel.label_key == key)):
        return topic
    ensure_label_free(session, key)
    session.add(TopicLabel(concept_id=topic.id, label=label, label_key=key))
    topic.updated_at = utcnow()
    record(session, actor, "synonym.add", topic, f"'{label}' is a synonym of '{topic.label}'", label=label)
    return topic


def remove_synonym(session: Session, actor: User, topic: TopicConcept, label: str) -> TopicConcept:
    _require_live(topic)
    key = label_key(label)
    row = session.scalar(select(TopicLabel).where(TopicLabel.concept_id == topic.id, TopicLabel.label_key == key))
    if row is None:
        raise TopicNotFound(f"'{label}' is not a synonym of '{topic.label}'.")
    session.delete(row)
    topic.updated_at = utcnow()
    record(session, actor, "synonym.remove", topic, f"'{row.label}' is no longer a synonym of '{topic.label}'",
           label=row.label)
    return topic


def set_broader(session: Session, actor: User, topic: TopicConcept, broader_ids: list[int]) -> TopicConcept:
    """Replace the topic's broader topics (its place in the hierarchy); refuses cycles."""
    _require_live(topic)
    wanted = list(dict.fromkeys(broader_ids))
    parents = [get_topic(session, broader_id, actor) for broader_id in wanted]
    for parent in parents:
        _require_live(parent)
    below = with_narrower(session, [topic.id])
    loops = [parent for parent in parents if parent.id in below]
    if loops:
        raise InvalidTopicChange(f"'{loops[0].label}' is '{topic.label}' or below it; a topic cannot be broader "
                                 "than itself.")
    before = sorted(broader_of(session, [topic.id]).get(topic.id, []))
    session.execute(TopicBroader.__table__.delete().where(TopicBroader.narrower_id == topic.id))
    session.add_all(TopicBroader(narrower_id=topic.id, broader_id=parent.id) for parent in parents)
    topic.updated_at = utcnow()
    session.flush()
    names = ", ".join(f"'{parent.label}'" for parent in parents) or "nothing (a top topic)"
    record(session, actor, "broader", topic, f"'{topic.label}' is now under {names}", before=before,
           after=[parent.id for parent in parents])
    return topic


def merge(session: Session, actor: User, source: TopicConcept, target: TopicConcept) -> TopicConcept:
    """Merge `source` into `target`: its tags (with their history), labels and narrower topics move;
    `source` then redirects to `target`."""
    _require_live(source)
    _require_live(target)
    if source.id == target.id:
        raise InvalidTopicChange("A topic cannot be merged into itself.")
    moved = _registered_uses().move(session, source, target)
    labels = _move_labels(session, source, target)
    children = _move_narrower(session, source, target)
    _move_related(session, source, target)
    _move_language_labels(session, source, target)
    parents = set(session.scalars(select(TopicBroader.broader_id).where(TopicBroader.narrower_id == source.id)))
    session.execute(TopicBroader.__table__.delete().where(or_(TopicBroader.narrower_id == source.id,
                                                              TopicBroader.broader_id == source.id)))
    _take_place(session, source, target, parents)
    session.execute(update(TopicConcept).where(TopicConcept.merged_into_id == source.id)
                    .values(merged_into_id=target.id))
    now = utcnow()
    source.status, source.merged_into_id, source.updated_at = TopicStatus.merged, target.id, now
    target.updated_at = now
    used_openly(source)  # its label is the target's synonym now: the merge (by one who may see both) publishes it
    used_openly(target)
    session.flush()
    record(session, actor, "merge", source, f"Merged '{source.label}' into '{target.label}'", other=target,
           tags_moved=moved, labels_added=labels, narrower_moved=children)
    return target


def _move_labels(session: Session, source: TopicConcept, target: TopicConcept) -> list[str]:
    """The source's label and synonyms become synonyms of the target (unless it has them)."""
    have = {target.label_key, *session.scalars(select(TopicLabel.label_key).where(TopicLabel.concept_id == target.id))}
    names = [source.label, *session.scalars(select(TopicLabel.label).where(TopicLabel.concept_id == source.id)
                                            .order_by(TopicLabel.id))]
    session.execute(TopicLabel.__table__.delete().where(TopicLabel.concept_id == source.id))
    added = []
    for name in names:
        if label_key(name) not in have:
            session.add(TopicLabel(concept_id=target.id, label=name, label_key=label_key(name)))
            have.add(label_key(name))
            added.append(name)
    return added


def _move_related(session: Session, source: TopicConcept, target: TopicConcept) -> None:
    """The source's related topics become the target's (a link between the two disappears)."""
    others = set(related_of(session, [source.id]).get(source.id, [])) - {target.id}
    have = set(related_of(session, [target.id]).get(target.id, []))
    session.execute(TopicRelated.__table__.delete().where(or_(TopicRelated.topic_id == source.id,
                                                              TopicRelated.related_id == source.id)))
    session.add_all(TopicRelated(topic_id=min(target.id, other), related_id=max(target.id, other))
                    for other in sorted(others - have))
    session.flush()


def _move_language_labels(session: Session, source: TopicConcept, target: TopicConcept) -> None:
    """The source's labels in other languages become the target's synonyms in those languages."""
    have = {(lang, label) for _, lang, label in language_labels(session, [target.id]).get(target.id, [])}
    moved = {(lang, label) for _, lang, label in language_labels(session, [source.id]).get(source.id, [])}
    session.execute(TopicLanguageLabel.__table__.delete().where(TopicLanguageLabel.concept_id == source.id))
    session.add_all(TopicLanguageLabel(concept_id=target.id, kind="alt", lang=lang, label=label)
                    for lang, label in sorted(moved - have))
    session.flush()


def _move_narrower(session: Session, source: TopicConcept, target: TopicConcept) -> list[int]:
    """The source's narrower topics go under the target (except the target itself and its ancestors)."""
    above_target = _ancestors(session, target.id) | {target.id}
    existing = set(session.scalars(select(TopicBroader.narrower_id).where(TopicBroader.broader_id == target.id)))
    moved = []
    for child in session.scalars(select(TopicBroader.narrower_id).where(TopicBroader.broader_id == source.id)):
        if child not in above_target and child not in existing:
            session.add(TopicBroader(narrower_id=child, broader_id=target.id))
            moved.append(child)
    session.flush()
    return moved


def _take_place(session: Session, source: TopicConcept, target: TopicConcept, source_parents: set[int]) -> None:
    """A target left without a broader topic (it was under the source) takes the source's place."""
    if session.scalar(select(TopicBroader.broader_id).where(TopicBroader.narrower_id == target.id).limit(1)):
        return
    below_target = with_narrower(session, [target.id])
    for parent in source_parents - below_target - {source.id}:
        session.add(TopicBroader(narrower_id=target.id, broader_id=parent))
    session.flush()


def _ancestors(session: Session, topic_id: int) -> set[int]:
    found, frontier = set(), {topic_id}
    while frontier:
        parents = set(session.scalars(select(TopicBroader.broader_id).where(TopicBroader.narrower_id.in_(frontier))))
        frontier = parents - found
        found |= frontier
    return found
