"""Gathering a page's maturity inputs from the database and storing the result of the pure model."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import changelog
from app.auth.models import Space, SpaceKind
from app.db import utcnow
from app.pages import events as page_events
from app.pages.events import PageChanged
from app.pages.models import Page, PageAlias, PageLink, Revision
from rdflib.namespace import DCTERMS
from app.quality.maturity import Criterion, Maturity, PageSignals, RatingInput, assess
from app.quality.models import CRITERIA, Approval, ClientUse, MaturitySnapshot, PageMaturity, PageView, Rating
from app.annotations.models import PageAnnotation
from app.annotations.vocabulary import LMI

# The annotations a well-annotated page has (mirrors ontology/shapes.ttl, without running SHACL
# on every edit): what it is about, where, where the figures come from, and until when they hold.
KEY_FACTS = (
    (str(LMI.sector), str(LMI.occupation)),
    (str(LMI.region),),
    ("http://purl.org/dc/terms/source", str(LMI.sourceUrl)),
    (str(LMI.validUntil),),
    (str(LMI.medianPay), str(LMI.startingPay), str(LMI.employmentCount), str(LMI.vacancies),
     str(LMI.growthForecast)),
)


_DEFERRED = "maturity_refresh_deferred"
MATURITY_CHANGED = "maturity.changed"  # not "page.": recent changes and feeds list people's changes


@contextmanager
def deferred_refreshes(session: Session) -> Iterator[None]:
    """Within the block, refreshes only note the page; each noted page is scored once at the end.

    For bulk writers (the MediaWiki import appends a page's whole history, then stamps the source
    wiki's dates on it): one assessment of the final state instead of one per revision, and no
    snapshot of the intermediate states."""
    pending: set[int] = set()
    session.info[_DEFERRED] = pending
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)
    for page_id in sorted(pending):
        refresh(session, page_id)


def refresh(session: Session, page_id: int) -> PageMaturity | None:
    """Recompute one page's maturity from all its inputs and store it (in the caller's transaction)."""
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.add(page_id)
        return None
    page = session.get(Page, page_id)
    stored = session.get(PageMaturity, page_id)
    if page is None or page.deleted_at is not None:
        if stored is not None:
            session.delete(stored)
        return None
    result = assess_page(session, page)
    if stored is None:
        stored = PageMaturity(page_id=page_id)
        session.add(stored)
    if (stored.score, stored.phase) != (result.score, result.phase.value):
        if not changelog.page_logged(session, page_id):
            # search ranks and filters by it, the RDF shows it: the stores follow this row (unless the page's
            # own change is logged in this transaction: they re-read the whole page for that one)
            changelog.record(session, MATURITY_CHANGED, actor_id=None, space_id=page.space_id, page_id=page_id,
                             score=result.score, phase=result.phase.value, from_phase=stored.phase)
        session.add(MaturitySnapshot(page_id=page_id, at=utcnow(), score=result.score,
                                     confidence=result.confidence, phase=result.phase.value))
    stored.score, stored.confidence, stored.phase = result.score, result.confidence, result.phase.value
    stored.contributions = [{"key": c.key, "points": c.points, "explanation": c.explanation}
                            for c in result.contributions]
    stored.approved_differs = result.approved_differs
    stored.assessed, stored.flags, stored.phase_reason = result.assessed, list(result.flags), result.phase_reason
    stored.computed_at = utcnow()
    session.flush()
    return stored


def rescore_after_write(session: Session, event: PageChanged) -> None:
    """A page write changes its maturity, and that of the pages whose backlinks it changed (a page-write
    subscriber, so app.pages never imports scoring)."""
    refresh(session, event.page_id)
    for page_id in sorted(event.relinked - {event.page_id}):
        refresh(session, page_id)


RaterExpertise = Callable[[Session, Iterable[int], Iterable[str]], dict[int, float]]
_expertise_provider: RaterExpertise | None = None


def use_rater_expertise(source: RaterExpertise) -> None:
    """People tagging tells maturity each rater's expertise (0-1) in some topics (app.observers, at start-up):
    maturity sits below people and never imports it."""
    global _expertise_provider
    _expertise_provider = source


def _expertise_source() -> RaterExpertise:
    if _expertise_provider is None:
        raise RuntimeError("No rater expertise registered: call app.observers.register_all() at start-up")
    return _expertise_provider


def register() -> None:
    """At start-up: every page write rescores in its own transaction."""
    page_events.subscribe("quality.maturity", rescore_after_write)


def assess_page(session: Session, page: Page) -> Maturity:
    revisions = list(session.scalars(select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)))
    current = revisions[-1]
    ratings = list(session.scalars(select(Rating).where(Rating.page_id == page.id, Rating.superseded_at.is_(None))))
    authors = {r.author_id for r in revisions}
    by_id = {r.id: r for r in revisions}
    rated_numbers = {by_id[r.revision_id].number for r in ratings if r.revision_id in by_id}
    expertise = _rater_expertise(session, current, {r.rater_id for r in ratings})
    return assess(
        [RatingInput(
            rater_id=r.rater_id,
            scores={Criterion(name): getattr(r, name) for name in CRITERIA if getattr(r, name) is not None},
            revision_number=by_id[r.revision_id].number, rated_at=r.created_at, by_author=r.rater_id in authors,
            expertise=expertise.get(r.rater_id, 0.0), overall=r.overall,
        ) for r in ratings if r.revision_id in by_id],
        _signals(session, page, revisions, current, rated_numbers, ratings),
    )


def _signals(session: Session, page: Page, revisions: list[Revision], current: Revision, rated_numbers: set[int],
             ratings: list[Rating]) -> PageSignals:
    by_number = {r.number: r for r in revisions}
    properties, facts, valid_until = _annotation_summary(session, current)
    approval = session.scalar(select(Approval).where(Approval.page_id == page.id, Approval.withdrawn_at.is_(None)))
    space = session.get(Space, page.space_id)
    substantial = [r.created_at for r in revisions if not r.minor and r.kind in ("create", "edit", "revert")]
    last_review = max([*substantial, *(r.created_at for r in ratings)], default=page.created_at)
    now = utcnow()
    uses, users = _client_uses(session, page, now.date() - timedelta(days=USES_WINDOW_DAYS - 1))
    kind = approval.kind if approval else None
    approved_number = next((r.number for r in revisions if approval and r.id == approval.revision_id), None)
    return PageSignals(
        now=now,
        current_revision_number=current.number,
        changed_since={n: _changed_share(by_number[n].content, current.content) for n in rated_numbers
                       if n in by_number},
        valid_until=valid_until if isinstance(valid_until, date) else None,
        last_reviewed_at=last_review,
        distinct_editors=len({r.author_id for r in revisions}),
        revisions=len(revisions),
        backlinks=_backlink_count(session, page),
        annotation_completeness=_completeness(properties),
        organisational_space=space is not None and space.kind is SpaceKind.organisation,
        approved_revision_number=approved_number if kind == "reference" else None,
        words=len(current.content.split()),
        sources=_source_count(session, current),
        facts=facts,
        reads=_reads(session, page, now.date() - timedelta(days=READS_WINDOW_DAYS - 1)),
        client_uses=uses, client_users=users,
        trial_revision_number=approved_number if kind == "trial" else None,
    )


READS_WINDOW_DAYS = 30      # the model's `reads`: views in the last 30 days
USES_WINDOW_DAYS = 365      # its `client_uses`: marks in the last 12 months
SOURCE_PROPERTIES = ("http://purl.org/dc/terms/source", str(LMI.sourceUrl))


def _annotation_summary(session: Session, current: Revision) -> tuple[set[str], int, date | None]:
    """The current text's annotated properties, how many facts it annotates and its earliest Valid until.

    One query grouped by property, aggregated in SQL: a big page has thousands of annotations, and this runs
    in the write turn."""
    rows = session.execute(select(PageAnnotation.property_iri, func.count(), func.min(PageAnnotation.value_date))
                           .where(PageAnnotation.revision_id == current.id)
                           .group_by(PageAnnotation.property_iri)).all()
    valid_until = next((earliest for iri, _, earliest in rows if iri == str(LMI.validUntil)), None)
    return {iri for iri, _, _ in rows}, sum(count for _, count, _ in rows), valid_until


def _source_count(session: Session, current: Revision) -> int:
    """Distinct sources the current text cites (a source named twice is one source)."""
    values = session.scalars(select(func.coalesce(PageAnnotation.value_iri, PageAnnotation.value_text)).distinct()
                             .where(PageAnnotation.revision_id == current.id,
                                    PageAnnotation.property_iri.in_(SOURCE_PROPERTIES)))
    return len({value for value in values if value})


def _reads(session: Session, page: Page, since: date) -> int:
    """How often colleagues opened the page since that day (counted by app.quality.usage)."""
    return session.scalar(select(func.coalesce(func.sum(PageView.views), 0))
                          .where(PageView.page_id == page.id, PageView.day >= since)) or 0


def _client_uses(session: Session, page: Page, since: date) -> tuple[int, int]:
    """'Used with a client' marks since that day, and by how many colleagues."""
    row = session.execute(select(func.count(), func.count(func.distinct(ClientUse.user_id)))
                          .where(ClientUse.page_id == page.id, ClientUse.day >= since)).one()
    return int(row[0]), int(row[1])


def _rater_expertise(session: Session, current: Revision, rater_ids: set[int]) -> dict[int, float]:
    """Each rater's expertise (0-1) in the page's topics, as colleagues tagged it (people tagging).

    Tags change without touching the page, so a rater's new expertise counts from the page's next
    change or the nightly `mature recompute`.
    """
    if not rater_ids:
        return {}
    topics = list(session.scalars(select(PageAnnotation.value_iri).where(
        PageAnnotation.revision_id == current.id, PageAnnotation.property_iri == str(DCTERMS.subject),
        PageAnnotation.value_iri.is_not(None))))
    if not topics:
        return {}
    return _expertise_source()(session, rater_ids, topics)


def _changed_share(old: str, new: str) -> float:
    """Share of the words changed since a revision (0 = same, 1 = rewritten).

    By words, not characters: a character diff takes quadratic time (about 50 ms of CPU for a
    3,000-character page, per rated earlier revision, on every rating and edit of the page), and
    re-wrapping a paragraph is no change to what the rater judged."""
    if old == new:
        return 0.0
    return round(1.0 - difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio(), 3)


def _completeness(properties: set[str]) -> float:
    return sum(1 for group in KEY_FACTS if properties.intersection(group)) / len(KEY_FACTS)


def _backlink_count(session: Session, page: Page) -> int:
    keys = [page.title_key, *session.scalars(select(PageAlias.title_key).where(PageAlias.page_id == page.id,
                                                                                 PageAlias.space_id == page.space_id))]
    return session.scalar(
        select(func.count(func.distinct(PageLink.page_id))).join(Page, Page.id == PageLink.page_id)
        # `+ 0` keeps SQLite from walking the whole space by ix_page_space_id: it must start from
        # the few links to these titles (bench/maturity_recompute.py: 5 ms -> 0.06 ms per page).
        .where(PageLink.target_key.in_(keys), (Page.space_id + 0) == page.space_id, Page.deleted_at.is_(None),
               Page.id != page.id)
    ) or 0
