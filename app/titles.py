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
    title = title[0].upper() + title[1:]  # may lengthen it: 'ß' becomes 'SS'
    # The key ('ß' case-folds to 'ss') must fit too, or the same title would be refused one step later.
    if max(len(title), len(title.casefold())) > MAX_TITLE:
        raise InvalidTitle(f"A title can have at most {MAX_TITLE} characters (a few letters, such as ß, count "
                           "as two).")
    _refuse_invisible(title, "A title")
    bad = sorted({ch for ch in title if ch in FORBIDDEN})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise InvalidTitle(f"A title cannot contain {shown}; these characters are used by wiki links.")
    if title.lower().startswith("category:") or "::" in title:
        raise InvalidTitle("A title cannot start with 'Category:' or contain '::' (annotation syntax).")
    return title


def describe_character(ch: str) -> str:
    """'U+0000 (NUL)', 'U+200B (ZERO WIDTH SPACE)': a character a person cannot see, named so they can find it."""
    names = {"\x00": "NUL", "\x7f": "DELETE"}
    name = names.get(ch) or unicodedata.name(ch, "") or ("a control character" if ord(ch) < 0xA0 else "unassigned")
    return f"U+{ord(ch):04X} ({name})"


def _refuse_invisible(text: str, what: str) -> None:
    """Control, format and unassigned characters (NUL, escape, zero-width space ...) cannot name anything."""
    bad = sorted({ch for ch in text if unicodedata.category(ch).startswith("C")})
    if bad:
        shown = ", ".join(describe_character(ch) for ch in bad[:5])
        raise InvalidTitle(f"{what} cannot contain control or invisible characters; found {shown}. Remove them "
                           "(they often come with text pasted from another program) and try again.")


def title_key(title: str) -> str:
    """The comparison key: 'health and Social care' and 'Health and social care' are one page."""
    return normalise_title(title).casefold()


MAX_CATEGORY = 100


def normalise_category(raw: str) -> str:
    """A category name in the same normal form as titles (so 'careers_advice' is 'Careers advice')."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    _refuse_invisible(name, f"The category {raw!r}")
    name = name[:1].upper() + name[1:]
    if not name or len(name) > MAX_CATEGORY or any(ch in FORBIDDEN for ch in name):
        raise InvalidTitle(f"The category {raw!r} is not usable: give 1-{MAX_CATEGORY} characters without []{{}}|#<>.")
    return name
