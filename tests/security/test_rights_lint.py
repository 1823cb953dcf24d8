"""The rights lint (tests/security/rights_lint.py) holds on app/, and it can fail."""

from __future__ import annotations

import textwrap

import pytest

from app.db import Base
from tests.security import rights_lint

ROUTES = "app/pages/router.py"


def violations(source: str, path: str = ROUTES) -> list[str]:
    return [v.message for v in rights_lint.check_source(path, textwrap.dedent(source))]


@pytest.fixture(scope="module")
def unscoped() -> list[rights_lint.Violation]:
    """Every query of app/ that starts from no rights statement, the excused ones included (one pass)."""
    return rights_lint.check_app(allowed={})


def test_every_query_on_pages_spaces_and_page_rows_starts_from_a_rights_statement(unscoped) -> None:
    found = [v for v in unscoped if rights_lint.excused(v) is None]
    assert not found, "queries that bypass the rights rule:\n" + "\n".join(map(str, found))


def test_the_lint_knows_every_table_with_a_page_space_or_revision_column() -> None:
    """A new page-scoped table must be named (scoped, or not with a reason), or the lint would not see it."""
    tied = set()
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        targets = {fk.column.table.name for column in table.columns for fk in column.foreign_keys}
        columns = {column.name for column in table.columns}
        if targets & {"page", "space", "revision"} or columns & {"page_id", "space_id", "revision_id"} \
                or table.name in ("page", "space"):
            tied.add(mapper.class_.__name__)
    assert tied == set(rights_lint.SCOPED_MODELS) | set(rights_lint.NOT_SCOPED)


@pytest.mark.parametrize(("name", "source"), [
    ("a page list without the rule", """
        def list_pages(session, user):
            return session.scalars(select(Page).where(Page.deleted_at.is_(None)))
     """),
    ("the join assembled by hand", """
        def list_pages(session, user):
            return session.scalars(select(Page).join(Space, Space.id == Page.space_id)
                                   .where(readable_space_clause(user)))
     """),
    ("a page-scoped table by a bare id", """
        def ratings(session, page_id):
            return session.scalars(select(Rating).where(Rating.page_id == page_id))
     """),
    ("tags of every page", """
        def tags(session):
            return session.execute(select(PageTag.page_id, PageTag.concept_id)).all()
     """),
    ("every page, asked by a route", """
        def everything(session):
            return session.scalars(all_live_pages())
     """),
    ("the caller's ratings of every page, readable or not", """
        def my_ratings(session, user):
            return session.scalars(select(Rating).where(Rating.rater_id == user.id))
     """),
    ("an unscoped query next to a scoped one", """
        def labels(session, user, ids):
            return {"pages": session.execute(readable_pages(user, Page.id, Page.title).where(Page.id.in_(ids))),
                    "spaces": session.execute(select(Space.id, Space.name).where(Space.id.in_(ids)))}
     """),
    ("the legacy query API", """
        def pages(session):
            return session.query(Page).all()
     """),
])
def test_the_lint_reports_an_unscoped_query(name: str, source: str) -> None:
    assert violations(source), f"the lint let {name} through"


@pytest.mark.parametrize(("name", "source"), [
    ("a builder", """
        def list_pages(session, user, space_id):
            return session.scalars(readable_pages(user).where(Page.space_id == space_id))
     """),
    ("a column filter", """
        def tags(session, user):
            return session.execute(select(PageTag).where(readable_page_filter(user, PageTag.page_id))).all()
     """),
    ("rows of a page in hand", """
        def ratings(session, page):
            return session.scalars(select(Rating).where(Rating.page_id == page.id))
     """),
    ("a subquery that narrows a builder", """
        def tagged(session, user, topic_id):
            tagged = select(PageTag.page_id).where(PageTag.concept_id == topic_id)
            return session.scalars(readable_pages(user).where(Page.id.in_(tagged)))
     """),
    ("a function built from a builder", """
        def _mine(user):
            return readable_pages(user).where(Page.created_by_id == user.id)

        def count(session, user):
            return session.scalar(select(func.count()).select_from(_mine(user).subquery()))
     """),
    ("the store asking for every page", """
        def rebuild(session):
            return session.scalars(all_live_pages())
     """),
])
def test_the_lint_accepts_queries_that_start_from_the_rule(name: str, source: str) -> None:
    path = "app/search/documents.py" if name.startswith("the store") else ROUTES
    assert violations(source, path) == [], f"the lint refused {name}"


def test_every_exception_names_a_module_or_function_that_exists() -> None:
    """An allow-list entry left behind by a rename would silently allow nothing, or the wrong thing later."""
    root = rights_lint.APP.parent
    for reason, keys in rights_lint.ALLOWED.items():
        for key in keys:
            path, _, function = key.partition(":")
            assert (root / path).exists(), f"{key} ({reason}): no such module"
            if function:
                assert f"def {function}(" in (root / path).read_text(), f"{key} ({reason}): no such function"
    for path in rights_lint.STORE_MODULES:
        assert (root / path).exists(), f"{path}: no such store module"


def test_every_exception_is_needed(unscoped) -> None:
    """An entry that excuses no query is dropped, so the allow-list stays the list of real exceptions."""
    used = {rights_lint.excused(v) for v in unscoped}
    unused = [key for keys in rights_lint.ALLOWED.values() for key in keys if key not in used]
    assert not unused, f"allow-list entries that excuse nothing: {unused}"
