"""Wikitext -> Markdown in the service's wiki syntax (no database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.pages.wikitext import extract, plain_text
from app.annotations.ontology import get_ontology
from app.wikiimport.convert import REVIEW_CATEGORY, WikitextConverter


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


def test_a_pandoc_that_dies_between_batches_is_replaced_and_the_texts_converted(converter) -> None:
    assert "**warm up**" in convert(converter, "'''warm up'''").markdown
    dead = converter._pandoc
    dead._process.kill()  # pandoc crashes between batches
    dead._process.wait()
    first, second = converter.convert_all(["'''first'''", "'''second'''"])
    assert "**first**" in first.markdown and "**second**" in second.markdown
    assert not first.kept_as_wikitext and converter._pandoc is not dead


FAKE_PANDOC = '''
import json, sys, time
for line in sys.stdin:  # pandoc_batch.lua's protocol; a text asking for it makes this "pandoc" hang or crash
    texts = json.loads(line)
    if any("loops forever" in text for text in texts):
        time.sleep(20)
    if any("crashes pandoc" in text for text in texts):
        sys.exit(3)
    print(json.dumps(texts), flush=True)
'''


def test_a_batch_pandoc_does_not_finish_or_dies_in_is_retried_text_by_text_and_only_the_bad_text_is_kept(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import time

    import pypandoc

    from app.wikiimport import convert as convert_module

    fake = tmp_path / "pandoc"
    fake.write_text(f"#!{sys.executable}\n{FAKE_PANDOC}")
    fake.chmod(0o755)
    monkeypatch.setattr(pypandoc, "get_pandoc_path", lambda: str(fake))
    monkeypatch.setattr(convert_module, "PANDOC_START_SECONDS", 0.5)
    with WikitextConverter(get_ontology()) as converter:
        assert convert(converter, "warm up").markdown == "warm up"
        stuck = converter._pandoc
        started = time.monotonic()
        looping, innocent, other = converter.convert_all(
            ["A [[Nurses|table]] that loops forever", "An innocent text", "Another one"])
        assert time.monotonic() - started < 10  # stopped by the limit (batch, then alone), not by the 20 s sleep
        assert stuck._process.returncode is not None  # killed, not left running
        assert (innocent.markdown, other.markdown) == ("An innocent text", "Another one")
        assert not innocent.kept_as_wikitext
        assert looping.kept_as_wikitext == [
            "pandoc did not finish converting it within 0.5 s and was stopped (something in it makes pandoc loop)"]
        assert "~~~mediawiki\nA [[Nurses|table]] that loops forever\n~~~" in looping.markdown
        assert extract(looping.markdown).links[0].title == "Nurses"  # still a link, after the kept wikitext
        assert extract(looping.markdown).categories == [REVIEW_CATEGORY]
        again = convert(converter, "The next batch")
        assert again.markdown == "The next batch" and converter._pandoc is not stuck
        crashing, fine = converter.convert_all(["A text that crashes pandoc", "A fine text"])
        assert fine.markdown == "A fine text" and not fine.kept_as_wikitext
        assert crashing.kept_as_wikitext[0].startswith("pandoc stopped while converting")
        assert "~~~mediawiki\nA text that crashes pandoc\n~~~" in crashing.markdown


# Wikitext MediaWiki shows and pandoc 3's MediaWiki reader refuses ("Error at (line ..): unexpected ...").
REFUSED = {
    "table attribute with an unclosed quote": '{| class="wikitable sortable\n|-\n| a || b\n|}',
    "stray text after a table's attributes (Alaska)": '{| class="wikitable sortable" font-size:80%;"\n|-\n| a\n|}',
    "row attribute with an unclosed quote": '{| class="wikitable"\n|- style="background:#eee\n| a\n|}',
    "</ref> on the line after a list item": "* An item.<ref>A source\n</ref>\n* Next item.",
}


@pytest.mark.parametrize("refused", REFUSED.values(), ids=REFUSED.keys())
def test_wikitext_pandoc_refuses_is_kept_section_by_section_with_its_links_and_annotations(
        converter, refused: str) -> None:
    text = (f"Intro about [[Care workers]].\n\n== Pay ==\n[[Region::North East]] and [[Nurses|nurses]].\n{refused}\n"
            "[[Category:Jobs]]\n\n== Training ==\n'''Apprenticeships''' and {{Infobox job|title=Nurse}} here.\n")
    result = convert(converter, text)
    assert len(result.kept_as_wikitext) == 1 and result.kept_as_wikitext[0].startswith("pandoc could not read the line")
    markdown = result.markdown
    assert markdown.startswith("Intro about [[Care workers]].")  # the sections pandoc reads are converted
    assert "## Training\n\n**Apprenticeships** and `{{Infobox job|title=Nurse}}` here." in markdown
    kept = markdown[markdown.index("~~~mediawiki"):]
    assert kept.startswith("~~~mediawiki\n== Pay ==\n[[Region::North East]] and [[Nurses|nurses]].\n" + refused)
    found = extract(markdown)
    assert [link.title for link in found.links] == ["Care workers", "Nurses"]
    assert [(a.property, a.value) for a in found.annotations] == [("Region", "North East")]
    assert found.categories == ["Jobs", REVIEW_CATEGORY]


def test_template_calls_read_as_text_not_as_backslash_escapes(converter) -> None:
    from app.pages.wikitext import render_html

    text = ("{{Infobox person\n| name = Ada\n| occupation = [[Nurses|nurse]]\n}}\n'''Ada''' was born "
            "{{birth date|1815|12|10}}.\n\n{| class=\"wikitable\"\n! Driver !! VESA\n|-\n| Intel || {{G|Yes}}\n|}\n"
            "Code: {{code|a `tick`}}")
    markdown = convert(converter, text).markdown
    assert "\\{" not in markdown and "\\|" not in markdown.replace("{{G\\|Yes}}", "")
    assert markdown.startswith("~~~mediawiki\n{{Infobox person\n| name = Ada\n| occupation = [[Nurses|nurse]]\n}}\n~~~")
    assert "**Ada** was born `{{birth date|1815|12|10}}`." in markdown
    assert "`{{G\\|Yes}}`" in markdown  # a `|` in a table cell must be escaped, even in a code span
    assert "``{{code|a `tick`}}``" in markdown
    html = render_html(markdown, exists=lambda key: True, href=lambda title: "#")
    assert "<td><code>{{G|Yes}}</code></td>" in html and "<code>{{birth date|1815|12|10}}</code>" in html
    assert extract(markdown).links == []  # a link inside a template call is part of the call's text


def test_kept_wikitext_with_signatures_and_fences_inside_cannot_close_its_block(converter) -> None:
    text = '{| class="wikitable\n| ~~~~ signed ~~~~~ and ``` fence\n|}'
    markdown = convert(converter, text).markdown
    assert "~~~~~~mediawiki\n" + text + "\n~~~~~~" in markdown


def test_tables_and_html_formatting_pages_cannot_hold_as_html_become_markdown(converter) -> None:
    """pandoc writes a table as HTML when a cell has a list, a <br> or a span, and leaves <em> ... raw; pages
    here show raw HTML as tags, so both are turned into Markdown."""
    text = ('{| class="wikitable"\n! Region !! Routes\n|-\n| rowspan="2" | North East || \n* College\n* Apprenticeship'
            '\n|-\n| Online<br />evening\n|}\n\nPears are <em>Pyrus</em>, H<sub>2</sub>O is <b>water</b>, '
            '<span style="color:red">red</span>.')
    markdown = convert(converter, text).markdown
    assert "<" not in markdown, markdown
    assert "| North East | College; Apprenticeship |" in markdown
    assert "| North East | Online; evening         |" in markdown
    assert "Pears are *Pyrus*, H2O is **water**, red." in markdown
