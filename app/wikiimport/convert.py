"""Wikitext -> this service's Markdown, with wiki links, categories and annotations in its own syntax.

Two real parsers do the work: mwparserfromhell finds the wiki constructs (links, `[[Property::Value]]`,
categories, templates, `{{#set:...}}`) and swaps each for an inert placeholder word; pandoc's
MediaWiki reader and GFM writer convert the rest (headings, lists, tables, bold/italic, external
links). The placeholders are then replaced by the service's own syntax (`[[Title|label]]`,
`[[Category:Name]]`, `[[Property::Value]]`, see app/pages/wikitext.py), or, for what the service
cannot represent, by the original wikitext shown as text.

Kept wikitext reads as text: a template call becomes a code span (`{{Infobox job|title=Nurse}}`), or a
fenced block when it stands on its own, never backslash-escaped Markdown.

pandoc runs as one long-lived `pandoc lua` process fed JSON lines (pandoc_batch.lua), so a dump of
50,000 revisions costs one process start, not 50,000. A batch that pandoc does not finish in time (a text
that makes it loop) or that it dies in gets the process killed and its texts converted again one by one
by a fresh process, so only the text that loops or crashes it is affected.

A text pandoc cannot convert is never dropped. MediaWiki tolerates wikitext that pandoc's reader refuses
(a table whose attributes have an unclosed quote, a `</ref>` on the line after a list item): such a
text is converted again section by section, and each section pandoc still refuses (or the whole text,
after a timeout or crash) is kept as its original wikitext in a fenced block, followed by the links,
categories and annotations mwparserfromhell found in it, so they stay live. The result is put in
REVIEW_CATEGORY and says why, for a person to rewrite.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mwparserfromhell
from mwparserfromhell.nodes import Node, Template, Wikilink

from app.annotations.ontology import Ontology
from app.annotations.values import AnnotationError, type_annotation
from app.titles import InvalidTitle, normalise_category, normalise_title

LUA_SCRIPT = Path(__file__).with_name("pandoc_batch.lua")
_FILE_NAMESPACES = {"file", "image", "media"}
CACHE_TEXTS = 5_000  # converted texts kept: well over the pages the importer reads ahead
# pandoc's time limit per batch: a fixed allowance plus one per character. Measured (2 shared cores, load 2): a
# batch of 200 bench revisions (2,600 characters each) takes 0.9-1.0 s, 200 texts of 50,000 characters 14 s,
# i.e. 560,000-700,000 characters/s. The limit allows 20,000 characters/s (30x slower, for a loaded machine):
# 56 s for the bench batch, 130 s for one 2,000,000-character page.
PANDOC_START_SECONDS = 30.0
PANDOC_CHARS_PER_SECOND = 20_000
REVIEW_CATEGORY = "Imported pages needing review"
_HEADING = re.compile(r"^(={1,6})[^=\n].*\1[ \t]*$", re.MULTILINE)
_PANDOC_POSITION = re.compile(r"^Error at \(line (\d+), column \d+\):$")


class ConversionError(RuntimeError):
    """pandoc could not convert a text, or could not be run at all."""


class UnreadableWikitext(ConversionError):
    """pandoc's MediaWiki reader refused this text (it answered; the process is fine)."""


class PandocMissing(ConversionError):
    """There is no pandoc to run: nothing can be converted."""


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
    kept_as_wikitext: list[str] = field(default_factory=list)  # why parts were kept as wikitext; empty: all converted


@dataclass
class _Prepared:
    """A text with its wiki constructs swapped for placeholder words, and what each placeholder stands for."""

    text: str
    token: re.Pattern[str]
    replacements: dict[str, str]  # placeholder -> this service's Markdown
    originals: dict[str, str]  # placeholder -> the wikitext it replaced
    live: set[str]  # placeholders of links, categories and annotations (kept working in kept wikitext)
    shown: dict[str, str]  # placeholder -> wikitext shown as a code span: template calls, files, refused annotations
    converted: Converted


def code_span(text: str) -> str:
    """Wikitext shown literally and readably: one line in a code span (nothing in it is a link or markup)."""
    text = " ".join(text.split())
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fenced_wikitext(text: str) -> str:
    """Wikitext kept as it was written, line by line, in a fenced block that nothing inside can close."""
    fence = "~" * max(3, max((len(run) for run in re.findall(r"~+", text)), default=0) + 1)
    return f"{fence}mediawiki\n{text.strip(chr(10))}\n{fence}"


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
            raise PandocMissing(f"pandoc is not installed: {error}. pip install pypandoc-binary.") from None
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
            if len(texts) == 1:
                raise ConversionError(f"pandoc did not finish converting it within {limit:.1f} s and was stopped "
                                      "(something in it makes pandoc loop)")
            raise ConversionError(f"pandoc did not finish the batch of {len(texts)} texts this one was in within "
                                  f"{limit:.1f} s and was stopped; one of them may make pandoc loop")
        if not line:
            stderr = self._process.stderr.read() if self._process.stderr else ""
            detail = stderr.strip()[:500]
            raise ConversionError(f"pandoc stopped while converting: {detail}" if detail else
                                  "pandoc stopped while converting (it exited without a message)")
        results = json.loads(line)
        return [r if isinstance(r, str) else UnreadableWikitext(str(r.get("error"))) for r in results]

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
        self._cache: dict[str, Converted] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> WikitextConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pandoc is not None:
            self._pandoc.close()
            self._pandoc = None

    def convert_all(self, texts: Sequence[str]) -> list[Converted]:
        """Convert many texts with as few pandoc round trips as possible (thread-safe: the importer
        converts the next pages in a worker thread). Every text gets a result; PandocMissing if there is
        no pandoc at all."""
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
        outputs = self._run_pandoc([_own_paragraphs(p.text, p) for p in prepared])
        for text, prep, output in zip(texts, prepared, outputs, strict=True):
            self._cache[text] = self._finish(prep, output)

    def _run_pandoc(self, texts: list[str]) -> list[str | ConversionError]:
        """pandoc's answer for each text. A batch pandoc dies in or does not finish is converted again text by
        text by a fresh process, so only a text that makes it loop or crash fails (after its own time limit)."""
        try:
            if self._pandoc is None:
                self._pandoc = Pandoc()
            return self._pandoc.convert(texts)
        except PandocMissing:
            raise
        except ConversionError as error:
            self.close()
            if len(texts) == 1:
                return [error]
            return [self._run_pandoc([text])[0] for text in texts]

    def _finish(self, prep: _Prepared, output: str | ConversionError) -> Converted:
        """The Markdown of a converted text, or of one pandoc refused: its sections pandoc can read converted,
        the rest kept as wikitext and the whole flagged for review."""
        converted = prep.converted
        if isinstance(output, str):
            converted.markdown = self._substitute(output, prep)
            return converted
        sections = _sections(prep.text) if isinstance(output, UnreadableWikitext) else [prep.text]
        sent = [_own_paragraphs(section, prep) for section in sections]
        outputs = self._run_pandoc(sent) if len(sections) > 1 else [output]
        parts = []
        for section, text, result in zip(sections, sent, outputs, strict=True):
            if isinstance(result, str):
                parts.append(self._substitute(result, prep).strip("\n"))
                continue
            reason = _reason(result, prep, text)
            converted.kept_as_wikitext.append(reason)
            parts.append(self._kept_wikitext(section, reason, prep))
        if converted.kept_as_wikitext:
            parts.append(f"[[Category:{REVIEW_CATEGORY}]]")
        converted.markdown = "\n\n".join(part for part in parts if part) + "\n"
        return converted

    def _substitute(self, markdown: str, prep: _Prepared) -> str:
        """pandoc's Markdown with each placeholder replaced by what it stands for; a paragraph made only of
        template calls becomes a fenced block of them, as written."""
        lines = markdown.split("\n")
        for number, line in enumerate(lines):
            tokens = prep.token.findall(line)
            if not tokens:
                continue
            alone = line == line.lstrip() and (number == 0 or not lines[number - 1].strip()) and (
                number + 1 == len(lines) or not lines[number + 1].strip())  # a paragraph of its own, not in a list
            if alone and all(t in prep.shown for t in tokens) and not prep.token.sub("", line).strip():
                lines[number] = fenced_wikitext("\n".join(prep.shown[t] for t in tokens))
                continue
            in_table = line.startswith("|")  # a GFM table row: a `|` in a code span would split its cell

            def value(match: re.Match[str], in_table: bool = in_table) -> str:
                text = prep.replacements[match.group(0)]
                return text.replace("|", "\\|") if in_table and match.group(0) not in prep.live else text

            lines[number] = prep.token.sub(value, line)
        return "\n".join(lines)

    def _kept_wikitext(self, section: str, reason: str, prep: _Prepared) -> str:
        """A section as its original wikitext, with a note saying why, then what in it stays live."""
        original = prep.token.sub(lambda m: prep.originals[m.group(0)], section)
        live = list(dict.fromkeys(prep.replacements[t] for t in prep.token.findall(section) if t in prep.live))
        categories = [value for value in live if value.startswith("[[Category:")]
        others = [value for value in live if not value.startswith("[[Category:")]
        parts = [f"> **Kept as wikitext for review:** {reason}. The text below is as it was written on the wiki; "
                 "the links and annotations found in it follow it.", fenced_wikitext(original)]
        if others:
            parts.append("Found in it: " + ", ".join(others))
        if categories:
            parts.append(" ".join(categories))
        return "\n\n".join(parts)

    # ------------------------------------------------------------ wiki constructs -> placeholders

    def _prepare(self, text: str) -> _Prepared:
        """The wikitext with placeholders, the placeholder values, and what was found."""
        code = mwparserfromhell.parse(text)
        prefix = _placeholder_prefix(text)
        prep = _Prepared(text="", token=re.compile(re.escape(prefix) + r"\d+Q"), replacements={}, originals={},
                         live=set(), shown={}, converted=Converted(markdown=""))
        counter = itertools.count()

        def swap(node: Node, value: str, live: bool) -> None:
            token = f"{prefix}{next(counter)}Q"
            original = str(node)
            try:
                code.replace(node, token, recursive=True)
            except ValueError:  # inside a construct already replaced
                return
            prep.replacements[token], prep.originals[token] = value, original
            if live:
                prep.live.add(token)
            elif value.startswith("`"):  # the wikitext as written, unless only part of it is shown ({{#set:...}})
                prep.shown[token] = original if code_span(original) == value else value.strip("`").strip()

        for template in list(code.ifilter_templates(recursive=True)):
            swap(template, self._template(template, prep.converted), live=False)
        for link in list(code.ifilter_wikilinks(recursive=True)):
            value = self._wikilink(link, prep.converted)
            swap(link, value, live=value.startswith("[["))  # else shown as text: a code span or words
        prep.text = self._parser_functions(str(code), prep, prefix, counter)
        return prep

    def _parser_functions(self, text: str, prep: _Prepared, prefix: str, counter: Iterator[int]) -> str:
        """Parser-function calls mwparserfromhell leaves as text because a link follows the colon
        (`{{#ask: [[Region::+]] |?Sector}}`): the whole call is one construct shown as text, and the
        `[[...]]` in it is a query condition, not a link or an annotation."""
        parts: list[str] = []
        position = 0
        while (start := text.find("{{#", position)) >= 0:
            end = _call_end(text, start)
            if end < 0:
                break
            token = f"{prefix}{next(counter)}Q"
            original = prep.token.sub(lambda m: prep.originals[m.group(0)], text[start:end])
            prep.replacements[token], prep.originals[token] = code_span(original), original
            prep.shown[token] = original
            prep.converted.templates.append(original[2:].partition(":")[0].strip())
            parts += [text[position:start], token]
            position = end
        return "".join(parts) + text[position:]

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
            return code_span("{{#set:" + "|".join(kept_as_text) + "}}") if kept_as_text else ""
        converted.templates.append(name.split(":")[0] if name.startswith("#") else name)
        return code_span(str(template))

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
                return code_span(str(link))
            shown = f"|{label}" if label is not None and label != value.strip() else ""
            return f"[[{typed_property}::{value.strip()}{shown}]]"
        namespace, colon, rest = target.partition(":")
        if colon and namespace.strip().casefold() in self.category_prefixes:
            try:
                return f"[[Category:{normalise_category(rest)}]]"
            except InvalidTitle:
                return code_span(str(link))
        if target.startswith(":"):  # a link to a category or file page, not a member of it: its words
            return escape_words(label or target.lstrip(":"))
        if colon and namespace.strip().casefold() in _FILE_NAMESPACES:
            return code_span(str(link))
        title = target.partition("#")[0]
        try:
            title = normalise_title(title)
        except InvalidTitle:
            return escape_words(label or target)
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


def escape_words(text: str) -> str:
    """Words shown as they are: only the characters that would be Markdown or HTML are escaped."""
    return re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", " ".join(text.split()))


def _call_end(text: str, start: int) -> int:
    """Where the `{{...}}` starting at `start` ends (braces balanced), or -1 if it never closes."""
    depth = 0
    for match in re.finditer(r"\{\{|\}\}", text[start:]):
        depth += 1 if match.group(0) == "{{" else -1
        if depth == 0:
            return start + match.end()
    return -1


def _own_paragraphs(text: str, prep: _Prepared) -> str:
    """What pandoc is given: lines made only of template calls (an infobox, hatnotes), outside tables, become a
    paragraph of their own, so they come out as one fenced block instead of code spans glued to the next
    paragraph's words. (Kept wikitext is shown from the text before this.)"""
    lines = text.split("\n")
    depth = 0
    alone = [False] * len(lines)
    for number, line in enumerate(lines):
        stripped = line.strip()
        depth += stripped.startswith("{|") - (stripped.startswith("|}") and depth > 0)
        tokens = prep.token.findall(stripped)
        alone[number] = (depth == 0 and bool(tokens) and all(t in prep.shown for t in tokens)
                         and not prep.token.sub("", stripped).strip())
    out: list[str] = []
    for number, line in enumerate(lines):
        if alone[number] and number > 0 and not alone[number - 1] and lines[number - 1].strip():
            out.append("")
        out.append(line)
        if alone[number] and number + 1 < len(lines) and not alone[number + 1] and lines[number + 1].strip():
            out.append("")
    return "\n".join(out)


def _sections(text: str) -> list[str]:
    """The text cut before each heading line: the parts a refused text is converted again in."""
    starts = [0, *(m.start() for m in _HEADING.finditer(text) if m.start() > 0)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _reason(error: ConversionError, prep: _Prepared, section: str) -> str:
    """Why pandoc refused a section (as it was given to pandoc), with the wikitext line it stopped at."""
    lines = str(error).splitlines()
    position = _PANDOC_POSITION.match(lines[0]) if lines else None
    if position is None or len(lines) < 2:
        return lines[0] if lines else "pandoc could not convert it"
    source_lines = section.split("\n")
    number = int(position.group(1))
    source = source_lines[number - 1] if 0 < number <= len(source_lines) else ""
    source = prep.token.sub(lambda m: prep.originals[m.group(0)], source).strip()
    if len(source) > 120:
        source = source[:117] + "..."
    detail = lines[1].strip()
    return f"pandoc could not read the line {code_span(source)} ({detail})" if source else f"pandoc: {detail}"


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
