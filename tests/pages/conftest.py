"""The page tests share tests/page_fixtures.py."""

from tests.page_fixtures import alice, bob, space_id  # noqa: F401 (fixtures)
