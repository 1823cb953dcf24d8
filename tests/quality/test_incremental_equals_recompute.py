"""Property: after any history of edits, links, moves, deletes, ratings, approvals (reference or trial) and
"used with a client" marks made through the API, every page's stored (incremental) maturity equals a full
recompute from scratch."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import MemberRole, Role, Visibility
from app.pages.models import Page
from app.quality import scoring
from app.quality.models import PageMaturity
from tests.factories import make_person, make_space

TITLES = ["Welding", "Plumbing", "Care work", "Retail"]
CRITERIA = ["currency", "reliability", "relevance", "impartiality", "accessibility", "comprehensiveness", "equality"]
_space_numbers = itertools.count(1)

people = st.integers(min_value=0, max_value=3)
titles = st.integers(min_value=0, max_value=len(TITLES) - 1)
scores = st.dictionaries(st.sampled_from(CRITERIA), st.integers(min_value=1, max_value=5))
overall = st.none() | st.integers(min_value=1, max_value=5)
# criteria only, an overall judgement only, or both: the API refuses neither
judgements = st.tuples(scores, overall).filter(lambda parts: bool(parts[0]) or parts[1] is not None)
creates = st.tuples(st.just("create"), people, titles, st.lists(titles, max_size=2), st.booleans())
later = st.lists(st.one_of(
    creates,
    st.tuples(st.just("edit"), people, titles, st.lists(titles, max_size=2), st.booleans()),
    st.tuples(st.just("rate"), people, titles, judgements),
    st.tuples(st.just("withdraw"), people, titles),
    st.tuples(st.just("delete"), titles),
    st.tuples(st.just("restore"), titles),
    st.tuples(st.just("approve"), titles, st.sampled_from(["reference", "trial"])),
    st.tuples(st.just("use"), people, titles),
    st.tuples(st.just("unuse"), people, titles),
), max_size=12)
operations = st.tuples(st.lists(creates, min_size=1, max_size=4), later).map(lambda parts: parts[0] + parts[1])


def content(links: list[int], dated: bool, salt: str) -> str:
    text = " ".join(f"[[{TITLES[n]}]]" for n in links)
    facts = "[[Sector::Construction]] [[Valid until::2020-01-31]] " if dated else ""
    return f"{facts}Notes {salt}. {text}\n"


def test_incremental_maturity_equals_a_full_recompute(client, session: Session):
    staff = [make_person(session) for _ in range(4)]
    manager = make_person(session, Role.manager)

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
    @given(operations)
    @example([("create", 0, 1, [], False), ("create", 0, 0, [1], False)])  # a new link to an older page
    @example([("create", 0, 0, [], False), ("rate", 1, 0, ({}, 2)), ("rate", 2, 0, ({"equality": 5}, None)),
              ("rate", 3, 0, ({"currency": 1, "equality": 4}, 5))])  # overall only, equality only, mixed
    def check(history: list[tuple]) -> None:
        space = make_space(session, staff[0].user, Visibility.members, {p.user: MemberRole.editor for p in staff[1:]},
                           key=f"prop-{next(_space_numbers)}")
        pages: dict[int, dict] = {}
        for step, operation in enumerate(history):
            apply(operation, step, space.id, pages)
        session.expire_all()
        ids = list(session.scalars(select(Page.id).where(Page.space_id == space.id)))
        for page_id in ids:
            page = session.get(Page, page_id)
            stored = session.get(PageMaturity, page_id)
            if page.deleted_at is not None:
                assert stored is None
                continue
            fresh = scoring.assess_page(session, page)
            assert (stored.score, stored.phase, stored.confidence) == (fresh.score, fresh.phase.value, fresh.confidence), \
                f"{page.title} after {history}"
            assert stored.contributions == [{"key": c.key, "points": c.points, "explanation": c.explanation}
                                            for c in fresh.contributions]
            assert (stored.assessed, stored.flags, stored.phase_reason) == (
                fresh.assessed, list(fresh.flags), fresh.phase_reason), f"{page.title} after {history}"

    def apply(operation: tuple, step: int, space_id: int, pages: dict[int, dict]) -> None:
        kind = operation[0]
        if kind == "create" and operation[2] not in pages:
            _, who, title, links, dated = operation
            response = client.post("/api/pages", headers=staff[who].headers, json={
                "space_id": space_id, "title": TITLES[title], "content": content(links, dated, str(step))})
            assert response.status_code == 201, response.text
            pages[title] = response.json()
        elif kind == "edit" and operation[2] in pages:
            _, who, title, links, dated = operation
            current = client.get(f"/api/pages/{pages[title]['id']}", headers=staff[who].headers)
            if current.status_code != 200:  # deleted
                return
            response = client.patch(f"/api/pages/{pages[title]['id']}", headers=staff[who].headers, json={
                "content": content(links, dated, str(step)), "base_revision": current.json()["revision"]["id"]})
            assert response.status_code == 200, response.text
        elif kind == "rate" and operation[2] in pages:
            _, who, title, (given_scores, given_overall) = operation
            response = client.put(f"/api/pages/{pages[title]['id']}/ratings/mine", headers=staff[who].headers,
                                  json={"scores": given_scores, "overall": given_overall})
            assert response.status_code in (200, 404, 410), response.text  # the page may have been deleted
        elif kind == "withdraw" and operation[2] in pages:
            client.delete(f"/api/pages/{pages[operation[2]]['id']}/ratings/mine", headers=staff[operation[1]].headers)
        elif kind == "delete" and operation[1] in pages:
            client.delete(f"/api/pages/{pages[operation[1]]['id']}", headers=staff[0].headers)
        elif kind == "restore" and operation[1] in pages:
            client.post(f"/api/pages/{pages[operation[1]]['id']}/restore", headers=staff[0].headers)
        elif kind == "approve" and operation[1] in pages:
            client.put(f"/api/pages/{pages[operation[1]]['id']}/approval", headers=manager.headers,
                       json={"kind": operation[2]})
        elif kind == "use" and operation[2] in pages:
            client.post(f"/api/pages/{pages[operation[2]]['id']}/uses", headers=staff[operation[1]].headers)
        elif kind == "unuse" and operation[2] in pages:
            client.delete(f"/api/pages/{pages[operation[2]]['id']}/uses/mine", headers=staff[operation[1]].headers)

    check()
