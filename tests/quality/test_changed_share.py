"""How much of a page changed since a rated revision (the weight of ratings on older revisions)."""

from __future__ import annotations

import pytest

from app.quality.scoring import _changed_share

PARAGRAPHS = [f"Paragraph {n}: employers in the North East reported {n * 10} vacancies in care roles this quarter, "
              f"and colleges expect apprenticeship starts to rise as replacement demand grows." for n in range(40)]
PAGE = "\n\n".join(PARAGRAPHS)  # about 6,000 characters: a long LMI page


def test_unchanged_and_rewrapped_text_count_as_unchanged():
    assert _changed_share(PAGE, PAGE) == 0.0
    rewrapped = PAGE.replace(", and colleges", ",\nand colleges").replace("\n\n", "\n\n\n")
    assert _changed_share(PAGE, rewrapped) == 0.0


@pytest.mark.parametrize(("rewritten", "low", "high"), [(1, 0.01, 0.06), (10, 0.12, 0.35), (40, 0.85, 1.0)])
def test_the_share_follows_how_many_paragraphs_were_rewritten(rewritten: int, low: float, high: float):
    new = PARAGRAPHS[:]
    for n in range(rewritten):
        new[n] = f"Rewritten {n}: the figures were withdrawn by the publisher pending a revision of method."
    assert low <= _changed_share(PAGE, "\n\n".join(new)) <= high


def test_an_appended_sentence_on_a_long_page_is_a_small_change():
    assert 0 < _changed_share(PAGE, PAGE + "\n\nChecked against the latest release.") < 0.02
