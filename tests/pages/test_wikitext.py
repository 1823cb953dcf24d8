"""Wiki syntax in Markdown: what is extracted (links, categories, annotations) and the safe HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.pages.wikitext import Extracted, InlineAnnotation, WikiLink, extract, render_html, sanitise


def render(content: str, missing: frozenset[str] = frozenset()) -> str:
    return render_html(content, exists=lambda key: key not in missing, href=lambda title: f"/wiki/{title}")


class Elements(HTMLParser):
    """The elements of an HTML fragment as (tag, attributes), to assert on the DOM, not on text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    def tags(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.found if name == tag]


SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "#")
UNSAFE_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "input", "base", "link", "meta"}


def assert_inert(html: str) -> None:
    """No element, attribute or URL in `html` can run script."""
    assert "<script" not in html.lower()
    for tag, attrs in Elements(html).found:
        assert tag not in UNSAFE_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                assert value.strip().lower().startswith(SAFE_SCHEMES) or ":" not in value, html
            if name == "style":
                assert all(decl.split(":")[0].strip() == "text-align" for decl in value.split(";") if decl), html


# ------------------------------------------------------------------------- extract: links


@pytest.mark.parametrize(
    ("content", "links"),
    [
        ("See [[Careers advice]].", [WikiLink("Careers advice", "careers advice", "Careers advice")]),
        ("See [[careers_advice]].", [WikiLink("Careers advice", "careers advice", "careers_advice")]),
        ("See [[Careers advice|advice for you]].", [WikiLink("Careers advice", "careers advice", "advice for you")]),
        ("[[ Careers advice | advice ]]", [WikiLink("Careers advice", "careers advice", "advice")]),
        ("[[Careers advice|]]", [WikiLink("Careers advice", "careers advice", "Careers advice")]),
        (
            "[[health and Social care]] then [[Health and social care|HSC]]",
            [WikiLink("Health and Social care", "health and social care", "health and Social care")],
        ),
        (
            "[[Nursing]] [[Teaching]] [[nursing]]",
            [WikiLink("Nursing", "nursing", "Nursing"), WikiLink("Teaching", "teaching", "Teaching")],
        ),
        ("- [[Nursing]]\n- **[[Teaching]]**", [WikiLink("Nursing", "nursing", "Nursing"),
                                                WikiLink("Teaching", "teaching", "Teaching")]),
        ("# Heading with [[Nursing]]", [WikiLink("Nursing", "nursing", "Nursing")]),
    ],
    ids=[
        "plain", "normalised-title-raw-label", "with-label", "label-and-title-trimmed", "empty-label-uses-title",
        "case-insensitive-duplicate", "duplicates-dropped-order-kept", "in-list-and-emphasis", "in-heading",
    ],
)
def test_extract_links(content: str, links: list[WikiLink]) -> None:
    assert extract(content).links == links


@pytest.mark.parametrize(
    "content",
    [
        "`[[Not a link]]`",
        "```\n[[Not a link]]\n```",
        "~~~markdown\nSee [[Not a link]]\n~~~",
        "    [[Indented code]]",
        "`[[Category:Hidden]]` and `[[Salary::1]]`",
        "[[]]",
        "[[   ]]",
        "[[Page#Section]]",
        "[[A <b> title]]",
        "[[Line\nbreak]]",
        "[[Unclosed",
        "[[Category:]]",
        "[[Salary::]]",
        "[[::30000]]",
        "\\[\\[Escaped]]",
    ],
    ids=[
        "code-span", "fenced-code", "tilde-fence", "indented-code", "code-category-and-annotation",
        "empty", "blank", "invalid-title-hash", "invalid-title-angle", "newline-inside", "unclosed",
        "empty-category", "empty-annotation-value", "empty-annotation-property", "escaped-brackets",
    ],
)
def test_no_wiki_syntax_is_extracted(content: str) -> None:
    assert extract(content) == Extracted()


def test_code_is_rendered_as_code_not_as_link() -> None:
    html = render("`[[Not a link]]`\n\n```\n[[Also not]]\n```\n")
    assert Elements(html).tags("a") == []
    assert "<code>[[Not a link]]</code>" in html
    assert "[[Also not]]" in html


# ------------------------------------------------------------------------- extract: categories


@pytest.mark.parametrize(
    ("content", "categories"),
    [
        ("[[Category:Careers]]", ["Careers"]),
        ("[[category:Careers]]", ["Careers"]),
        ("[[Category: Careers ]]", ["Careers"]),
        ("[[Category:Careers|sort key]]", ["Careers"]),
        ("[[Category:Careers]] [[Category:Health]] [[Category:Careers]]", ["Careers", "Health"]),
        ("[[Category:Health]] text [[Category:Careers]]", ["Health", "Careers"]),
    ],
    ids=["plain", "lower-prefix", "trimmed", "sort-key-ignored", "duplicates-dropped", "order-kept"],
)
def test_extract_categories(content: str, categories: list[str]) -> None:
    found = extract(content)
    assert found.categories == categories
    assert found.links == []


def test_category_names_are_normalised_like_titles() -> None:
    assert extract("[[Category:careers advice]] [[Category:Careers_advice]]").categories == ["Careers advice"]


def test_categories_are_not_rendered() -> None:
    html = render("Intro [[Category:Careers]] end")
    assert "Careers" not in html
    assert "Category" not in html
    assert Elements(html).tags("a") == []


# ------------------------------------------------------------------------- annotations


@pytest.mark.parametrize(
    ("content", "annotations"),
    [
        ("[[Salary::£30,000]]", [InlineAnnotation("Salary", "£30,000")]),
        ("[[ Region :: North East ]]", [InlineAnnotation("Region", "North East")]),
        ("[[Region::North East|the north east]]", [InlineAnnotation("Region", "North East")]),
        ("[[Url::https://example.org]]", [InlineAnnotation("Url", "https://example.org")]),
        (
            "[[Skill::Care]] and [[Skill::Care]] and [[Skill::Cooking]]",
            [
                InlineAnnotation("Skill", "Care"),
                InlineAnnotation("Skill", "Care"),
                InlineAnnotation("Skill", "Cooking"),
            ],
        ),
    ],
    ids=["plain", "trimmed", "with-shown-text", "value-with-colon", "repeats-kept-in-order"],
)
def test_extract_annotations(content: str, annotations: list[InlineAnnotation]) -> None:
    found = extract(content)
    assert found.annotations == annotations
    assert found.links == []


@pytest.mark.parametrize(
    ("content", "span"),
    [
        ("[[Salary::£30,000]]", '<span class="annotation" data-property="Salary">£30,000</span>'),
        (
            "[[Region::North East|the north east]]",
            '<span class="annotation" data-property="Region">the north east</span>',
        ),
        (
            '[[Say "hi"::<b>bold</b>]]',
            '<span class="annotation" data-property="Say &quot;hi&quot;">&lt;b&gt;bold&lt;/b&gt;</span>',
        ),
    ],
    ids=["value-shown", "shown-text", "html-escaped"],
)
def test_annotation_rendering(content: str, span: str) -> None:
    assert span in render(content)


# ------------------------------------------------------------------------- rendering links


def test_render_uses_callbacks_for_existence_and_href() -> None:
    asked_keys: list[str] = []
    asked_titles: list[str] = []

    def exists(key: str) -> bool:
        asked_keys.append(key)
        return key == "nursing"

    def href(title: str) -> str:
        asked_titles.append(title)
        return f"/spaces/lmi/pages/{title.replace(' ', '_')}"

    html = render_html("[[nursing]] and [[Social care|care work]]", exists=exists, href=href)
    assert asked_keys == ["nursing", "social care"]
    assert asked_titles == ["Nursing", "Social care"]
    assert Elements(html).tags("a") == [
        {"class": "wikilink", "data-page-title": "Nursing", "href": "/spaces/lmi/pages/Nursing",
         "rel": "noopener noreferrer nofollow"},
        {"class": "wikilink missing", "data-page-title": "Social care", "href": "/spaces/lmi/pages/Social_care",
         "rel": "noopener noreferrer nofollow"},
    ]
    assert ">nursing</a>" in html
    assert ">care work</a>" in html


@pytest.mark.parametrize(
    ("missing", "css"),
    [(frozenset(), "wikilink"), (frozenset({"careers advice"}), "wikilink missing")],
    ids=["exists", "missing"],
)
def test_missing_pages_are_marked(missing: frozenset[str], css: str) -> None:
    [link] = Elements(render("[[careers_Advice]]", missing)).tags("a")
    assert link["class"] == css


def test_href_callback_output_is_escaped() -> None:
    html = render_html("[[Nursing]]", exists=lambda key: True, href=lambda title: '/p?t=a&x="><script>')
    assert Elements(html).tags("a")[0]["href"] == '/p?t=a&x="><script>'
    assert_inert(html)


# ------------------------------------------------------------------------- Markdown features


def test_tables_render_with_alignment() -> None:
    html = render("| Job | Pay |\n|:---|---:|\n| Nurse | £30k |")
    elements = Elements(html)
    assert len(elements.tags("table")) == 1
    assert [attrs.get("style") for attrs in elements.tags("th") + elements.tags("td")] == [
        "text-align:left", "text-align:right", "text-align:left", "text-align:right",
    ]


def test_plain_link_in_a_table_cell() -> None:
    html = render("| Job |\n|---|\n| [[Nursing]] |")
    assert Elements(html).tags("a")[0]["data-page-title"] == "Nursing"


def test_labelled_link_in_a_table_cell() -> None:
    content = "| Job | Note |\n|---|---|\n| [[Nursing|nurses]] | x |"
    assert extract(content).links == [WikiLink("Nursing", "nursing", "nurses")]
    assert ">nurses</a>" in render(content)


@pytest.mark.parametrize(
    ("content", "href"),
    [
        ("[ONS](https://www.ons.gov.uk)", "https://www.ons.gov.uk"),
        ("<https://nomisweb.co.uk>", "https://nomisweb.co.uk"),
        ("[mail](mailto:lmi@example.org)", "mailto:lmi@example.org"),
    ],
    ids=["markdown-link", "autolink", "mailto"],
)
def test_external_links_get_rel(content: str, href: str) -> None:
    [link] = Elements(render(content)).tags("a")
    assert link["href"] == href
    assert link["rel"] == "noopener noreferrer nofollow"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("**bold** and *em*", "<strong>bold</strong> and <em>em</em>"),
        ("~~old~~", "<s>old</s>"),
        ("## Pay", "<h2>Pay</h2>"),
        ("3. third\n4. fourth", '<ol start="3">'),
        ("> quoted", "<blockquote>"),
        ("![chart](https://example.org/c.png)", '<img src="https://example.org/c.png" alt="chart">'),
    ],
    ids=["emphasis", "strikethrough", "heading", "ordered-list-start", "blockquote", "image"],
)
def test_markdown_renders(content: str, fragment: str) -> None:
    assert fragment in render(content)


# ------------------------------------------------------------------------- XSS


@pytest.mark.parametrize(
    "content",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        '<p style="color:red" onclick="alert(1)">hi</p>',
        "<a href='javascript:alert(1)'>x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](jav&#x61;script:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x]: javascript:alert(1)\n\n[x]",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "[[<img src=x onerror=alert(1)>]]",
        "[[Page|<b onmouseover=x>]]",
        '[[Page|" onmouseover="alert(1)]]',
        "[[Page|<script>alert(1)</script>]]",
        "[[<script>::x]]",
        "[[Prop::<img src=x onerror=alert(1)>]]",
        "[[Prop::v|<script>alert(1)</script>]]",
        "| a |\n|---|\n| <script>alert(1)</script> |",
    ],
    ids=[
        "script-tag", "img-onerror", "iframe", "style-and-onclick", "raw-a-javascript",
        "md-link-javascript", "md-link-javascript-mixed-case", "md-link-entity-obfuscated", "md-link-angle",
        "md-reference-javascript", "md-link-vbscript", "md-link-data-url", "md-image-javascript", "md-image-data-svg",
        "wikilink-title-html", "wikilink-label-html", "wikilink-label-quote-breakout", "wikilink-label-script",
        "annotation-property-script", "annotation-value-html", "annotation-shown-script", "table-cell-script",
    ],
)
def test_render_neutralises_script(content: str) -> None:
    html = render(content)
    assert_inert(html)
    assert "<script" not in html
    # Whatever survives does so as visible text, not as markup.
    assert "<img src=\"x\"" not in html and "<iframe" not in html and "<b " not in html


@pytest.mark.parametrize(
    ("html", "forbidden"),
    [
        ("<script>alert(1)</script>ok", ["<script", "alert"]),
        ('<img src="x" onerror="alert(1)">', ["onerror"]),
        ('<a href="javascript:alert(1)">x</a>', ["javascript:"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a>', ["javascript:"]),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', ["script"]),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', ["data:", "<script"]),
        ('<img src="data:image/png;base64,AAAA">', ["data:"]),
        ('<iframe src="https://evil.example"></iframe>', ["iframe"]),
        ('<p style="color:red;text-align:center">x</p>', ["style", "color"]),
        ('<table><tr><td style="color:red;text-align:center">x</td></tr></table>', ["color"]),
        ('<table><tr><td style="text-align:right;background:url(javascript:alert(1))">x</td></tr></table>',
         ["background", "javascript:"]),
        ('<p onclick="alert(1)" onmouseover="alert(2)">x</p>', ["onclick", "onmouseover"]),
        ("<svg onload=alert(1)></svg>", ["svg", "onload"]),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ["math", "javascript:"]),
        ('<a href="https://example.org" target="_blank">x</a>', ["target"]),
        ('<form action="https://evil.example"><input name=x></form>', ["form", "input"]),
        ('<span class="annotation" style="position:fixed">x</span>', ["style"]),
    ],
    ids=[
        "script", "img-onerror", "javascript-href", "javascript-href-mixed-case", "javascript-href-tab-entity",
        "data-href", "data-img", "iframe", "p-style", "td-style-other-than-align", "td-style-url",
        "event-handlers", "svg-onload", "mathml-xlink", "target-blank", "form", "span-style",
    ],
)
def test_sanitise_removes(html: str, forbidden: list[str]) -> None:
    out = sanitise(html)
    assert_inert(out)
    for word in forbidden:
        assert word not in out.lower()


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<table><tr><td style="text-align:center">x</td></tr></table>', '<td style="text-align:center">x</td>'),
        ('<a href="https://example.org">x</a>', 'href="https://example.org"'),
        ('<a class="wikilink missing" data-page-title="Nursing" href="/wiki/Nursing">x</a>',
         'class="wikilink missing" data-page-title="Nursing" href="/wiki/Nursing"'),
        ('<span class="annotation" data-property="Salary">1</span>',
         '<span class="annotation" data-property="Salary">1</span>'),
    ],
    ids=["text-align", "https-href", "wikilink-attributes", "annotation-span"],
)
def test_sanitise_keeps_what_widgets_need(html: str, kept: str) -> None:
    assert kept in sanitise(html)


def test_sanitise_adds_rel_to_every_link() -> None:
    [link] = Elements(sanitise('<a href="https://example.org" rel="opener">x</a>')).tags("a")
    assert link["rel"] == "noopener noreferrer nofollow"
