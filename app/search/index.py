"""The page index: the only module that knows the search engine (Whoosh, per the design card).

Everything else speaks `IndexDocument`, `SearchRequest` and `SearchResults`, so the engine could
be swapped without touching routes or other packages.

How it stays fast enough (see `/work/shared/MEASURED.md` and `docs/search.md`):
- one searcher per process, reopened (never `refresh()`ed: a whoosh-reloaded bug duplicates
  hits after merges) only when another commit changed the index;
- per document, a small column (`meta`: space, maturity, phase, date, facet values) decoded once
  per segment and cached: privacy, filters, facet counts, sorting and the maturity blend all read
  it instead of stored fields;
- filters (the rights rule first) become a bit set cached per searcher, never a Whoosh query.
"""

from __future__ import annotations

import bisect
import fcntl
import json
import logging
import re
import shutil
import struct
import threading
import zlib
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import columns, highlight, index, writing
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import COLUMN, ID, NGRAMWORDS, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.idsets import BitSet
from whoosh.qparser import AndGroup, FieldAliasPlugin, MultifieldParser, OrGroup
from whoosh.query import And, Every, Query, Term
from whoosh.scoring import BM25F
from whoosh.searching import Hit, Results, Searcher

from app.search import mapped_files

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
INDEX_NAME = f"pages_v{SCHEMA_VERSION}"  # a new schema version starts a new index (then rebuilt)

# The maturity blend: relevance x (1 + MATURITY_WEIGHT x (score - 50) / 100), so a page at 100
# gets +25 %, one at 0 gets -25 %: maturity orders near-equal matches, a title match still wins.
MATURITY_WEIGHT = 0.5
TITLE_BOOST = 3.0
SNIPPETS_KEPT = 4096  # marked titles and snippets kept per process (about 1 KB each)
SNIPPET_CHARS = 240
_MARK_START, _MARK_END = "\x02", "\x03"


class IndexBusy(Exception):
    """Another process holds the index's single writer lock; try again later."""


# Errors that only unreadable index files raise (whoosh's compressed columns and packed numbers): damage for
# certain, even where intact()'s cheap sample of each segment happens to read clean.
CORRUPT_DATA = (zlib.error, struct.error, EOFError)


class IndexDamaged(OSError):
    """The index folder is missing or its files cannot be read; the indexer rebuilds it from the database."""


@dataclass(frozen=True)
class IndexDocument:
    """What the index knows about one live page (its current revision)."""

    page_id: int
    space_id: int
    title: str
    body: str
    categories: tuple[str, ...]
    annotations: dict[str, tuple[str, ...]]  # facet key (e.g. "sector") -> values (labels)
    annotation_text: str  # every annotation value, searchable
    maturity: float
    phase: str
    modified: datetime


@dataclass(frozen=True)
class SearchRequest:
    """A query as the index sees it: words, the readable spaces, filters, order and window."""

    text: str
    readable_spaces: frozenset[int]
    spaces: frozenset[int] = frozenset()
    facet_filters: tuple[tuple[str, frozenset[str]], ...] = ()  # (facet, accepted values): AND of ORs
    phases: frozenset[str] = frozenset()
    min_score: float | None = None
    modified_from: datetime | None = None
    modified_to: datetime | None = None
    sort: str = "relevance"  # relevance | maturity | recency
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class Snippet:
    """Text with the matched words marked: (text, is_match) parts, never HTML."""

    parts: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class SearchHit:
    page_id: int
    space_id: int
    title: str
    score: float
    maturity: float
    phase: str
    modified: datetime
    title_marked: Snippet
    snippet: Snippet


@dataclass
class SearchResults:
    total: int
    hits: list[SearchHit]
    facets: dict[str, Counter[str]]
    matched: str  # "all" terms, or "any" when no page had all of them
    correction: str | None = None


@dataclass(frozen=True)
class DocInfo:
    """The per-document column, decoded: all a filter, a facet or a sort needs."""

    page_id: int
    space_id: int
    maturity: float
    phase: str
    modified: float  # POSIX seconds
    facets: tuple[str, ...]  # "category=Apprenticeships", "sector=Engineering" ...


def make_schema() -> Schema:
    english = StemmingAnalyzer()  # lower-case, stop words, Porter stemming
    schema = Schema(
        page=ID(stored=True, unique=True),
        title=TEXT(analyzer=english, field_boost=TITLE_BOOST, stored=True, spelling=True),
        title_start=NGRAMWORDS(minsize=1, maxsize=24, at="start"),
        body=TEXT(analyzer=english, stored=True, spelling=True),
        category=TEXT(analyzer=english, field_boost=1.5),
        annotations=TEXT(analyzer=english, field_boost=1.5),
        meta=COLUMN(columns.VarBytesColumn()),
    )
    # One text field per annotation property, so `sector:engineering` works in the query box.
    schema.add("ann_*", TEXT(analyzer=english), glob=True)
    return schema


def facet_key(key: str, value: str) -> str:
    return f"{key}={value}"


SPACE_FACET = facet_key("space", "")


def _encode_meta(doc: IndexDocument) -> bytes:
    facets = [facet_key("space", str(doc.space_id)), facet_key("phase", doc.phase)]
    facets += [facet_key("category", name) for name in doc.categories]
    facets += [facet_key(key, value) for key, values in doc.annotations.items() for value in values]
    return json.dumps({"p": doc.page_id, "s": doc.space_id, "m": doc.maturity, "ph": doc.phase,
                       "t": doc.modified.timestamp(), "f": facets}, separators=(",", ":")).encode()


def _decode_meta(raw: bytes) -> DocInfo | None:
    if not raw:
        return None
    data = json.loads(raw)
    return DocInfo(data["p"], data["s"], data["m"], data["ph"], data["t"], tuple(data["f"]))


def _fields(doc: IndexDocument) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "page": str(doc.page_id), "title": doc.title, "title_start": doc.title, "body": doc.body,
        "category": " ".join(doc.categories), "annotations": doc.annotation_text, "meta": _encode_meta(doc),
    }
    for key, values in doc.annotations.items():
        fields[f"ann_{key}"] = " ".join(values)
    return fields


class MaturityBlend(BM25F):
    """BM25F text relevance, then scaled by the page's maturity (see MATURITY_WEIGHT)."""

    use_final = True

    def __init__(self, infos: Sequence[DocInfo | None]) -> None:
        super().__init__(title_B=0.5)
        self.infos = infos

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        info = self.infos[docnum]
        maturity = info.maturity if info else 0.0
        return score * (1.0 + MATURITY_WEIGHT * (maturity - 50.0) / 100.0)


class _MarkerFormatter(highlight.Formatter):
    """Marks matches with control characters, turned into (text, is_match) parts afterwards."""

    between = " … "

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return _MARK_START + highlight.get_text(text, token, replace) + _MARK_END


def _parts(marked: str) -> Snippet:
    """Split marked text into parts; paragraph breaks become spaces (a snippet is one line)."""
    marked = re.sub(r"\s+", " ", marked).strip()
    parts: list[tuple[str, bool]] = []
    for chunk in re.split(f"({_MARK_START}[^{_MARK_END}]*{_MARK_END})", marked):
        if not chunk:
            continue
        if chunk.startswith(_MARK_START):
            parts.append((chunk[1:-1], True))
        else:
            parts.append((chunk, False))
    return Snippet(tuple(parts))


@dataclass(frozen=True)
class _Segment:
    """One immutable segment's documents, decoded once: their DocInfo, and per facet value a bit mask of them.

    Every saved page adds a small segment and a new searcher generation; the big segments' decoded
    columns and masks carry over (their deletions are applied per generation). The masks make the rights
    filter and facet counting big-int operations instead of a Python loop over every page.
    """

    infos: list[DocInfo | None]
    facet_masks: dict[str, int]  # "space=3", "sector=Health" ... -> int with bit n set for document n

    @classmethod
    def decode(cls, reader: Any) -> _Segment:
        """Every document's column of the segment, deleted ones included (deletions change; the segment not)."""
        count = reader.doc_count_all()
        if not reader.has_column("meta"):
            return cls([None] * count, {})
        column = reader.column_reader("meta")
        infos = [_decode_meta(column[docnum]) for docnum in range(count)]
        by_facet: dict[str, bytearray] = {}
        for docnum, info in enumerate(infos):
            for key in info.facets if info is not None else ():
                by_facet.setdefault(key, bytearray((count + 7) // 8))[docnum >> 3] |= 1 << (docnum & 7)
        return cls(infos, {key: int.from_bytes(bits, "little") for key, bits in by_facet.items()})

    def count_facets(self, matches: int, counts: Counter[str]) -> None:
        """Add how many of the matching documents (bit mask over this segment) have each facet value."""
        for key, mask in self.facet_masks.items():
            found = (matches & mask).bit_count()
            if found:
                counts[key] += found


class _Bits(BitSet):
    """Whoosh's bit set made at C speed from a Python int (bit n set = document n)."""

    @classmethod
    def from_int(cls, mask: int, size: int) -> _Bits:
        bits = cls()
        bits.bits = array("B", mask.to_bytes((size + 7) // 8, "little"))
        return bits


class _View:
    """One searcher generation: the searcher, every document's DocInfo, and cached filters."""

    def __init__(self, ix: index.FileIndex, segment_cache: dict[str, _Segment]) -> None:
        blend = MaturityBlend([])
        searcher = ix.searcher(weighting=blend)  # never `refresh()` it: see the module docstring
        infos: list[DocInfo | None] = []
        self.segment_starts: list[int] = []  # first docnum of each segment, and its id (for stable_id)
        self.segment_ids: list[str] = []
        self.segments: list[_Segment] = []
        self.space_masks: dict[int, int] = {}  # space id -> documents of that space, live or deleted
        deleted_mask = 0
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            segment_id = _segment_id(reader)
            if segment_id is None:  # an empty index has no segment
                continue
            segment = segment_cache.get(segment_id)
            if segment is None:
                segment = segment_cache[segment_id] = _Segment.decode(reader)
            offset = len(infos)
            self.segment_starts.append(offset)
            self.segment_ids.append(segment_id)
            self.segments.append(segment)
            for key, mask in segment.facet_masks.items():
                if key.startswith(SPACE_FACET):
                    space = int(key[len(SPACE_FACET):])
                    self.space_masks[space] = self.space_masks.get(space, 0) | mask << offset
            deleted = list(reader.segment().deleted_docs())  # grows as pages are updated: not cached
            segment_infos = segment.infos
            if deleted:
                segment_infos = list(segment_infos)
                for docnum in deleted:
                    segment_infos[docnum] = None
                    deleted_mask |= 1 << (offset + docnum)
            infos.extend(segment_infos)
        self.live_mask = ((1 << len(infos)) - 1) & ~deleted_mask
        self.infos = blend.infos = infos
        self.searcher = searcher
        self.filters: OrderedDict[tuple[Any, ...], BitSet] = OrderedDict()

    def stable_id(self, docnum: int) -> tuple[str, int]:
        """(segment id, docnum within it): names the same document in every later generation."""
        position = bisect.bisect_right(self.segment_starts, docnum) - 1
        return self.segment_ids[position], docnum - self.segment_starts[position]

    @staticmethod
    def filter_key(request: SearchRequest) -> tuple[Any, ...]:
        return (request.readable_spaces, request.spaces, request.facet_filters, request.phases,
                request.min_score, request.modified_from, request.modified_to)

    def allowed(self, request: SearchRequest) -> BitSet:
        """Documents the caller may read and that pass every filter (cached per searcher).

        The spaces (the rights rule) are OR-ed from per-space bit masks, so a filter over 50,000 pages costs
        big-int operations rather than a Python loop; only the rarer filters look at each page in them.
        """
        key = self.filter_key(request)
        cached = self.filters.get(key)
        if cached is not None:
            self.filters.move_to_end(key)
            return cached
        spaces = request.readable_spaces & request.spaces if request.spaces else request.readable_spaces
        mask = 0
        for space in spaces:
            mask |= self.space_masks.get(space, 0)
        mask &= self.live_mask
        if request.phases or request.min_score is not None or request.modified_from or request.modified_to \
                or request.facet_filters:
            bits: BitSet = BitSet((docnum for docnum in _Bits.from_int(mask, len(self.infos))
                                   if self._passes(request, self.infos[docnum])), size=len(self.infos))
        else:
            bits = _Bits.from_int(mask, len(self.infos))
        self.filters[key] = bits
        if len(self.filters) > 64:
            self.filters.popitem(last=False)
        return bits

    def scored(self, query: Query, allowed: BitSet) -> list[tuple[float, int]]:
        """Every allowed match with its blended score, unordered."""
        if not allowed:
            return []
        if isinstance(query, Every):
            return [(0.0, docnum) for docnum in allowed]
        return [(hit.score or 0.0, hit.docnum) for hit in self.searcher.search(query, filter=allowed, limit=None)]

    @staticmethod
    def _passes(request: SearchRequest, info: DocInfo | None) -> bool:
        """The filters other than spaces (phase, score, dates, facet values) for one live document."""
        if info is None:
            return False
        if request.phases and info.phase not in request.phases:
            return False
        if request.min_score is not None and info.maturity < request.min_score:
            return False
        if (request.modified_from and info.modified < request.modified_from.timestamp()) or \
                (request.modified_to and info.modified > request.modified_to.timestamp()):
            return False
        return all(any(facet_key(name, value) in info.facets for value in values)
                   for name, values in request.facet_filters)


@dataclass
class _Matches:
    """One query's answer: how many pages match, their facet counts, and the matches in order."""

    total: int
    facets: dict[str, Counter[str]]
    matched: str  # "all" terms, or "any"
    ordered: list[tuple[float, int]]  # (score, docnum) of every match, in the requested order


@dataclass
class _Cache:
    """Costly answers (ordered matches and their facet counts) per searcher generation."""

    generation: int = -1
    entries: OrderedDict[tuple[Any, ...], _Matches] = field(default_factory=OrderedDict)


class PageIndex:
    """The on-disk index of one service (shared by all its processes: one writer at a time)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.RLock()
        self._ix: index.FileIndex | None = None
        self._view: _View | None = None
        self._generation = -1
        self._segments: dict[str, _Segment] = {}
        self._cache = _Cache()
        # (segment, docnum in it, query) -> title and marked snippets; a segment's documents never change
        self._snippets: OrderedDict[tuple[str, int, str], tuple[str, Snippet, Snippet]] = OrderedDict()
        self.created = False  # True when this process found no index and made an empty one
        self.damaged = False  # a read or write found the files missing or unreadable; cleared once rebuilt

    # -- opening -------------------------------------------------------------------------------

    def open(self) -> index.FileIndex:
        """Open the index, creating an empty one (then `created` is True) if there is none."""
        with self._lock:
            if self._ix is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                with self._creation_lock():
                    if index.exists_in(self.directory, indexname=INDEX_NAME):
                        self._ix = _storage(self.directory).open_index(INDEX_NAME)
                    else:
                        self._ix = _storage(self.directory).create_index(make_schema(), INDEX_NAME)
                        self.created = True
            return self._ix

    @contextmanager
    def _creation_lock(self) -> Iterator[None]:
        """Two processes starting at once must not both create (and so wipe) the index."""
        with open(self.directory / ".create.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self) -> None:
        """Let go of the files (never raises: they may be gone already)."""
        with self._lock:
            if self._view is not None:
                with suppress(Exception):
                    self._view.searcher.close()
            self._view, self._ix, self._generation = None, None, -1
            self._segments.clear()
            self._snippets.clear()

    # -- damage: detected here, repaired by the indexer (app/search/indexer.py) ----------------------

    def exists(self) -> bool:
        """Cheap (one directory listing): are the index's table-of-contents files there at all?"""
        return self.directory.is_dir() and any(self.directory.glob(f"_{INDEX_NAME}_*.toc"))

    def intact(self) -> bool:
        """The files are there and read back: every document's column, and the stored fields at both ends of
        each segment (about what the first search reads anyway; at start-up and after an error)."""
        if not self.exists():
            return False
        try:
            view = _View(_storage(self.directory).open_index(INDEX_NAME), {})
            try:
                for leaf, offset in view.searcher.leaf_searchers():
                    count = leaf.reader().doc_count_all()
                    for docnum in {0, count - 1} if count else ():
                        view.searcher.stored_fields(offset + docnum)
                view.searcher.search(Every(), limit=1)
            finally:
                view.searcher.close()
        except Exception:
            return False
        return True

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Tell a deleted or damaged index (IndexDamaged, repaired by the indexer) from a bug (re-raised)."""
        if self.damaged:
            raise IndexDamaged(f"the search index in {self.directory} is being rebuilt from the database")
        try:
            yield
        except IndexBusy:
            raise
        except Exception as exc:
            self.close()
            if not isinstance(exc, CORRUPT_DATA) and self.intact():  # intact() samples; these errors are proof
                raise
            self.damaged = True
            log.error("the search index in %s is missing or damaged (%s: %s); rebuilding it from the database",
                      self.directory, type(exc).__name__, exc)
            raise IndexDamaged(f"the search index in {self.directory} is missing or damaged") from exc

    def reset_if_broken(self) -> bool:
        """Start an empty index in place of a missing or damaged one; False if it is (now) intact.

        Under the creation lock, so of several processes noticing the damage only the first resets it.
        """
        with self._lock:
            self.close()
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._creation_lock():
                if self.intact():
                    return False
                for path in self.directory.iterdir():
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    elif path.name not in (".create.lock", ".follow.lock"):  # the locks other processes hold
                        path.unlink(missing_ok=True)
                self._ix = _storage(self.directory).create_index(make_schema(), INDEX_NAME)
            return True

    def is_empty(self) -> bool:
        return self.doc_count() == 0

    def doc_count(self) -> int:
        with self._lock, self._guard():
            return self.open().doc_count()

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.directory.glob("*") if path.is_file())

    # -- writing -------------------------------------------------------------------------------

    @contextmanager
    def _writer(self, wait: float = 0.0, **options: Any) -> Iterator[writing.IndexWriter]:
        """The single writer; IndexBusy if another holds it for longer than `wait` seconds."""
        try:
            writer = self.open().writer(timeout=wait, delay=0.05, **options)
        except index.LockError as exc:
            raise IndexBusy(str(self.directory)) from exc
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise

    def apply(self, documents: Iterable[IndexDocument], removed: Iterable[int]) -> None:
        """Replace these pages' entries and drop the removed pages', in one commit (or none)."""
        with self._guard(), self._writer(limitmb=64) as writer:
            for page_id in removed:
                writer.delete_by_term("page", str(page_id))
            for doc in documents:
                writer.update_document(**_fields(doc))
            writer.commit()

    def rebuild(self, documents: Iterable[IndexDocument]) -> int:
        """Replace the whole index with these documents, in one commit; returns how many."""
        count = 0
        with self._writer(wait=30.0, limitmb=256) as writer:  # a draining server lets go within seconds
            for doc in documents:
                writer.add_document(**_fields(doc))
                count += 1
            writer.commit(mergetype=writing.CLEAR)
        return count

    # -- reading -------------------------------------------------------------------------------

    def _current_view(self) -> _View:
        ix = self.open()
        generation = ix.latest_generation()
        if self._view is None or generation != self._generation:
            if self._view is not None:
                self._view.searcher.close()
            self._view = _View(ix, self._segments)
            live = {_segment_id(leaf.reader()) for leaf, _ in self._view.searcher.leaf_searchers()}
            for stale in set(self._segments) - live:
                del self._segments[stale]
            self._generation = generation
        return self._view

    def search(self, request: SearchRequest) -> SearchResults:
        with self._lock, self._guard():
            view = self._current_view()
            allowed = view.allowed(request)
            answer = self._matches(view, request, allowed)
            window = answer.ordered[request.offset:request.offset + request.limit]
            hits = self._hits(view, request, window)
            correction = self._correction(view, request, allowed, answer.total)
            return SearchResults(answer.total, hits, answer.facets, answer.matched, correction)

    def _matches(self, view: _View, request: SearchRequest, allowed: BitSet) -> _Matches:
        """Every allowed match in the requested order, with facet counts (cached per generation)."""
        if self._cache.generation != self._generation:
            self._cache = _Cache(self._generation)
        key = (request.text, request.sort, _View.filter_key(request))
        cached = self._cache.entries.get(key)
        if cached is not None:
            self._cache.entries.move_to_end(key)
            return cached
        matched = "all"
        scored = view.scored(self._parse(view, request.text, AndGroup), allowed)
        if not scored and len(request.text.split()) > 1:
            matched = "any"
            scored = view.scored(self._parse(view, request.text, OrGroup.factory(0.9)), allowed)
        ordered = self._order(view, request.sort, scored)
        answer = _Matches(len(ordered), self._facet_counts(view, [docnum for _, docnum in ordered]), matched, ordered)
        self._cache.entries[key] = answer
        if len(self._cache.entries) > 256:
            self._cache.entries.popitem(last=False)
        return answer

    def _parse(self, view: _View, text: str, group: Any) -> Query:
        if not text.strip():
            return Every()
        parser = MultifieldParser(["title", "body", "category", "annotations"], view.searcher.schema, group=group)
        parser.add_plugin(FieldAliasPlugin(self._aliases(view)))
        return parser.parse(text)

    @staticmethod
    def _aliases(view: _View) -> dict[str, list[str]]:
        aliases = {name: [name[len("ann_"):]] for name in view.searcher.reader().indexed_field_names()
                   if name.startswith("ann_")}
        aliases["category"] = ["categories", "cat"]
        return aliases

    @staticmethod
    def _order(view: _View, sort: str, scored: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """The requested order; ties always end on the page id, so answers never depend on docnums."""
        infos = view.infos

        def info(docnum: int) -> DocInfo:
            return infos[docnum]  # type: ignore[return-value]  # matches are live documents

        if sort == "maturity":
            key = lambda item: (-info(item[1]).maturity, -item[0], -info(item[1]).modified, info(item[1]).page_id)
        elif sort == "recency":
            key = lambda item: (-info(item[1]).modified, -item[0], info(item[1]).page_id)
        else:  # relevance; browsing without words ranks by maturity, then recency
            key = lambda item: (-round(item[0], 9), -info(item[1]).maturity, -info(item[1]).modified,
                                info(item[1]).page_id)
        return sorted(scored, key=key)

    @staticmethod
    def _facet_counts(view: _View, docnums: list[int]) -> dict[str, Counter[str]]:
        counts: Counter[str] = Counter()
        matches = bytearray((len(view.infos) + 7) // 8)
        for docnum in docnums:
            matches[docnum >> 3] |= 1 << (docnum & 7)
        every = int.from_bytes(matches, "little")
        for start, segment in zip(view.segment_starts, view.segments, strict=True):
            segment.count_facets((every >> start) & ((1 << len(segment.infos)) - 1), counts)
        facets: dict[str, Counter[str]] = {}
        for key, count in counts.items():
            name, _, value = key.partition("=")
            facets.setdefault(name, Counter())[value] = count
        return facets

    def _hits(self, view: _View, request: SearchRequest, window: list[tuple[float, int]]) -> list[SearchHit]:
        if not window:
            return []
        query = self._parse(view, request.text, OrGroup)
        results = Results(view.searcher, query, top_n=list(window))  # to highlight with, without searching again
        results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        results.formatter = _MarkerFormatter()
        hits = []
        for score, docnum in window:
            info = view.infos[docnum]
            assert info is not None
            key = (*view.stable_id(docnum), request.text)
            marked = self._snippets.get(key)
            if marked is None:
                marked = self._snippets[key] = self._marked(Hit(results, docnum, score=score), request.text)
                if len(self._snippets) > SNIPPETS_KEPT:
                    self._snippets.popitem(last=False)
            else:
                self._snippets.move_to_end(key)
            title, title_marked, snippet = marked
            hits.append(SearchHit(
                page_id=info.page_id, space_id=info.space_id, title=title, score=score,
                maturity=info.maturity, phase=info.phase, modified=datetime.fromtimestamp(info.modified, UTC),
                title_marked=title_marked, snippet=snippet))
        return hits

    @staticmethod
    def _marked(hit: Hit, text: str) -> tuple[str, Snippet, Snippet]:
        """The title, and the title and body with the query's words marked (Whoosh re-reads and re-analyses
        the stored text: most of a search's time once the matches are known, hence the LRU in `_hits`)."""
        stored = hit.fields()
        body_marked = hit.highlights("body", top=2) if text.strip() else ""
        if not body_marked:
            body_marked = _lead(stored.get("body", ""))
        title_marked = hit.highlights("title", minscore=0) if text.strip() else ""
        return stored["title"], _parts(title_marked or stored["title"]), _parts(body_marked)

    def _correction(self, view: _View, request: SearchRequest, allowed: BitSet, total: int) -> str | None:
        """"Did you mean": a spelling of the query that finds more of the caller's pages.

        Each word is checked as typed (not stemmed) against the words of titles, then bodies, of the pages
        the caller may read only: whether a word is known, and which spelling is offered, never depend on
        pages they may not read (else the answer would tell whether a word occurs in a private page).
        """
        text = request.text.strip()
        if not text or total >= 5:
            return None
        reader = view.searcher.reader()
        schema = view.searcher.schema
        fields = ("title", "body")

        def readable_count(name: str, term: str, enough: int) -> int:
            """How many of the caller's allowed documents have the term (counting stops at `enough`)."""
            if (name, term) not in reader:
                return 0
            count = 0
            for docnum in reader.postings(name, term).all_ids():
                if docnum in allowed:
                    count += 1
                    if count >= enough:
                        break
            return count

        def known(word: str) -> bool:
            """In a page the caller may read (as its stem), or a stop word the index leaves out."""
            stems = [token.text for token in schema["body"].analyzer(word)]
            return not stems or any(readable_count(name, stem, 1) for name in fields for stem in stems)

        def suggestion(name: str, word: str) -> str | None:
            """The spelling within two edits (same first letter: much faster) in most of the caller's pages."""
            spelling = schema[name].spelling_fieldname(name)  # unstemmed words, without usable postings:
            candidates = [c for c in reader.terms_within(spelling, word, 2, prefix=1) if c != word]
            scored = [(-sum(readable_count(name, stem.text, 1_000) for stem in schema[name].analyzer(c)), c)
                      for c in candidates]  # so count each candidate's stem in the field itself
            scored = [item for item in scored if item[0] < 0]
            return min(scored)[1] if scored else None

        def better(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in ("AND", "OR", "NOT") or len(word) < 3 or known(word):
                return word
            for name in fields:
                found = suggestion(name, word.lower())
                if found:
                    return found
            return word

        corrected = re.sub(r"(?<![:\w])\w+\b(?!:)", better, text)  # not field names or their values
        if corrected.lower() == text.lower():
            return None
        found = view.scored(self._parse(view, corrected, AndGroup), allowed)
        return corrected if len(found) > total else None

    def suggest(self, prefix: str, readable_spaces: frozenset[int], limit: int = 10) -> list[tuple[int, int, str]]:
        """Titles whose words start with what was typed so far: (page_id, space_id, title)."""
        words = [word.lower()[:24] for word in re.findall(r"\w+", prefix)]
        if not words:
            return []
        with self._lock, self._guard():
            view = self._current_view()
            allowed = view.allowed(SearchRequest(text="", readable_spaces=readable_spaces))
            if not allowed:
                return []
            query = And([Term("title_start", word) for word in words])
            docnums = [hit.docnum for hit in view.searcher.search(query, filter=allowed, limit=None)]
            docnums.sort(key=lambda docnum: -view.infos[docnum].maturity)  # type: ignore[union-attr]
            found = []
            for docnum in docnums[:limit]:
                info = view.infos[docnum]
                assert info is not None
                found.append((info.page_id, info.space_id, view.searcher.stored_fields(docnum)["title"]))
            return found

    def space_ids(self) -> set[int]:
        """Every space with a live page in the index (for benchmarks and checks)."""
        with self._lock, self._guard():
            return {info.space_id for info in self._current_view().infos if info is not None}

    def all_page_ids(self) -> set[int]:
        """Every live page in the index (for consistency checks and tests)."""
        with self._lock, self._guard():
            return {info.page_id for info in self._current_view().infos if info is not None}


def _storage(directory: Path) -> FileStorage:
    """The index folder, memory-mapped and read in place (see app/search/mapped_files.py)."""
    mapped_files.install()
    return FileStorage(str(directory))


def _segment_id(reader: Any) -> str | None:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else None


def _lead(body: str) -> str:
    """The page's first words, when no words matched (browsing, or a title-only match)."""
    if len(body) <= SNIPPET_CHARS:
        return body
    cut = body.rfind(" ", 0, SNIPPET_CHARS)
    return body[:cut if cut > 0 else SNIPPET_CHARS] + " …"
