"""How big one page may be: its text and its facts (annotations), checked before anything is parsed or saved.

A page is saved as one unit and read as one unit, so its size bounds what one save or one read costs
everyone else (bench/big_save.py). The limits are settings (`MATURE_PAGE_MAX_TEXT_BYTES`,
`MATURE_PAGE_MAX_FACTS`); the answers say what the limit is and what to do: split the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.pages.exceptions import PageTextTooLarge, TooManyFacts


@dataclass(frozen=True)
class PageLimits:
    """The largest page text (UTF-8 bytes) and the most facts (inline plus structured) one page may have."""

    max_text_bytes: int = Settings.model_fields["page_max_text_bytes"].default
    max_facts: int = Settings.model_fields["page_max_facts"].default

    @classmethod
    def of(cls, settings: Settings) -> PageLimits:
        return cls(settings.page_max_text_bytes, settings.page_max_facts)

    def check_text(self, content: str) -> None:
        """413 before parsing when the text is over the limit."""
        size = len(content.encode())
        if size > self.max_text_bytes:
            raise PageTextTooLarge(
                f"The page text is {size:,} bytes; a page may have at most {self.max_text_bytes:,} bytes "
                f"(MATURE_PAGE_MAX_TEXT_BYTES). Nothing was saved: split it into several pages that link "
                f"to each other with [[Page title]].",
                limit=self.max_text_bytes, size=size,
            )

    def check_facts(self, count: int) -> None:
        """422 when the parsed page has more facts than allowed, before they are typed or saved."""
        if count <= self.max_facts:
            return
        raise TooManyFacts(
            f"The page has {count:,} facts ([[Property::Value]] in the text plus structured annotations); "
            f"a page may have at most {self.max_facts:,} (MATURE_PAGE_MAX_FACTS). Nothing was saved: split "
            f"the facts over several pages, for example one page per region or per year.",
            limit=self.max_facts, facts=count,
            errors=[{"field": "content", "message": f"more than {self.max_facts:,} facts"}],
        )

