"""Wikitext -> Markdown in the service's wiki syntax (no database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.pages.wikitext import extract, plain_text
from app.semantics.ontology import get_ontology
from app.wikiimport.convert import WikitextConverter


@pytest.fixture(scope="module")
def converter() -> Iterator[WikitextConverter]:
    with WikitextConverter(get_ontology(), {"Head count": "Employment count"}) as converter:
        yield converter


def convert(converter: WikitextConverter, text: str):
    return converter.convert_all([text])[0]


def test_links_keep_their_target_and_label(converter) -> None:
    result = convert(converter, "See [[care workers]], [[Nurses#Pay|nurses' pay]] and [[Apprenticeships]]s.")
    assert result.markdown.strip() == (
        "See [[Care workers|care workers]], [[Nurses|nurses' pay]] and [[Apprenticeships]]s.")
    assert [link.title for link in extract(result.markdown).links] == ["Care workers", "Nurses", "Apprenticeships"]


def test_links_inside_tables_stay_in_their_cell(converter) -> None:
    text = '{| class="wikitable"\n! Job !! Route\n|-\n| [[Care workers|Carer]] || [[Apprenticeships]]\n|}'
    markdown = convert(converter, text).markdown
    assert "| Job" in markdown and "[[Care workers|Carer]]" in markdown
    assert [link.label for link in extract(markdown).links] == ["Carer", "Apprenticeships"]


def test_set_parser_function_becomes_structured_annotations(converter) -> None:
    result = convert(converter, "Intro.\n{{#set:Region=North East|Head count=1,200|Colour=blue}}")
    assert result.structured == [("Region", "North East"), ("Employment count", "1,200")]
    assert "Colour" in plain_text(result.markdown) and "Region" not in plain_text(result.markdown)
    assert [a.property for a in result.annotations if a.unknown_property] == ["Colour"]


def test_an_invalid_value_of_a_known_property_stays_text(converter) -> None:
    result = convert(converter, "Valid until [[Valid until::sometime soon]].")
    assert extract(result.markdown).annotations == []
    assert "[[Valid until::sometime soon]]" in plain_text(result.markdown)
    assert not result.annotations[0].kept and not result.annotations[0].unknown_property


def test_templates_files_and_category_links_are_shown_not_lost(converter) -> None:
    text = ("{{Infobox job|title=Nurse}}\n"
            "[[File:Chart.png|thumb|Pay]] [[:Category:Jobs|all jobs]] [[Category:Jobs|sort]]")
    result = convert(converter, text)
    shown = plain_text(result.markdown)
    assert "{{Infobox job|title=Nurse}}" in shown and "[[File:Chart.png|thumb|Pay]]" in shown and "all jobs" in shown
    assert extract(result.markdown).categories == ["Jobs"]
    assert result.templates == ["Infobox job"]


def test_the_same_text_is_converted_once(converter) -> None:
    texts = ["''one''", "'''two'''", "''one''"]
    first = converter.convert_all(texts)
    assert [r.markdown.strip() for r in first] == ["*one*", "**two**", "*one*"]
    assert first[0] is first[2]


def test_a_long_import_forgets_the_oldest_texts_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.wikiimport import convert as convert_module

    monkeypatch.setattr(convert_module, "CACHE_TEXTS", 4)
    with WikitextConverter(get_ontology()) as converter:
        converter.convert_all([f"text {n}" for n in range(5)])
        newest = converter.convert_all(["text 4"])[0]
        converter.convert_all(["text 5"])
        assert converter.convert_all(["text 4"])[0] is newest  # kept: among the newest
        assert list(converter._cache) == ["text 3", "text 4", "text 5"]


def test_a_pandoc_that_dies_fails_its_batch_in_words_and_the_next_batch_gets_a_fresh_one(converter) -> None:
    from app.wikiimport.convert import ConversionError

    assert not isinstance(convert(converter, "'''warm up'''"), ConversionError)
    converter._pandoc._process.kill()  # pandoc crashes between batches
    converter._pandoc._process.wait()
    failed = converter.convert_all(["'''first'''"])[0]
    assert isinstance(failed, ConversionError) and "pandoc stopped" in str(failed)
    again = converter.convert_all(["'''second'''"])[0]
    assert not isinstance(again, ConversionError) and "**second**" in again.markdown


FAKE_PANDOC = '''
import json, sys, time
for line in sys.stdin:  # pandoc_batch.lua's protocol; a text asking for it makes this "pandoc" hang
    texts = json.loads(line)
    if any("loops forever" in text for text in texts):
        time.sleep(20)
    print(json.dumps(texts), flush=True)
'''


def test_a_batch_pandoc_does_not_finish_in_time_fails_in_words_and_the_next_batch_gets_a_fresh_one(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import time

    import pypandoc

    from app.wikiimport import convert as convert_module
    from app.wikiimport.convert import ConversionError

    fake = tmp_path / "pandoc"
    fake.write_text(f"#!{sys.executable}\n{FAKE_PANDOC}")
    fake.chmod(0o755)
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: str(fake))
    monkeypatch.setattr(convert_module, "PANDOC_START_SECONDS", 0.5)
    with WikitextConverter(get_ontology()) as converter:
        assert convert(converter, "warm up").markdown == "warm up"
        stuck = converter._pandoc
        started = time.monotonic()
        failed = converter.convert_all(["A table that loops forever", "An innocent text"])
        assert time.monotonic() - started < 10  # stopped by the limit, not by the fake's 20 s sleep
        assert all(isinstance(result, ConversionError) for result in failed)
        assert "did not finish the batch of 2 texts this one was in within 0.5 s and was stopped" in str(failed[0])
        assert stuck._process.returncode is not None  # killed, not left running
        again = convert(converter, "The next batch")
        assert again.markdown == "The next batch" and converter._pandoc is not stuck
