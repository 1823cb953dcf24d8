"""The mixed case at a larger N than the per-feature race tests (tests/pages, tests/quality, tests/people):
24 clients released at once against the two-worker server, a third editing different paragraphs of one
page, a third rating that page, a third tagging one colleague with the same new topic. On both databases:
no lost update, no duplicate, and the conflict rules of each feature hold while the others write."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from app.auth.models import MemberRole, Visibility
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.people.models import PersonTag
from app.quality import scoring
from app.quality.models import PageMaturity, Rating
from app.topics.models import TopicConcept
from tests.conftest import SharedServer
from tests.factories import make_space, person_ids, users_with_tokens
from tests.live_server import all_at_once

EACH = 8  # clients per kind of write
LINES = [f"Paragraph {n}: original text." for n in range(EACH)]
NEW_TOPIC = "Green skills in construction"


@pytest.fixture
def live(shared_server: SharedServer) -> dict:
    """The shared server (topic scheme seeded), colleagues of this module's own and their shared page."""
    with shared_server.database.transaction() as session:
        users, tokens = users_with_tokens(session, 3 * EACH + 1, "colleague")
        space = make_space(session, users[0], Visibility.organisation,
                           members=dict.fromkeys(users[1:], MemberRole.editor))
        page = page_service.create_page(session, users[0], space.id, "Shared page", "\n\n".join(LINES), [], "")
        [person] = person_ids(session, users[:1])
        return {"database": shared_server.database, "tokens": tokens[1:], "page": page.id,
                "base": page.current_revision_id, "person": person, "server": shared_server.server}


def test_edits_ratings_and_tags_all_at_once_keep_every_rule(live):
    url, page = live["server"].url, live["page"]
    auth = [{"Authorization": f"Bearer {token}"} for token in live["tokens"]]

    def edit(n: int) -> Callable[[httpx.Client], httpx.Response]:
        content = "\n\n".join(line.replace("original", f"edited by {n}") if i == n else line
                              for i, line in enumerate(LINES))
        return lambda client: client.patch(f"{url}/api/pages/{page}", headers={**auth[n], "If-Match": f'"rev-{live["base"]}"'},
                                           json={"content": content, "on_conflict": "merge"})

    def rate(n: int) -> Callable[[httpx.Client], httpx.Response]:
        return lambda client: client.put(f"{url}/api/pages/{page}/ratings/mine", headers=auth[EACH + n],
                                         json={"scores": {"reliability": 1 + n % 5, "currency": 5 - n % 5}})

    def tag(n: int) -> Callable[[httpx.Client], httpx.Response]:
        return lambda client: client.post(f"{url}/api/people/{live['person']}/tags", headers=auth[2 * EACH + n],
                                          json={"topic": NEW_TOPIC, "level": 1 + n % 5})

    responses = all_at_once([make(n) for n in range(EACH) for make in (edit, rate, tag)])
    edits, ratings, tags = responses[0::3], responses[1::3], responses[2::3]
    assert [r.status_code for r in edits] == [200] * EACH, [r.text for r in edits if r.status_code != 200]
    assert [r.status_code for r in ratings] == [200] * EACH, [r.text for r in ratings if r.status_code != 200]
    assert [r.status_code for r in tags] == [201] * EACH, [r.text for r in tags if r.status_code != 201]

    final = httpx.get(f"{url}/api/pages/{page}", headers=auth[0]).json()["content"]
    for n in range(EACH):  # no lost update: every paragraph edit is in the final text
        assert f"Paragraph {n}: edited by {n} text." in final
    assert len({r.json()["topic"]["id"] for r in tags}) == 1  # one new topic, however many typed it at once
    with live["database"].transaction(write=False) as session:
        chain = list(session.scalars(select(Revision).where(Revision.page_id == page).order_by(Revision.number)))
        assert len(chain) == EACH + 1
        assert [r.parent_id for r in chain] == [None] + [r.id for r in chain[:-1]]
        assert session.get(Page, page).current_revision_id == chain[-1].id
        current = session.scalars(select(Rating).where(Rating.page_id == page, Rating.superseded_at.is_(None))).all()
        assert sorted(r.rater_id for r in current) == sorted({r.json()["rater"]["id"] for r in ratings})
        assert session.get(PageMaturity, page).score == scoring.assess_page(session, session.get(Page, page)).score
        topics = session.scalars(select(TopicConcept).where(TopicConcept.label_key == NEW_TOPIC.lower())).all()
        assert len(topics) == 1
        person_tags = session.scalars(select(PersonTag).where(PersonTag.person_id == live["person"])).all()
        assert len(person_tags) == EACH and all(t.superseded_at is None for t in person_tags)
