"""Markdown with wiki syntax: `[[Page]]`, `[[Page|text]]`, `[[Category:Name]]`, `[[Property::Value]]`.

One markdown-it parser serves both extraction (links, categories, annotations) and rendering, so
`[[...]]` inside code is neither a link nor rendered as one. The HTML is then sanitised with nh3
(Ammonia): whatever a page contains, no script reaches a widget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from app.titles import InvalidTitle, normalise_category, normalise_title, title_key


@dataclass(frozen=True)
class WikiLink:
    title: str
    key: str
    label: str


@dataclass(frozen=True)
class InlineAnnotation:
    """`[[Property::Value]]`: a semantic statement written in the text (Semantic MediaWiki syntax)."""

    property: str
    value: str


@dataclass
class Extracted:
    links: list[WikiLink] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    annotations: list[InlineAnnotation] = field(default_factory=list)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if not src.startswith("[[", start):
        return False
    end = src.find("]]", start + 2)
    if end < 0:
        return False
    inner = src[start + 2:end]
    if not inner.strip() or "\n" in inner or "[" in inner:
        return False
    meta = _classify(inner)
    if meta is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = meta
        token.content = inner
    state.pos = end + 2
    return True


def _classify(inner: str) -> dict[str, Any] | None:
    """What a `[[...]]` means; None leaves it as plain text (e.g. an invalid title)."""
    inner = inner.replace("\\|", "|")  # escaped by _protect_table_pipes
    if "::" in inner:
        prop, _, value = inner.partition("::")
        value, _, shown = value.partition("|")
        if not prop.strip() or not value.strip():
            return None
        return {"kind": "annotation", "property": prop.strip(), "value": value.strip(),
                "label": (shown or value).strip()}
    target, _, label = inner.partition("|")
    if target.strip().lower().startswith("category:"):
        try:
            return {"kind": "category", "name": normalise_category(target.strip()[len("category:"):])}
        except InvalidTitle:
            return None
    try:
        title = normalise_title(target)
    except InvalidTitle:
        return None
    return {"kind": "link", "title": title, "key": title_key(title), "label": (label or target).strip()}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)
    return md


def _render_wikilink(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    meta = tokens[idx].meta
    if meta["kind"] == "category":
        return ""
    if meta["kind"] == "annotation":
        return (f'<span class="annotation" data-property="{escapeHtml(meta["property"])}">'
                f'{escapeHtml(meta["label"])}</span>')
    exists: Callable[[str], bool] = env.get("exists", lambda key: True)
    href = env.get("href", lambda title: "#" + quote(title))(meta["title"])
    css = "wikilink" if exists(meta["key"]) else "wikilink missing"
    return (f'<a class="{css}" data-page-title="{escapeHtml(meta["title"])}" href="{escapeHtml(href)}">'
            f'{escapeHtml(meta["label"])}</a>')


_MD = _parser()
_WIKI_SPAN = re.compile(r"\[\[[^\[\]\n]*\]\]")


def _protect_table_pipes(content: str) -> str:
    """Escape `|` inside `[[Page|label]]` on table rows, so the table does not split the cell there."""
    if "|" not in content:
        return content
    lines = content.split("\n")
    for number, line in enumerate(lines):
        if "[[" in line and "|" in _WIKI_SPAN.sub("", line):
            lines[number] = _WIKI_SPAN.sub(lambda m: re.sub(r"(?<!\\)\|", r"\\|", m.group(0)), line)
    return "\n".join(lines)


def _walk(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def extract(content: str) -> Extracted:
    """Links, categories and inline annotations, in order of appearance, without duplicates."""
    cached = _extract(content)
    return Extracted(list(cached.links), list(cached.categories), list(cached.annotations))


@lru_cache(maxsize=1024)
def _extract(content: str) -> Extracted:
    """Parsing is most of a page read's cost; the same revision is read again and again."""
    found = Extracted()
    seen_links: set[str] = set()
    for token in _walk(_MD.parse(_protect_table_pipes(content))):
        if token.type != "wikilink":
            continue
        meta = token.meta
        if meta["kind"] == "link" and meta["key"] not in seen_links:
            seen_links.add(meta["key"])
            found.links.append(WikiLink(meta["title"], meta["key"], meta["label"]))
        elif meta["kind"] == "category" and meta["name"] not in found.categories:
            found.categories.append(meta["name"])
        elif meta["kind"] == "annotation":
            found.annotations.append(InlineAnnotation(meta["property"], meta["value"]))
    return found


ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "data-page-title"},
    "img": {"src", "alt", "title"},
    "span": {"class", "data-property"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
    "code": {"class"},
}


def sanitise(html: str) -> str:
    """Whitelist sanitising: unknown tags, event handlers and script URLs are removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def render_html(content: str, *, exists: Callable[[str], bool], href: Callable[[str], str]) -> str:
    """Safe HTML for widgets; links to missing pages get the class `missing`."""
    return sanitise(_MD.render(_protect_table_pipes(content), {"exists": exists, "href": href}))


_BLOCK_TEXT = {"fence", "code_block"}
_INLINE_TEXT = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak"}


def plain_text(content: str) -> str:
    """The words a reader sees, without markup: what search indexes and quotes in snippets.

    Links read as their label, `[[Property::Value]]` as its shown value, categories vanish;
    blocks are separated by blank lines so a snippet never glues two paragraphs together.
    """
    blocks: list[str] = []
    for token in _MD.parse(_protect_table_pipes(content)):
        if token.type in _BLOCK_TEXT:
            blocks.append(token.content.strip())
        elif token.type == "inline":
            blocks.append("".join(_inline_text(token.children or [])).strip())
    return "\n\n".join(block for block in blocks if block)


def _inline_text(tokens: Sequence[Token]) -> list[str]:
    words: list[str] = []
    for token in tokens:
        if token.type in _INLINE_TEXT:
            words.append(token.content)
        elif token.type in _BREAKS:
            words.append(" ")
        elif token.type == "wikilink" and token.meta["kind"] != "category":
            words.append(token.meta["label"])
        elif token.type == "image":
            words.append(token.content)
    return words
