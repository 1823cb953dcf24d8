"""The annotation tests share the page fixtures (tests/page_fixtures.py)."""

from tests.page_fixtures import alice, bob, space_id  # noqa: F401 (fixtures)
