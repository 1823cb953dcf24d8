"""Refuse SPARQL requests the read-only endpoint must not run, before anything is evaluated.

`inspect_query` returns the query form or raises `SparqlRefused` with a reason a person can
act on. The numbers below were measured with pyoxigraph 0.5.13 and rdflib 7.6 on a 2-core box.

How each check works, and why this way:

* Oxigraph's own parser is the judge, so the guard and the engine that runs the query can
  never disagree about the grammar. pyoxigraph has no parse-only API, but `Store.query`
  parses the text, then checks its keyword arguments, then evaluates: asking for both
  `use_default_graph_as_union=True` and `default_graph` makes it raise `ValueError` after a
  successful parse and before evaluation. On an empty store that is a parse-only check
  (~0.02 ms for a typical query) that gives Oxigraph's "error at LINE:COL: ..." messages.
  `_require_parse_only` checks that order once with a harmless query and fails closed if
  pyoxigraph ever changes it. A plain `query()` on an empty store is no substitute: it
  evaluates eagerly (0.3-4.5 s for VALUES cross products with ASK or ORDER BY) and it runs
  SERVICE (a SELECT with SERVICE POSTed to a loopback test server before any iteration).
* SERVICE is found with that same parser: change the final "e" of every "service" (any case)
  to "q" and parse again. In strings, IRIs, comments, language tags, variables and prefixed
  names the change is harmless (every occurrence changes, so a prefix or variable stays
  consistent); a SERVICE keyword turns into "SERVICq", which is never valid where SERVICE
  stood. So valid before and invalid after means a SERVICE keyword (nested, SILENT, any case).
  A tokenizer or rdflib would miss spellings Oxigraph accepts and that did contact the test
  server: `?o SERVICESILENT<...>{...}`, `?o 1SERVICE<...>`, `'x'SERVICE<...>`,
  `PREFIX : <...> ... SERVICE:x {...}`, and `FILTER(?a<?b)SERVICE?x#>` + newline + `{...}`,
  where a lexer reads `<?b)SERVICE?x#>` as one IRI. rdflib's parser also rejects the first
  two, accepts `\\u0053ERVICE` (Oxigraph refuses it) and takes ~35 ms for a typical query.
* FROM / FROM NAMED: the same trick, one "from" at a time, finds the dataset keywords after
  the query form; the graph IRI after each (resolved against BASE / PREFIX) must be http(s).
  Oxigraph never dereferences FROM IRIs (checked against the test server), and the executor
  always passes the dataset itself, so the graphs named are returned (`QueryInfo.from_graphs`,
  `from_named`) for app.linkeddata.dataset to narrow the caller's readable graphs to them.
  Nothing else in a SPARQL 1.1 query names a file or another server.
* Parsing happens on one long-lived thread with a 256 MB stack (virtual memory, touched only
  as deep as a query goes). Oxigraph's parser recurses once per nesting level, and on a
  default 8 MB stack it overflows and kills the whole process at ~2,200 nested braces or
  ~4,500 nested parentheses, which 20,000 characters allow; every 20,000-character worst case
  measured parsed fine with 64 MB. Whatever evaluates an accepted query needs a stack as
  big (or a child process): on 8 MB, evaluating `FILTER(1+1+...+1)` or `MINUS{}MINUS{}...` crashed.
* Functions: Oxigraph knows the SPARQL built-ins and the XSD casts; any other IRI called as a
  function (`PREFIX : <http://example/> SELECT (:f(?x) AS ?y) {}`) parses but fails when the
  engine plans the query. Each IRI or prefixed name followed by `(` is asked about, with the
  query's own prologue, in `SELECT (NAME(1) AS ?x) {}` on the empty store: planning that tiny
  query (~0.1 ms, nothing to evaluate) says whether the engine knows the function. For a name it
  does not know, the same parser decides whether that spot really calls it: inserting `1,` as a
  first argument must keep the query valid and inserting a bare `,` must break it (both stay
  valid inside a string or a comment; a list `(1 2)` or a path `(<p>)` rejects the first).
* Relative IRIs resolve against the base IRI the caller passes (the service's), both here and
  when the query runs, so `CONSTRUCT { <s> <p> 1 } WHERE {}` is a valid query.
* Updates: pyoxigraph can only parse an update by running it, so a text that is not a valid
  query is treated as an update when its first word after the prologue starts an update
  operation (every SPARQL Update operation starts with one of those ten keywords).
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import urljoin

import pyoxigraph

QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

MAX_QUERY_LENGTH = 20_000
# The parser thread's stack: 64 MB parsed every 20,000-character worst case; this leaves room.
PARSER_STACK_BYTES = 256 * 1024 * 1024
MAX_SUPPORTED_LENGTH = 100_000
_FORMS: tuple[QueryForm, ...] = get_args(QueryForm)
_UPDATE_VERBS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
# What may be glued to an update verb ("INSERTDATA"); anything else ("Address") is just a bad query.
_GLUED_AFTER_VERB = ("", "DATA", "WHERE", "SILENT", "ALL", "DEFAULT", "NAMED", "GRAPH")
_WEB_SCHEMES = frozenset({"http", "https"})
_MAX_PROBES = 32  # bounds the per-occurrence re-parses a hostile query can cause
_MAX_NAMES = 64  # distinct names followed by "(" whose function is looked up
_MAX_MESSAGE = 400

READ_ONLY_REASON = (
    "This endpoint is read-only; updates (INSERT, DELETE, LOAD, CLEAR, ...) are refused. "
    "Send a SELECT, ASK, CONSTRUCT or DESCRIBE query; to change data, edit the page it comes from."
)
SERVICE_REASON = (
    "SERVICE is not allowed{where}: this endpoint never contacts other servers; "
    "copy the data you need into a page instead."
)

# Whitespace and comments, which may separate any two tokens. Possessive (*+): a line of
# many '#' must not be split into comments in exponentially many ways when a match fails.
_GAP = r"(?:\s|#[^\r\n]*+)*+"
_PROLOGUE_ITEM = re.compile(
    rf"{_GAP}(?:BASE{_GAP}<(?P<base>[^>]*)>"
    rf"|PREFIX{_GAP}(?P<prefix>[^\s:#<]*):{_GAP}<(?P<prefix_iri>[^>]*)>"
    rf"|VERSION{_GAP}(?:\"[^\"\r\n]*\"|'[^'\r\n]*'))",
    re.IGNORECASE,
)
_FIRST_WORD = re.compile(rf"{_GAP}([A-Za-z]+)")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Oxigraph matches keywords ASCII-case-insensitively, and so do these.
_SERVICE_WORD = re.compile(r"servic(e)", re.IGNORECASE | re.ASCII)
_FROM_WORD = re.compile(r"(?<=[\s*)}>])fro(m)", re.IGNORECASE | re.ASCII)
_GRAPH = r"(?:<(?P<iri>[^>]*)>|(?P<prefix>[^\s:#<>{}()]*):(?P<local>[^\s#<>{}()]*))"
# Oxigraph tries FROM NAMED before FROM: "FROM named:g" is FROM NAMED :g if ":" is declared.
_GRAPH_READINGS = (
    re.compile(rf"{_GAP}(?P<named>NAMED){_GAP}{_GRAPH}", re.IGNORECASE),
    re.compile(rf"{_GAP}(?P<named>){_GRAPH}", re.IGNORECASE),
)

# An IRI or prefixed name, then `(`: where a function may be called. Prefixed names may hold `\`-escapes.
_CALLED_NAME = re.compile(
    rf"(?P<name><[^<>\"{{}}|^`\\\x00-\x20]*>|(?:[^\W\d_][\w.\-]*)?:(?:(?:[\w:.\-%]|\\.)*(?:[\w:\-%]|\\.))?)"
    rf"{_GAP}\((?P<nil>{_GAP}\))?"
)
_LOCAL_ESCAPE = re.compile(r"\\(.)")  # `\-` in a prefixed name's local part stands for `-`
_UNKNOWN_FUNCTION = re.compile(r"custom function (<[^>]*>) is not supported")
FUNCTION_REASON = (
    "The function {iri} ({where}) is not available here: this endpoint evaluates the SPARQL 1.1 "
    "built-in functions and the XSD casts such as xsd:integer(?x), and no extension functions. "
    "Remove the call, or compute the value with built-in functions."
)

_PARSER_STORE = pyoxigraph.Store()  # always empty: only used to parse
_PARSE_ONLY_MARK = "use_default_graph_as_union"
_parser_lock = threading.Lock()
_parser: tuple[int, ThreadPoolExecutor] | None = None


_Parse = Callable[[str], "str | None"]  # a query text -> the parser's error message, or None if valid


class SparqlRefused(Exception):
    """A query this endpoint will not run; `reason` tells the person what to change."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """What the endpoint needs to know to run and serialise an accepted query."""

    form: QueryForm
    from_graphs: tuple[str, ...] = ()  # FROM graph IRIs, resolved, as written in order
    from_named: tuple[str, ...] = ()  # FROM NAMED graph IRIs


@dataclass(slots=True)
class _Prologue:
    """BASE/PREFIX declarations, kept to resolve FROM IRIs the way Oxigraph does."""

    end: int = 0
    base: str | None = None
    base_scheme: str | None = None
    prefix_schemes: dict[str, str | None] = field(default_factory=dict)
    prefix_iris: dict[str, str] = field(default_factory=dict)


def inspect_query(text: str, max_length: int = MAX_QUERY_LENGTH, base_iri: str | None = None) -> QueryInfo:
    """Return the form of a query safe to run, or raise SparqlRefused saying what to change.

    Relative IRIs in the query resolve against `base_iri` (the service's), as they will when it runs.
    """
    _check_size(text, max_length)
    prologue = _read_prologue(text, base_iri)
    parse = functools.partial(_syntax_error, base_iri=base_iri)
    error = parse(text)
    if error is not None:
        if _is_update_word(_first_word(text, prologue.end)):
            raise SparqlRefused(READ_ONLY_REASON)
        raise SparqlRefused(_syntax_reason(error))
    _refuse_service(text, parse)
    default, named = _dataset_clauses(text, prologue, parse)
    _refuse_unknown_functions(text, prologue, parse, base_iri)
    return QueryInfo(form=_form(text, prologue.end), from_graphs=default, from_named=named)


def _check_size(text: str, max_length: int) -> None:
    """Refuse empty and oversized texts before spending any parsing on them."""
    if max_length > MAX_SUPPORTED_LENGTH:
        raise ValueError(f"max_length above {MAX_SUPPORTED_LENGTH:,} could overflow the parser's stack")
    if not text.strip():
        raise SparqlRefused("The query is empty: send a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query.")
    if len(text) > max_length:
        raise SparqlRefused(
            f"The query is {len(text):,} characters long; the limit is {max_length:,}. "
            "Shorten it, for example by moving long VALUES lists into a page's data."
        )


def _parser_thread() -> ThreadPoolExecutor:
    """This process's big-stack parsing thread (made anew after a fork, which drops threads)."""
    global _parser
    with _parser_lock:
        if _parser is None or _parser[0] != os.getpid():
            _parser = (os.getpid(), _start_big_stack_thread())
        return _parser[1]


def _start_big_stack_thread() -> ThreadPoolExecutor:
    """Start one worker while the big stack size is set: stack sizes apply at thread start."""
    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-guard-parser")
        pool.submit(_require_parse_only).result()
    finally:
        threading.stack_size(previous)
    return pool


@functools.cache
def _require_parse_only() -> None:
    """Fail closed, before any user text is parsed, if pyoxigraph would evaluate instead."""
    try:
        _PARSER_STORE.query(
            "ASK {}", use_default_graph_as_union=True, default_graph=pyoxigraph.DefaultGraph()
        )
    except ValueError as error:
        if _PARSE_ONLY_MARK in str(error):
            return
        raise RuntimeError(f"pyoxigraph's parse-only trick changed: {error}") from error
    raise RuntimeError("pyoxigraph evaluated a query it was only asked to parse; update sparql_guard")


def _syntax_error(text: str, base_iri: str | None = None) -> str | None:
    """Parse with the engine's own parser, never evaluating; return its message if invalid."""
    return _parser_thread().submit(_parse_only, text, base_iri).result()


def _parse_only(text: str, base_iri: str | None) -> str | None:
    """Oxigraph's verdict on the text; runs on the big-stack thread only."""
    _require_parse_only()
    try:
        _PARSER_STORE.query(text, base_iri=base_iri, use_default_graph_as_union=True,
                            default_graph=pyoxigraph.DefaultGraph())
    except SyntaxError as error:
        return str(error)
    except ValueError as error:
        if _PARSE_ONLY_MARK in str(error):
            return None
        raise
    raise RuntimeError("pyoxigraph evaluated a query it was only asked to parse; update sparql_guard")


def _syntax_reason(error: str) -> str:
    """Keep the parser's line:column message, trimmed: its 'expected' lists can be huge."""
    if len(error) > _MAX_MESSAGE:
        error = error[:_MAX_MESSAGE] + " ..."
    return f"The query is not valid SPARQL ({error}). Check the query at that line:column."


def _read_prologue(text: str, base_iri: str | None) -> _Prologue:
    """Collect BASE/PREFIX declarations and where the query proper starts."""
    prologue = _Prologue(base=base_iri, base_scheme=_scheme(base_iri, None) if base_iri else None)
    while match := _PROLOGUE_ITEM.match(text, prologue.end):
        prologue.end = match.end()
        if match["base"] is not None:
            prologue.base_scheme = _scheme(match["base"], prologue.base_scheme)
            prologue.base = _resolved(match["base"], prologue.base)
        elif match["prefix"] is not None:
            prologue.prefix_schemes[match["prefix"]] = _scheme(match["prefix_iri"], prologue.base_scheme)
            prologue.prefix_iris[match["prefix"]] = _resolved(match["prefix_iri"], prologue.base)
    return prologue


def _resolved(iri: str, base: str | None) -> str:
    """An IRI reference resolved against the base in force (RFC 3986), or as written without one."""
    return urljoin(base, iri) if base else iri


def _scheme(iri: str, base_scheme: str | None) -> str | None:
    """The scheme an IRI reference has once resolved: its own, else the base's."""
    match = _SCHEME.match(iri)
    return match.group(1).lower() if match else base_scheme


def _first_word(text: str, start: int) -> str:
    """The upper-cased keyword that opens the query or update after its prologue."""
    match = _FIRST_WORD.match(text, start)
    return match.group(1).upper() if match else ""


def _is_update_word(word: str) -> bool:
    """True for the keywords that open SPARQL Update operations, and only those."""
    return any(word.startswith(verb) and word[len(verb) :] in _GLUED_AFTER_VERB for verb in _UPDATE_VERBS)


def _form(text: str, start: int) -> QueryForm:
    """Name the form of a valid query; keywords may be glued to what follows (ASKWHERE{})."""
    word = _first_word(text, start)
    for form in _FORMS:
        if word.startswith(form):
            return form
    raise SparqlRefused("Could not tell whether this is a SELECT, ASK, CONSTRUCT or DESCRIBE query.")


def _swap_last(letter: str) -> str:
    """The letter that replaces a keyword's last one, in the same case."""
    return "Q" if letter.isupper() else "q"


def _defuse_all(text: str, word: re.Pattern[str]) -> str:
    """Swap the last letter of every match, so none of them can be a keyword any more."""
    return word.sub(lambda match: match.group(0)[:-1] + _swap_last(match.group(1)), text)


def _is_keyword(text: str, match: re.Match[str], parse: _Parse) -> bool:
    """True if defusing only this occurrence breaks a valid query: it was a keyword."""
    last = match.start(1)
    return parse(text[:last] + _swap_last(match.group(1)) + text[last + 1 :]) is not None


def _refuse_service(text: str, parse: _Parse) -> None:
    """Refuse SERVICE anywhere: it would make this server send HTTP requests."""
    if "servic" not in text.lower():
        return
    if parse(_defuse_all(text, _SERVICE_WORD)) is None:
        return
    raise SparqlRefused(SERVICE_REASON.format(where=_service_location(text, parse)))


def _service_location(text: str, parse: _Parse) -> str:
    """Point at the first SERVICE keyword, so the person finds it in a long query."""
    for match in list(_SERVICE_WORD.finditer(text))[:_MAX_PROBES]:
        if _is_keyword(text, match, parse):
            return f" ({_position(text, match.start())})"
    return ""


def _position(text: str, offset: int) -> str:
    """'line L, column C' of an offset, as a person counts them."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _dataset_clauses(text: str, prologue: _Prologue, parse: _Parse) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The FROM and FROM NAMED graph IRIs; refuses graphs that are not http(s), e.g. file: IRIs.

    Past _MAX_PROBES web-graph candidates the clauses are not all known: none are returned, and the
    query runs over every graph the caller may read, as if it named none.
    """
    default: list[str] = []
    named: list[str] = []
    probes = {True: 0, False: 0}  # per kind: web graphs, other schemes
    complete = True
    for match in _FROM_WORD.finditer(text, prologue.end):
        graph = _graph_after(text, match.end(), prologue)
        if graph is None:
            continue
        scheme, written = _graph_scheme(graph, prologue)
        web = scheme in _WEB_SCHEMES
        if probes[web] == _MAX_PROBES:
            complete = complete and not web
            continue
        probes[web] += 1
        if not _is_keyword(text, match, parse):
            continue
        if not web:
            raise SparqlRefused(_dataset_reason(bool(graph["named"]), written, scheme))
        (named if graph["named"] else default).append(_graph_iri(graph, prologue))
    return (tuple(default), tuple(named)) if complete else ((), ())


def _graph_iri(graph: re.Match[str], prologue: _Prologue) -> str:
    """The full IRI of the graph named after FROM (prefixed names expanded, escapes removed)."""
    if graph["iri"] is not None:
        return _resolved(graph["iri"], prologue.base)
    return prologue.prefix_iris[graph["prefix"]] + _LOCAL_ESCAPE.sub(r"\1", graph["local"])


def _graph_after(text: str, start: int, prologue: _Prologue) -> re.Match[str] | None:
    """Read the graph after FROM as Oxigraph would: an IRI or a declared prefixed name."""
    for reading in _GRAPH_READINGS:
        graph = reading.match(text, start)
        if graph and (graph["iri"] is not None or graph["prefix"] in prologue.prefix_schemes):
            return graph
    return None


def _graph_scheme(graph: re.Match[str], prologue: _Prologue) -> tuple[str | None, str]:
    """Resolve the graph named after FROM to its scheme, with the text as written."""
    if graph["iri"] is not None:
        return _scheme(graph["iri"], prologue.base_scheme), f"<{graph['iri']}>"
    return prologue.prefix_schemes[graph["prefix"]], f"{graph['prefix']}:{graph['local']}"


def _dataset_reason(named: bool, written: str, scheme: str | None) -> str:
    """Explain that the dataset is always the caller's graphs, never files or other servers."""
    clause = "FROM NAMED" if named else "FROM"
    return (
        f"{clause} {written} is not allowed: its IRI uses the {scheme or 'unknown'}: scheme, and only "
        "http(s) graph IRIs may be named. This endpoint never reads files or other servers: your "
        "query always runs over the graphs you can see, so name one of those or drop the clause."
    )


def _refuse_unknown_functions(text: str, prologue: _Prologue, parse: _Parse, base_iri: str | None) -> None:
    """Refuse calls of functions the engine does not have, which would fail only once it runs."""
    known: dict[str, str | None] = {}
    probes = 0
    for match in _CALLED_NAME.finditer(text, prologue.end):
        name = match["name"]
        if name not in known:
            if len(known) == _MAX_NAMES:
                return
            known[name] = _unknown_function(text[: prologue.end], name, base_iri)
        if known[name] is None:
            continue
        if probes == _MAX_PROBES:
            return
        probes += 1
        if _is_call(text, match, parse):
            raise SparqlRefused(FUNCTION_REASON.format(iri=known[name], where=_position(text, match.start())))


def _unknown_function(prologue: str, name: str, base_iri: str | None) -> str | None:
    """The IRI of `name` if it would be called as a function the engine lacks; else None."""
    probe = f"{prologue}\nSELECT ({name}(1) AS ?x) {{}}"
    try:
        _PARSER_STORE.query(probe, base_iri=base_iri, default_graph=[], named_graphs=[])
    except SyntaxError:
        return None  # not a name in this prologue (e.g. text inside a string)
    except RuntimeError as error:
        unknown = _UNKNOWN_FUNCTION.search(str(error))
        if unknown:
            return unknown.group(1)
        raise
    return None


def _is_call(text: str, match: re.Match[str], parse: _Parse) -> bool:
    """True if the parenthesis after the name opens the argument list of a call of it."""
    inside = match.end() if match["nil"] is None else match.start("nil")
    first, comma = ("1, 1", ",") if match["nil"] is not None else ("1, ", ", ")
    return (parse(text[:inside] + first + text[inside:]) is None
            and parse(text[:inside] + comma + text[inside:]) is not None)
