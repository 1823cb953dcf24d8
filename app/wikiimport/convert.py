"""Wikitext -> this service's Markdown, with wiki links, categories and annotations in its own syntax.

Two real parsers do the work: mwparserfromhell finds the wiki constructs (links, `[[Property::Value]]`,
categories, templates, `{{#set:...}}`) and swaps each for an inert placeholder word; pandoc's
MediaWiki reader and GFM writer convert the rest (headings, lists, tables, bold/italic, external
links). The placeholders are then replaced by the service's own syntax (`[[Title|label]]`,
`[[Category:Name]]`, `[[Property::Value]]`, see app/pages/wikitext.py), or, for what the service
cannot represent, by the original wikitext escaped as visible text.

pandoc runs as one long-lived `pandoc lua` process fed JSON lines (pandoc_batch.lua), so a dump of
50,000 revisions costs one process start, not 50,000. A batch that pandoc does not finish in time (a text
that makes it loop) gets the process killed: its texts are reported as failed, the next batch gets a fresh
process, and the import (which may be waiting for the conversion inside a page's write transaction) goes on.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mwparserfromhell
from mwparserfromhell.nodes import Node, Template, Wikilink

from app.pages.titles import InvalidTitle, normalise_category, normalise_title
from app.semantics.annotations import AnnotationError, type_annotation
from app.semantics.ontology import Ontology

LUA_SCRIPT = Path(__file__).with_name("pandoc_batch.lua")
_FILE_NAMESPACES = {"file", "image", "media"}
CACHE_TEXTS = 5_000  # converted texts kept: well over the pages the importer reads ahead
# pandoc's time limit per batch: a fixed allowance plus one per character. Measured (2 shared cores, load 2): a
# batch of 200 bench revisions (2,600 characters each) takes 0.9-1.0 s, 200 texts of 50,000 characters 14 s,
# i.e. 560,000-700,000 characters/s. The limit allows 20,000 characters/s (30x slower, for a loaded machine):
# 56 s for the bench batch, 130 s for one 2,000,000-character page.
PANDOC_START_SECONDS = 30.0
PANDOC_CHARS_PER_SECOND = 20_000
_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class ConversionError(RuntimeError):
    """pandoc could not convert a text, or could not be run at all."""


@dataclass(frozen=True)
class SourceAnnotation:
    """An SMW annotation as written on the source wiki, and what became of it."""

    property: str
    value: str
    kept: bool  # True: an ontology annotation now; False: kept as text
    reason: str = ""
    unknown_property: bool = False


@dataclass
class Converted:
    markdown: str
    structured: list[tuple[str, str]] = field(default_factory=list)  # from {{#set:...}}: invisible facts
    annotations: list[SourceAnnotation] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)


def escape_text(text: str) -> str:
    """Wikitext shown literally: every ASCII punctuation mark backslash-escaped (CommonMark), on one line."""
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in " ".join(text.split()))


def batch_timeout(texts: Sequence[str]) -> float:
    """Seconds pandoc may take for these texts before it is stopped."""
    return PANDOC_START_SECONDS + sum(map(len, texts)) / PANDOC_CHARS_PER_SECOND


class Pandoc:
    """One `pandoc lua` process converting batches of wikitext to GFM."""

    def __init__(self) -> None:
        import pypandoc

        try:
            executable = pypandoc.get_pandoc_path()
        except OSError as error:
            raise ConversionError(f"pandoc is not installed: {error}. pip install pypandoc-binary.") from None
        self._process = subprocess.Popen(
            [executable, "lua", str(LUA_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )

    def convert(self, texts: Sequence[str]) -> list[str | ConversionError]:
        """The texts as GFM; ConversionError if pandoc died or did not answer within batch_timeout (killed)."""
        if not texts:
            return []
        assert self._process.stdin is not None and self._process.stdout is not None
        limit = batch_timeout(texts)
        expired = threading.Event()
        watchdog = threading.Timer(limit, self._stop, args=(expired,))
        watchdog.daemon = True
        watchdog.start()
        try:
            self._process.stdin.write(json.dumps(list(texts)) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        finally:
            watchdog.cancel()
        if expired.is_set():  # killed, even if its answer came in at the last moment: this process is gone
            raise ConversionError(f"pandoc did not finish the batch of {len(texts)} texts this one was in within "
                                  f"{limit:.1f} s and was stopped; one of them may make pandoc loop")
        if not line:
            stderr = self._process.stderr.read() if self._process.stderr else ""
            raise ConversionError(f"pandoc stopped while converting: {stderr.strip()[:500]}")
        results = json.loads(line)
        return [r if isinstance(r, str) else ConversionError(str(r.get("error"))) for r in results]

    def _stop(self, expired: threading.Event) -> None:
        """The watchdog's action: the blocked read then sees the end of pandoc's output."""
        expired.set()
        self._process.kill()

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()


class WikitextConverter:
    """Converts revisions' wikitext; the same text is converted once per import."""

    def __init__(self, ontology: Ontology, mapping: Mapping[str, str] | None = None,
                 category_names: Iterable[str] = ("Category",), batch_size: int = 200) -> None:
        self.ontology = ontology
        self.mapping = {name.strip().casefold(): target for name, target in (mapping or {}).items()}
        self.category_prefixes = {name.casefold() for name in category_names} | {"category"}
        self.batch_size = batch_size
        self._pandoc: Pandoc | None = None
        self._cache: dict[str, Converted | ConversionError] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> WikitextConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pandoc is not None:
            self._pandoc.close()
            self._pandoc = None

    def convert_all(self, texts: Sequence[str]) -> list[Converted | ConversionError]:
        """Convert many texts with as few pandoc round trips as possible (thread-safe: the importer
        converts the next pages in a worker thread)."""
        with self._lock:
            if len(self._cache) > CACHE_TEXTS:  # bounded memory; the newest (read-ahead) texts stay
                for text in list(itertools.islice(self._cache, len(self._cache) - CACHE_TEXTS // 2)):
                    del self._cache[text]
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
            for start in range(0, len(todo), self.batch_size):
                self._convert_batch(todo[start:start + self.batch_size])
            return [self._cache[t] for t in texts]

    def _convert_batch(self, texts: list[str]) -> None:
        prepared = [self._prepare(text) for text in texts]
        try:
            if self._pandoc is None:
                self._pandoc = Pandoc()
            outputs: list[str | ConversionError] = self._pandoc.convert([wikitext for wikitext, _, _ in prepared])
        except ConversionError as error:  # pandoc missing, died or too slow: these pages are reported, the next
            # batch gets a fresh process
            self.close()
            outputs = [error] * len(texts)
        for text, (_, replacements, converted), output in zip(texts, prepared, outputs, strict=True):
            if isinstance(output, ConversionError):
                self._cache[text] = output
                continue
            markdown = output
            for token, value in replacements.items():
                markdown = markdown.replace(token, value)
            converted.markdown = markdown
            self._cache[text] = converted

    # ------------------------------------------------------------ wiki constructs -> placeholders

    def _prepare(self, text: str) -> tuple[str, dict[str, str], Converted]:
        """The wikitext with placeholders, the placeholder values, and what was found."""
        code = mwparserfromhell.parse(text)
        converted = Converted(markdown="")
        replacements: dict[str, str] = {}
        prefix = _placeholder_prefix(text)
        counter = itertools.count()

        def swap(node: Node, value: str) -> None:
            token = f"{prefix}{next(counter)}Q"
            try:
                code.replace(node, token, recursive=True)
            except ValueError:  # inside a construct already replaced
                return
            replacements[token] = value

        for template in list(code.ifilter_templates(recursive=True)):
            swap(template, self._template(template, converted))
        for link in list(code.ifilter_wikilinks(recursive=True)):
            swap(link, self._wikilink(link, converted))
        return str(code), replacements, converted

    def _template(self, template: Template, converted: Converted) -> str:
        name = str(template.name).strip()
        if name.lower().startswith("#set:"):
            first = name[len("#set:"):]
            pairs = [first, *(str(p) for p in template.params)]
            for pair in pairs:
                prop, sep, value = pair.partition("=")
                if sep and prop.strip() and value.strip():
                    if self._annotation(prop.strip(), value.strip(), converted) is not None:
                        converted.structured.append((self._target(prop.strip()), value.strip()))
            kept_as_text = [p for p in pairs if not self._was_kept(p, converted)]
            return escape_text("{{#set:" + "|".join(kept_as_text) + "}}") if kept_as_text else ""
        converted.templates.append(name.split(":")[0] if name.startswith("#") else name)
        return escape_text(str(template))

    def _was_kept(self, pair: str, converted: Converted) -> bool:
        prop, _, value = pair.partition("=")
        return any(a.kept and a.property == prop.strip() and a.value == value.strip() for a in converted.annotations)

    def _wikilink(self, link: Wikilink, converted: Converted) -> str:
        target = str(link.title).strip()
        label = str(link.text).strip() if link.text is not None else None
        if "::" in target:
            prop, _, value = target.partition("::")
            typed_property = self._annotation(prop.strip(), value.strip(), converted)
            if typed_property is None:
                return escape_text(str(link))
            shown = f"|{label}" if label is not None and label != value.strip() else ""
            return f"[[{typed_property}::{value.strip()}{shown}]]"
        namespace, colon, rest = target.partition(":")
        if colon and namespace.strip().casefold() in self.category_prefixes:
            try:
                return f"[[Category:{normalise_category(rest)}]]"
            except InvalidTitle:
                return escape_text(str(link))
        if target.startswith(":") or (colon and namespace.strip().casefold() in _FILE_NAMESPACES):
            return escape_text(label or target.lstrip(":")) if target.startswith(":") else escape_text(str(link))
        title = target.partition("#")[0]
        try:
            title = normalise_title(title)
        except InvalidTitle:
            return escape_text(label or target)
        shown = label if label is not None else target
        return f"[[{title}]]" if shown == title else f"[[{title}|{escape_label(shown)}]]"

    def _target(self, prop: str) -> str:
        return self.mapping.get(prop.casefold(), prop)

    def _annotation(self, prop: str, value: str, converted: Converted) -> str | None:
        """The ontology property an annotation maps to, or None (recorded as kept as text, with why)."""
        target = self._target(prop)
        try:
            typed = type_annotation(self.ontology, target, value, "inline")
        except AnnotationError as error:
            converted.annotations.append(SourceAnnotation(
                prop, value, kept=False, reason=error.reason,
                unknown_property=self.ontology.property(target) is None))
            return None
        converted.annotations.append(SourceAnnotation(prop, value, kept=True))
        return typed.property.label if target.casefold() == prop.casefold() else target


def escape_label(label: str) -> str:
    """A link label cannot close the link early."""
    return label.replace("]]", "] ]").replace("[[", "[ [")


def _placeholder_prefix(text: str) -> str:
    """A word that does not occur in the text, so placeholders cannot collide with it."""
    for number in itertools.count():
        prefix = f"MWIMPORT{number}X"
        if prefix not in text:
            return prefix
    raise AssertionError("unreachable")
