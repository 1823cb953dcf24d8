""""Who knows about X" through the API: ranking, narrower topics and synonyms, fading, pages as evidence
(only readable ones), filters, explanations, and the record of unanswered and weak questions."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from app.auth.models import MemberRole, Visibility
from app.db import utcnow
from app.people.models import ExpertSearchGap, PersonTag
from tests.factories import make_page, make_space, personal_space
from tests.people.conftest import person_id, tag


def experts(client, caller, query: str, **params) -> dict:
    response = client.get("/api/experts", headers=caller.headers, params={"q": query, **params})
    assert response.status_code == 200, response.text
    return response.json()


def ranked_ids(answer: dict) -> list[int]:
    return [item["person"]["id"] for item in answer["items"]]


def test_a_colleagues_tag_outweighs_a_self_tag(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    tag(client, staff["alice"], alice, "Apprenticeships", level=5, note="I run the programme")
    tag(client, staff["dan"], ben, "Apprenticeships")  # a colleague's tag, no level, no evidence
    answer = experts(client, staff["erin"], "Apprenticeships")
    assert ranked_ids(answer) == [ben, alice]
    first, second = answer["items"]
    assert (first["rank"], second["rank"]) == (1, 2) and first["score"] > second["score"]
    assert first["why"].startswith("Tagged by 1 colleague with Apprenticeships")
    assert "Tagged themselves with Apprenticeships at level 5" in second["why"]
    assert [c["key"] for c in second["contributions"]] == ["self"]
    assert answer["topics"][0]["label"] == "Apprenticeships" and answer["outcome"] == "answered"


def test_more_colleagues_and_higher_levels_rank_higher(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    tag(client, staff["dan"], alice, "Apprenticeships", level=2)
    tag(client, staff["dan"], ben, "Apprenticeships", level=2)
    tag(client, staff["erin"], ben, "Apprenticeships", level=5)
    answer = experts(client, staff["carol"], "Apprenticeships")
    assert ranked_ids(answer) == [ben, alice]
    assert "Tagged by 2 colleagues with Apprenticeships (levels 5, 2)" in answer["items"][0]["why"]


def test_narrower_topics_and_synonyms_find_their_experts(client, session, staff):
    alice = person_id(session, staff["alice"])
    tag(client, staff["ben"], alice, "Degree apprenticeships", level=4)  # a synonym of a narrower topic
    answer = experts(client, staff["dan"], "Apprenticeships")
    assert ranked_ids(answer) == [alice] and answer["narrower_topics"] >= 1
    item = answer["items"][0]
    assert [t["label"] for t in item["topics"]] == ["Higher and degree apprenticeships"]
    assert item["why"] == ("Tagged by 1 colleague with Higher and degree apprenticeships, narrower than "
                           "Apprenticeships (level 4)")
    # two levels up, and by a synonym of the broader topic
    assert ranked_ids(experts(client, staff["dan"], "Education and training routes")) == [alice]
    assert ranked_ids(experts(client, staff["dan"], "Learning routes")) == [alice]
    # not found for a sibling topic
    assert experts(client, staff["dan"], "Higher education")["items"] == []


def test_a_tag_on_the_topic_itself_counts_more_than_one_on_a_narrower_topic(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    tag(client, staff["dan"], alice, "Higher and degree apprenticeships", level=3)
    tag(client, staff["dan"], ben, "Apprenticeships", level=3)
    assert ranked_ids(experts(client, staff["erin"], "Apprenticeships")) == [ben, alice]


def test_stale_tags_fade_until_reconfirmed(client, session, staff):
    alice, ben = person_id(session, staff["alice"]), person_id(session, staff["ben"])
    tag(client, staff["dan"], alice, "Skills shortages", level=4)
    tag(client, staff["dan"], ben, "Skills shortages", level=4)
    session.execute(update(PersonTag).where(PersonTag.person_id == alice)
                    .values(confirmed_at=utcnow() - timedelta(days=400)))
    session.commit()
    answer = experts(client, staff["erin"], "Skills shortages")
    assert ranked_ids(answer) == [ben, alice]
    stale = answer["items"][1]
    assert stale["score"] < answer["items"][0]["score"] / 3
    assert "not reconfirmed for 13 months" in stale["why"]
    assert tag(client, staff["dan"], alice, "Skills shortages", level=4).status_code == 200  # reconfirm
    again = experts(client, staff["erin"], "Skills shortages")["items"]
    assert again[0]["score"] == again[1]["score"] and "reconfirmed" not in again[0]["why"] + again[1]["why"]


def test_pages_they_wrote_are_evidence_but_only_pages_the_asker_may_read(client, session, staff):
    alice, dan = staff["alice"], staff["dan"]
    team = make_space(session, alice.user, Visibility.members, {dan.user: MemberRole.reader})
    make_page(session, alice.user, team, "Engineering apprenticeships",
              content="[[Topic::Apprenticeships]] [[Topic::Degree apprenticeships]] Routes into engineering.\n")
    make_page(session, alice.user, personal_space(session, alice.user), "Secret apprenticeship notes",
              content="[[Topic::Degree apprenticeships]] Draft.\n")
    pid = person_id(session, alice)
    tag(client, staff["ben"], pid, "Apprenticeships", level=3)
    seen_by_dan = experts(client, dan, "Apprenticeships")
    text = json.dumps(seen_by_dan)
    assert "Secret apprenticeship notes" not in text
    (item,) = seen_by_dan["items"]
    assert "Wrote 1 page on it: 'Engineering apprenticeships' (maturity" in item["why"]
    seen_by_alice = experts(client, alice, "Apprenticeships")["items"][0]
    assert "Wrote 2 pages on it" in seen_by_alice["why"] and seen_by_alice["score"] > item["score"]
    # someone who wrote on the topic but was never tagged is still found
    erin = staff["erin"]
    make_page(session, erin.user, make_space(session, erin.user, Visibility.organisation), "Apprenticeship pay",
              content="[[Topic::Apprenticeships]] Pay rates.\n")
    ids = ranked_ids(experts(client, dan, "Apprenticeships"))
    assert ids == [pid, person_id(session, erin)]
    # profiles list the pages too, only readable ones, with maturity
    profile = client.get(f"/api/people/{pid}", headers=dan.headers).json()
    pages = profile["topics"][0]["pages"]
    assert [p["title"] for p in pages] == ["Engineering apprenticeships"] and pages[0]["maturity_score"] is not None
    own = client.get("/api/people/me", headers=alice.headers).json()["topics"][0]["pages"]
    assert {p["title"] for p in own} == {"Engineering apprenticeships"}  # the draft is on a narrower topic


def test_internal_and_external_filters(client, session, staff):
    alice = person_id(session, staff["alice"])
    priya = client.post("/api/people", headers=staff["ben"].headers, json={"name": "Priya Shah"}).json()["id"]
    tag(client, staff["ben"], alice, "Employer engagement")
    tag(client, staff["ben"], priya, "Employer engagement", level=5)
    assert ranked_ids(experts(client, staff["dan"], "Employer engagement")) == [priya, alice]
    assert ranked_ids(experts(client, staff["dan"], "Employer engagement", kind="internal")) == [alice]
    external = experts(client, staff["dan"], "Employer engagement", kind="external")
    assert ranked_ids(external) == [priya] and external["items"][0]["person"]["kind"] == "external"
    assert client.get("/api/experts?q=x&kind=everyone", headers=staff["dan"].headers).status_code == 422


def test_free_text_finds_topics_containing_it(client, session, staff):
    alice = person_id(session, staff["alice"])
    tag(client, staff["ben"], alice, "Higher and degree apprenticeships")
    answer = experts(client, staff["dan"], "apprentice")
    assert ranked_ids(answer) == [alice]
    assert "Apprenticeships" in [t["label"] for t in answer["topics"]]


def test_unanswered_and_weak_questions_are_recorded(client, session, staff):
    alice = person_id(session, staff["alice"])
    assert experts(client, staff["dan"], "Quantum basket weaving")["outcome"] == "unanswered"
    tag(client, staff["alice"], alice, "Student finance", level=2)
    weak = experts(client, staff["dan"], "Student finance")
    assert weak["outcome"] == "weak" and ranked_ids(weak) == [alice]
    tag(client, staff["ben"], alice, "Student finance", level=4)
    assert experts(client, staff["dan"], "Student finance")["outcome"] == "answered"
    gaps = session.scalars(select(ExpertSearchGap).order_by(ExpertSearchGap.id)).all()
    assert [(g.query, g.outcome, g.result_count, g.asked_by_id) for g in gaps] == [
        ("Quantum basket weaving", "unanswered", 0, staff["dan"].id),
        ("Student finance", "weak", 1, staff["dan"].id)]
    assert gaps[0].concept_id is None and gaps[1].concept_id is not None


def test_results_page_with_offset_and_limit(client, session, staff):
    for name in ("alice", "ben", "dan"):
        tag(client, staff["erin"], person_id(session, staff[name]), "Job search")
    first = experts(client, staff["carol"], "Job search", limit=2)
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next"]
    rest = client.get(first["next"], headers=staff["carol"].headers).json()
    assert [i["rank"] for i in rest["items"]] == [3] and rest["next"] is None
    assert len({*ranked_ids(first), *ranked_ids(rest)}) == 3
