"""A page save does its pure work (merge, parse, type) before it takes the database's write turn and
renders its answer after giving it back, so a big save keeps nobody's rating waiting for its CPU time.
What it read before the turn is checked again under it: a colleague's save in between is merged,
a delete in between wins. (Ordering, not timing: bench/big_save.py measures the effect.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.annotations import service as annotation_service
from app.pages import presentation
from app.pages import service as page_service
from app.pages.models import Page, Revision
from tests.factories import post_page

BRIEF = "## Pay\n\n[[Median pay::£24,000]]\n\n## Routes\n\nCare certificate first.\n"


class RecordedTurn:
    """Stands in for the database's write lock and notes when the turn is taken and given back."""

    def __init__(self, events: list[str], on_take: Callable[[], None] | None = None) -> None:
        self.events, self.on_take = events, on_take

    def __enter__(self) -> RecordedTurn:
        self.events.append("turn taken")
        if self.on_take is not None:
            on_take, self.on_take = self.on_take, None
            on_take()
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.append("turn given back")


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Parsing, typing, merging and rendering note themselves in the same list as the turn."""
    found: list[str] = []

    def noting(name: str, function: Callable) -> Callable:
        def noted(*args, **kwargs):
            found.append(name)
            return function(*args, **kwargs)
        return noted

    monkeypatch.setattr(page_service, "extract", noting("parse", page_service.extract))
    monkeypatch.setattr(annotation_service, "type_all", noting("type", annotation_service.type_all))
    monkeypatch.setattr(page_service, "merge_texts", noting("merge", page_service.merge_texts))
    monkeypatch.setattr(presentation, "render", noting("render", presentation.render))
    return found


def test_a_new_page_is_parsed_and_typed_before_the_turn_and_rendered_after_it(client, database, events, alice,
                                                                              space_id):
    database.write_lock = RecordedTurn(events)
    page = post_page(client, alice, space_id, "Care pay", BRIEF)

    assert page["annotations"][0]["value"] == "24000 GBP"
    assert events == ["parse", "type", "turn taken", "turn given back", "render"]


def test_an_edit_merges_parses_and_types_before_the_turn(client, database, events, alice, bob, space_id):
    page = post_page(client, alice, space_id, "Care pay", BRIEF)
    first = page["revision"]["id"]
    ben = client.patch(f"/api/pages/{page['id']}", headers=bob.headers,
                       json={"content": BRIEF.replace("first.", "first, then level 2."), "base_revision": first})
    assert ben.status_code == 200
    events.clear()
    database.write_lock = RecordedTurn(events)

    mine = client.patch(f"/api/pages/{page['id']}", headers=alice.headers,  # based on the first revision
                        json={"content": BRIEF.replace("£24,000", "£25,000"), "base_revision": first})

    assert mine.status_code == 200 and mine.json()["merged"], mine.text
    assert events == ["merge", "parse", "type", "turn taken", "turn given back", "render"]


def test_a_save_landing_while_an_edit_was_worked_out_is_merged_under_the_turn(client, database, alice, bob,
                                                                             space_id):
    page = post_page(client, alice, space_id, "Care pay", BRIEF)
    base = page["revision"]["id"]
    landed: list[int] = []

    def colleague_saves() -> None:  # Bob's save lands after Alice's edit was typed, before her write turn
        with database.session(write=True) as other:
            access = page_service.get_access(other, bob.user, page["id"])
            outcome = page_service.edit_page(other, bob.user, access, page_service.PageEdit(
                base, BRIEF.replace("first.", "first, then level 2."), on_conflict="merge"))
            other.commit()
            landed.append(outcome.revision.id)

    database.write_lock = RecordedTurn([], on_take=colleague_saves)
    mine = client.patch(f"/api/pages/{page['id']}", headers=alice.headers,
                        json={"content": BRIEF.replace("£24,000", "£25,000"), "base_revision": base})

    assert mine.status_code == 200, mine.text
    result = mine.json()
    assert "then level 2." in result["content"] and "£25,000" in result["content"]  # both changes kept
    assert result["merged"] and result["merged_with"] == landed and result["revision"]["number"] == 3
    assert [a["value"] for a in result["annotations"]] == ["25000 GBP"]  # typed again from the merged text


def test_a_delete_landing_while_an_edit_was_worked_out_wins(client, database, session, alice, bob, space_id):
    page = post_page(client, alice, space_id, "Care pay", BRIEF)

    def colleague_deletes() -> None:
        with database.session(write=True) as other:
            page_service.delete_page(other, bob.user, page_service.get_access(other, bob.user, page["id"]))
            other.commit()

    database.write_lock = RecordedTurn([], on_take=colleague_deletes)
    mine = client.patch(f"/api/pages/{page['id']}", headers=alice.headers,
                        json={"content": BRIEF + "\nMore.\n", "base_revision": page["revision"]["id"]})

    assert mine.status_code == 410, mine.text
    assert session.scalar(select(func.count()).select_from(Revision).where(Revision.page_id == page["id"])) == 1
    assert session.get(Page, page["id"]).deleted_at is not None


def test_a_deferred_session_cannot_write_before_taking_its_turn(database, alice, space_id):
    with pytest.raises(RuntimeError, match="take_write_turn"), database.transaction(deferred=True) as session:
        session.add(Page(space_id=space_id, title="Sneaky", title_key="sneaky", created_by_id=alice.id))
        session.flush()
