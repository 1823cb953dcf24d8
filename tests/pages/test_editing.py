"""Writing pages: create, edit, conflicts and merges, revert, move, delete/restore, links."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.changelog import Change
from app.pages.models import Revision
from tests.factories import Person, make_space, post_page

BRIEF = "## Health and social care\n\nDemand is steady.\n\n## Pay\n\nMedian pay is 24,000 GBP.\n\n## Routes\n\nCare certificate first.\n"


def create(client: TestClient, person: Person, space_id: int, title: str = "Care work", content: str = BRIEF,
           **extra) -> dict:
    return post_page(client, person, space_id, title, content, **extra)


def edit(client: TestClient, person: Person, page: dict, base: int, content: str, **extra):
    return client.patch(f"/api/pages/{page['id']}", headers=person.headers,
                        json={"content": content, "base_revision": base, **extra})


# ------------------------------------------------------------------ create and read


def test_create_returns_page_with_location_etag_and_rendered_html(client, alice, space_id):
    response = client.post("/api/pages", headers=alice.headers, json={
        "space_id": space_id, "title": "  care_work  in the   north east ", "content": BRIEF,
        "categories": ["sector profile", "Sector profile"], "summary": "first notes"})
    assert response.status_code == 201
    page = response.json()
    assert page["title"] == "Care work in the north east"
    assert response.headers["Location"] == f"/api/pages/{page['id']}"
    assert response.headers["ETag"] == page["etag"] == f'"rev-{page["revision"]["id"]}"'
    assert page["categories"] == ["Sector profile"]
    assert "<h2>Pay</h2>" in page["html"]
    assert page["revision"]["number"] == 1 and page["revision"]["summary"] == "first notes"


def test_titles_are_unique_per_space_ignoring_case(client, alice, space_id):
    create(client, alice, space_id, "Care work")
    response = client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": "care WORK"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already has a page titled 'Care work'" in response.json()["detail"]


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"title": "A [bad] title"}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "Fine", "categories": ["ok", "bad|name"]}, "categories"),
    ({"title": "Fine", "content": 5}, "content"),
])
def test_bad_page_input_is_422_naming_the_field(client, alice, space_id, body, field):
    response = client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, **body})
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {error["field"] for error in problem["errors"]}
    assert field[:5] in problem["detail"].lower()  # the message names the field too


def test_unsafe_markdown_is_neutralised(client, alice, space_id):
    evil = ('<script>alert("x")</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n'
            '[[<img src=x onerror=alert(2)>]] and <iframe src="https://evil.example"></iframe>\n')
    page = create(client, alice, space_id, "Evil", evil)
    elements = _elements(page["html"])
    assert {tag for tag, _ in elements} <= {"p", "a"}
    for tag, attributes in elements:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        assert not attributes.get("href", "").lower().startswith("javascript"), (tag, attributes)
    assert "&lt;script&gt;" in page["html"]  # shown as text, not dropped silently


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """The elements a browser would build from the HTML, with their attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {name: value or "" for name, value in attrs}))

    Collector().feed(html)
    return found


# ------------------------------------------------------------------ editing and history


def test_edit_makes_a_new_revision_and_history_lists_newest_first(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    first = page["revision"]["id"]
    response = edit(client, bob, page, first, BRIEF.replace("24,000", "25,500"), summary="ASHE 2025", minor=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True and body["merged"] is False
    assert body["revision"]["parent_id"] == first and body["revision"]["author"]["id"] == bob.id
    assert "25,500" in body["content"]

    history = client.get(f"/api/pages/{page['id']}/revisions", headers=alice.headers).json()["items"]
    assert [r["number"] for r in history] == [2, 1]
    assert history[0]["summary"] == "ASHE 2025" and history[0]["minor"] is True

    old = client.get(f"/api/pages/{page['id']}/revisions/{first}", headers=alice.headers).json()
    assert "24,000" in old["content"] and "24,000" in old["html"]


def test_edit_that_changes_nothing_makes_no_revision(client, alice, space_id):
    page = create(client, alice, space_id)
    response = edit(client, alice, page, page["revision"]["id"], BRIEF + "\n\n   ")
    assert response.status_code == 200
    assert response.json()["changed"] is False
    assert response.json()["revision"]["id"] == page["revision"]["id"]


def test_history_is_paginated_with_a_next_link(client, alice, space_id):
    page = create(client, alice, space_id, content="v0\n")
    base = page["revision"]["id"]
    for n in range(1, 6):
        base = edit(client, alice, page, base, f"v{n}\n").json()["revision"]["id"]
    first = client.get(f"/api/pages/{page['id']}/revisions?limit=4", headers=alice.headers).json()
    assert [r["number"] for r in first["items"]] == [6, 5, 4, 3]
    second = client.get(first["next"].replace("http://testserver", ""), headers=alice.headers).json()
    assert [r["number"] for r in second["items"]] == [2, 1] and second["next"] is None
    bad = client.get(f"/api/pages/{page['id']}/revisions?cursor=nonsense", headers=alice.headers)
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]


def test_edit_without_base_revision_is_refused_with_428(client, alice, space_id):
    page = create(client, alice, space_id)
    response = client.patch(f"/api/pages/{page['id']}", headers=alice.headers, json={"content": "x"})
    assert response.status_code == 428
    assert "base_revision" in response.json()["detail"]


def test_if_match_etag_works_as_base_revision(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    ok = client.patch(f"/api/pages/{page['id']}", headers={**alice.headers, "If-Match": page["etag"]},
                      json={"content": BRIEF + "More.\n"})
    assert ok.status_code == 200 and ok.headers["ETag"] != page["etag"]
    garbage = client.patch(f"/api/pages/{page['id']}", headers={**alice.headers, "If-Match": "*"},
                           json={"content": "x"})
    assert garbage.status_code == 412


def test_base_revision_of_another_page_is_422(client, alice, space_id):
    one, two = create(client, alice, space_id, "One"), create(client, alice, space_id, "Two")
    response = edit(client, alice, one, two["revision"]["id"], "x\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "base_revision"


# ------------------------------------------------------------------ concurrent edits: merge or 409


def test_non_overlapping_concurrent_edits_are_merged_and_reported(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    base = page["revision"]["id"]
    first = edit(client, alice, page, base, BRIEF.replace("Demand is steady.", "Demand is rising."))
    assert first.status_code == 200
    second = edit(client, bob, page, base, BRIEF.replace("Care certificate first.", "Care Certificate, then NVQ."),
                  categories=["Routes"])
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["merged"] is True and body["merged_with"] == [first.json()["revision"]["id"]]
    assert "Demand is rising." in body["content"] and "then NVQ" in body["content"]
    assert body["revision"]["parent_id"] == first.json()["revision"]["id"]


def test_overlapping_concurrent_edits_answer_409_with_everything_needed(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    base = page["revision"]["id"]
    saved = edit(client, alice, page, base, BRIEF.replace("24,000", "25,000")).json()
    attempt = BRIEF.replace("24,000", "26,000")
    response = edit(client, bob, page, base, attempt)
    assert response.status_code == 409
    problem = response.json()
    assert problem["attempted_content"] == attempt
    assert problem["current_revision"]["id"] == saved["revision"]["id"]
    assert "25,000" in problem["current_revision"]["content"]
    [conflict] = problem["conflicts"]
    assert conflict["base"] == ["Median pay is 24,000 GBP."]
    assert conflict["current"] == ["Median pay is 25,000 GBP."]
    assert conflict["yours"] == ["Median pay is 26,000 GBP."]
    assert response.headers["ETag"] == saved["etag"]
    current = client.get(f"/api/pages/{page['id']}", headers=alice.headers).json()
    assert "25,000" in current["content"]  # nothing was overwritten


def test_fail_mode_refuses_even_a_mergeable_edit(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    base = page["revision"]["id"]
    edit(client, alice, page, base, BRIEF.replace("Demand is steady.", "Demand is rising."))
    response = edit(client, bob, page, base, BRIEF.replace("Care certificate first.", "NVQ."), on_conflict="fail")
    assert response.status_code == 409
    assert response.json()["conflicts"] == []
    assert "asked not to merge" in response.json()["detail"]


# ------------------------------------------------------------------ diff, revert


def test_diff_gives_unified_text_and_structured_hunks(client, alice, space_id):
    page = create(client, alice, space_id, categories=["Old"])
    base = page["revision"]["id"]
    new = edit(client, alice, page, base, BRIEF.replace("24,000", "25,000"), categories=["New"]).json()
    diff = client.get(f"/api/pages/{page['id']}/diff?from={base}&to={new['revision']['id']}",
                      headers=alice.headers).json()
    assert "-Median pay is 24,000 GBP." in diff["unified"] and "+Median pay is 25,000 GBP." in diff["unified"]
    ops = [(line["op"], line["text"]) for hunk in diff["hunks"] for line in hunk["lines"] if line["op"] != "equal"]
    assert ops == [("delete", "Median pay is 24,000 GBP."), ("insert", "Median pay is 25,000 GBP.")]
    assert diff["added_lines"] == diff["removed_lines"] == 1
    assert diff["categories_added"] == ["New"] and diff["categories_removed"] == ["Old"]
    default = client.get(f"/api/pages/{page['id']}/diff", headers=alice.headers).json()
    assert default["from_revision"]["id"] == base and default["to_revision"]["id"] == new["revision"]["id"]


def test_revert_brings_back_old_content_as_a_new_revision(client, alice, bob, space_id):
    page = create(client, alice, space_id)
    first = page["revision"]["id"]
    edit(client, bob, page, first, "Vandalised\n")
    response = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers, json={"revision_id": first})
    assert response.status_code == 200
    body = response.json()
    assert body["content"] == BRIEF and body["revision"]["number"] == 3
    assert body["revision"]["kind"] == "revert" and body["revision"]["reverted_to_id"] == first
    again = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers, json={"revision_id": first})
    assert again.status_code == 409 and "nothing to revert" in again.json()["detail"]


# ------------------------------------------------------------------ move, delete, restore, links


def test_move_keeps_the_old_title_leading_to_the_page(client, alice, space_id):
    page = create(client, alice, space_id, "Care work")
    linker = create(client, alice, space_id, "Index", "See [[Care work]].\n")
    moved = client.post(f"/api/pages/{page['id']}/move", headers=alice.headers, json={"title": "Adult care work"})
    assert moved.status_code == 200 and moved.json()["title"] == "Adult care work"
    assert moved.json()["revision"]["kind"] == "move"

    found = client.get(f"/api/spaces/{space_id}/pages/care work", headers=alice.headers).json()
    assert found["id"] == page["id"] and found["redirected_from"] == "Care work"
    index = client.get(f"/api/pages/{linker['id']}", headers=alice.headers).json()
    assert index["links"] == [{"title": "Care work", "exists": True, "page_id": page["id"]}]
    backlinks = client.get(f"/api/pages/{page['id']}/backlinks", headers=alice.headers).json()["items"]
    assert [b["id"] for b in backlinks] == [linker["id"]]

    # A new page may take the old title over; then the title leads to the new page.
    newer = create(client, alice, space_id, "Care work")
    assert client.get(f"/api/spaces/{space_id}/pages/Care work", headers=alice.headers).json()["id"] == newer["id"]


def test_move_to_another_space_needs_edit_rights_there(client, session, alice, bob, space_id):
    page = create(client, alice, space_id)
    elsewhere = make_space(session, alice.user)
    refused = client.post(f"/api/pages/{page['id']}/move", headers=bob.headers,
                          json={"title": page["title"], "space_id": elsewhere.id})
    assert refused.status_code == 404  # bob cannot even see that space
    moved = client.post(f"/api/pages/{page['id']}/move", headers=alice.headers,
                        json={"title": page["title"], "space_id": elsewhere.id})
    assert moved.status_code == 200 and moved.json()["space_id"] == elsewhere.id
    assert client.get(f"/api/pages/{page['id']}", headers=bob.headers).status_code == 404


def test_delete_keeps_revisions_and_restore_brings_the_page_back(client, session, alice, space_id):
    page = create(client, alice, space_id)
    edit(client, alice, page, page["revision"]["id"], "Second\n")
    assert client.delete(f"/api/pages/{page['id']}", headers=alice.headers).status_code == 204

    gone = client.get(f"/api/pages/{page['id']}", headers=alice.headers)
    assert gone.status_code == 410 and "restore" in gone.json()["detail"]
    listed = client.get(f"/api/pages?space_id={space_id}", headers=alice.headers).json()["items"]
    assert page["id"] not in [item["id"] for item in listed]
    assert len(client.get(f"/api/pages/{page['id']}/revisions", headers=alice.headers).json()["items"]) == 2
    again = client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": page["title"]})
    assert again.status_code == 409 and "restore" in again.json()["detail"]

    restored = client.post(f"/api/pages/{page['id']}/restore", headers=alice.headers)
    assert restored.status_code == 200 and restored.json()["content"] == "Second\n"
    assert session.scalar(select(Revision.id).where(Revision.page_id == page["id"]).limit(1)) is not None
    kinds = [c["kind"] for c in client.get(f"/api/recent-changes?space_id={space_id}", headers=alice.headers).json()["items"]]
    assert kinds[:2] == ["page.restored", "page.deleted"]


def test_links_to_missing_pages_and_wanted_pages(client, alice, space_id):
    hub = create(client, alice, space_id, "Hub", "See [[Care work]] and [[Nursing routes|routes]].\n\n[[Category:Index]]\n")
    assert {(link["title"], link["exists"]) for link in hub["links"]} == {("Care work", False), ("Nursing routes", False)}
    assert 'class="wikilink missing"' in hub["html"] and hub["categories"] == ["Index"]
    wanted = client.get(f"/api/spaces/{space_id}/wanted-pages", headers=alice.headers).json()["items"]
    assert {w["title"] for w in wanted} == {"Care work", "Nursing routes"}
    create(client, alice, space_id, "Care work")
    hub = client.get(f"/api/pages/{hub['id']}", headers=alice.headers).json()
    assert {(link["title"], link["exists"]) for link in hub["links"]} == {("Care work", True), ("Nursing routes", False)}
    wanted = client.get(f"/api/spaces/{space_id}/wanted-pages", headers=alice.headers).json()["items"]
    assert [w["title"] for w in wanted] == ["Nursing routes"]


def test_every_change_is_in_the_change_log_in_the_same_transaction(client, session, alice, space_id):
    page = create(client, alice, space_id)
    edit(client, alice, page, page["revision"]["id"], "Second\n", minor=True)
    client.post(f"/api/pages/{page['id']}/move", headers=alice.headers, json={"title": "Moved"})
    kinds = list(session.scalars(select(Change.kind).where(Change.page_id == page["id"]).order_by(Change.id)))
    assert kinds == ["page.created", "page.edited", "page.moved"]
    feed = client.get(f"/api/recent-changes?space_id={space_id}&include_minor=false", headers=alice.headers).json()
    assert [c["kind"] for c in feed["items"]] == ["page.moved", "page.created"]


def test_failed_write_leaves_nothing_half_written(client, session, alice, space_id):
    """A 409 on create (title taken) must not leave a page, revision or change-log row behind."""
    create(client, alice, space_id, "Care work")
    before = session.scalar(select(Change.id).order_by(Change.id.desc()).limit(1))
    client.post("/api/pages", headers=alice.headers, json={"space_id": space_id, "title": "CARE WORK", "content": "x"})
    client.post("/api/pages", headers=alice.headers,
                json={"space_id": space_id, "title": "Fine", "categories": ["a|b"], "content": "y"})
    assert session.scalar(select(Change.id).order_by(Change.id.desc()).limit(1)) == before
    titles = [i["title"] for i in client.get(f"/api/pages?space_id={space_id}", headers=alice.headers).json()["items"]]
    assert titles == ["Care work"]


def test_find_by_title_handles_slashes_and_unknown_titles(client, alice, space_id):
    page = create(client, alice, space_id, "Teesside/Hartlepool employers")
    found = client.get(f"/api/spaces/{space_id}/pages/teesside/hartlepool employers", headers=alice.headers)
    assert found.status_code == 200 and found.json()["id"] == page["id"] and found.json()["redirected_from"] is None
    missing = client.get(f"/api/spaces/{space_id}/pages/No such page", headers=alice.headers)
    assert missing.status_code == 404 and "No such page" in missing.json()["detail"]
