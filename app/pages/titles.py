"""Page titles: one normal form for display and one key for uniqueness and links."""

from __future__ import annotations

import re
import unicodedata

MAX_TITLE = 200
FORBIDDEN = set("[]{}|#<>")
_SPACES = re.compile(r"[\s_]+")


class InvalidTitle(ValueError):
    """A title that cannot name a page; the message says why."""


def normalise_title(raw: str) -> str:
    """Trim, collapse spaces/underscores and capitalise the first letter, as MediaWiki does."""
    title = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not title:
        raise InvalidTitle("A title cannot be empty.")
    if len(title) > MAX_TITLE:
        raise InvalidTitle(f"A title can have at most {MAX_TITLE} characters.")
    bad = sorted({ch for ch in title if ch in FORBIDDEN or unicodedata.category(ch).startswith("C")})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise InvalidTitle(f"A title cannot contain {shown}; these characters are used by wiki links.")
    if title.lower().startswith("category:") or "::" in title:
        raise InvalidTitle("A title cannot start with 'Category:' or contain '::' (annotation syntax).")
    return title[0].upper() + title[1:]


def title_key(title: str) -> str:
    """The comparison key: 'health and Social care' and 'Health and social care' are one page."""
    return normalise_title(title).casefold()


MAX_CATEGORY = 100


def normalise_category(raw: str) -> str:
    """A category name in the same normal form as titles (so 'careers_advice' is 'Careers advice')."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not name or len(name) > MAX_CATEGORY or any(ch in FORBIDDEN for ch in name):
        raise InvalidTitle(f"The category {raw!r} is not usable: give 1-{MAX_CATEGORY} characters without []{{}}|#<>.")
    return name[0].upper() + name[1:]
