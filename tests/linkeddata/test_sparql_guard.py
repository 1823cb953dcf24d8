"""The SPARQL guard: which queries the read-only endpoint accepts, and what it tells people it refuses.

The SERVICE cases include spellings Oxigraph accepts and that really contacted a test server
(glued keywords, prefixed-name endpoints, a comment hiding the end of a would-be IRI).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import pytest

from app.linkeddata.sparql_guard import (
    MAX_QUERY_LENGTH,
    MAX_SUPPORTED_LENGTH,
    READ_ONLY_REASON,
    QueryForm,
    SparqlRefused,
    inspect_query,
)
from tests.live_server import recording_server

TYPICAL = """PREFIX schema: <http://schema.org/>
PREFIX lmi: <https://lmi.example.org/ns#>
SELECT ?job ?title ?salary WHERE {
  ?job a schema:Occupation ; schema:name ?title .
  OPTIONAL { ?job lmi:medianSalary ?salary }
  FILTER(CONTAINS(LCASE(?title), "engineer") && (!BOUND(?salary) || ?salary > 30000))
} ORDER BY DESC(?salary) ?title LIMIT 50 OFFSET 10"""

ACCEPTED = [
    ("select-filter-order-limit", TYPICAL, "SELECT"),
    ("select-lowercase", "select ?s where { ?s ?p ?o } limit 5", "SELECT"),
    (
        "select-aggregate",
        "SELECT ?s (COUNT(?o) AS ?n) { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(?o) > 1)",
        "SELECT",
    ),
    (
        "select-optional-union-minus",
        "SELECT * { { ?s ?p ?o } UNION { ?o ?p ?s } OPTIONAL { ?s a ?t } MINUS { ?s a ?x } }",
        "SELECT",
    ),
    ("select-subquery", "SELECT * { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } }", "SELECT"),
    ("ask", "ASK { ?s ?p ?o }", "ASK"),
    ("ask-glued", "ASKWHERE{}", "ASK"),
    ("construct", "CONSTRUCT { ?s <http://e/q> ?o } WHERE { ?s <http://e/p> ?o }", "CONSTRUCT"),
    ("construct-where", "CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("describe-iri", "DESCRIBE <http://example.org/job/1>", "DESCRIBE"),
    ("describe-var", "DESCRIBE ?job WHERE { ?job a <http://schema.org/Occupation> }", "DESCRIBE"),
    ("prefix-and-base", "BASE <http://example.org/> PREFIX ex: <ns#> SELECT * { <a> ex:p ?o }", "SELECT"),
    ("glued-prologue", "PREFIX:<http://a/>SELECT*{:a :b :c}", "SELECT"),
    ("version-declaration", 'VERSION "1.2" PREFIX ex: <http://e/> ASK { ?s ex:p ?o }', "ASK"),
    ("comments-before-form", "# find jobs\n# service desk\nSELECT * { ?s ?p ?o }", "SELECT"),
    ("service-in-short-string", "SELECT * { ?s ?p 'SERVICE <http://x/> { ?a ?b ?c }' }", "SELECT"),
    ("service-in-long-string", 'SELECT * { ?s ?p """a\nservice silent <http://x/> {}\n""" }', "SELECT"),
    ("service-in-filter-string", 'SELECT * { ?s ?p ?o FILTER(CONTAINS(?o, "customer service")) }', "SELECT"),
    ("service-in-iri", "SELECT * { ?s <http://example.org/service> ?o }", "SELECT"),
    ("service-in-iri-with-fragment", "SELECT * { ?s a <http://example.org/ns/Service#it> }", "SELECT"),
    ("service-in-comment", "SELECT * { ?s ?p ?o # SERVICE <http://x/> { }\n}", "SELECT"),
    ("service-as-variable", "SELECT ?service { ?service ?p ?o } GROUP BY ?service", "SELECT"),
    ("service-as-prefix", "PREFIX service: <http://e/svc/> SELECT * { ?s service:name ?o }", "SELECT"),
    (
        "service-as-local-name",
        "PREFIX ex: <http://e/> SELECT * { ?s a ex:Service ; ex:service ?o }",
        "SELECT",
    ),
    ("service-in-language-tag", "SELECT * { ?s ?p 'help'@en-service }", "SELECT"),
    (
        "from-http",
        "SELECT * FROM <http://example.org/g1> FROM NAMED <https://example.org/g2> { ?s ?p ?o }",
        "SELECT",
    ),
    ("from-glued", "SELECT*FROM<http://a/>FROM NAMED<http://b/>{}", "SELECT"),
    (
        "from-prefixed-http",
        "PREFIX g: <https://lmi.example.org/graph/> SELECT * FROM g:jobs { ?s ?p ?o }",
        "SELECT",
    ),
    ("from-in-string-and-variable", "SELECT ?from { ?from ?p 'from <file:///etc/passwd>' }", "SELECT"),
]


@pytest.mark.parametrize(
    ("query", "form"), [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_accepted_queries_report_their_form(query: str, form: QueryForm) -> None:
    assert inspect_query(query).form == form


SERVICE_CASES = [
    ("plain", "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"),
    ("lowercase", "select * { service <http://example.org/sparql> { ?s ?p ?o } }"),
    ("mixed-case", "SELECT * { SeRvIcE <http://example.org/sparql> { ?s ?p ?o } }"),
    ("silent", "SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }"),
    ("variable-endpoint", "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }"),
    ("prefixed-endpoint", "PREFIX ep: <http://x/> SELECT * { SERVICE ep:sparql { ?s ?p ?o } }"),
    ("in-optional", "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://x/> { ?s ?q ?r } } }"),
    ("in-union", "SELECT * { { ?s ?p ?o } UNION { SERVICE <http://x/> { ?s ?p ?o } } }"),
    ("in-minus", "SELECT * { ?s ?p ?o MINUS { SERVICE <http://x/> { ?s ?p ?o } } }"),
    ("in-subquery", "SELECT * { { SELECT ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }"),
    ("in-filter-exists", "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }"),
    ("in-graph", "SELECT * { GRAPH ?g { SERVICE <http://x/> { ?s ?p ?o } } }"),
    ("in-ask", "ASK { SERVICE <http://x/> { ?s ?p ?o } }"),
    ("in-construct", "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }"),
    ("in-describe", "DESCRIBE ?s WHERE { SERVICE <http://x/> { ?s ?p ?o } }"),
    ("comment-between", "SELECT * { SERVICE # where?\n <http://x/> { ?s ?p ?o } }"),
    ("glued-silent", "SELECT * { ?s ?p ?o SERVICESILENT<http://x/>{ ?s ?p ?o } }"),
    ("glued-to-number", "SELECT * { ?s ?p 1SERVICE<http://x/>{ ?s ?p ?o } }"),
    ("glued-to-string", "SELECT * { ?s ?p 'x'SERVICE<http://x/>{ ?s ?p ?o } }"),
    ("glued-empty-prefix", "PREFIX : <http://x/> SELECT * { SERVICE:sparql { ?s ?p ?o } }"),
    (
        "looks-like-iri-to-a-lexer",
        "SELECT * { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE?x#>\n{ ?s ?p ?o } }",
    ),
    (
        "next-to-decoys",
        "PREFIX service: <http://e/> SELECT ?service { ?service service:p 'service' SERVICE <http://x/> {} }",
    ),
]


@pytest.mark.parametrize(
    "query", [case[1] for case in SERVICE_CASES], ids=[case[0] for case in SERVICE_CASES]
)
def test_service_is_refused_wherever_and_however_it_is_written(query: str) -> None:
    with pytest.raises(SparqlRefused) as refused:
        inspect_query(query)
    assert refused.value.reason.startswith("SERVICE is not allowed (line ")
    assert (
        "this endpoint never contacts other servers; copy the data you need into a page instead"
        in refused.value.reason
    )


def test_service_refusal_points_at_the_keyword() -> None:
    query = (
        "PREFIX ex: <http://e/service/>\n"
        "SELECT * {\n"
        "  ?s ex:p 'service'\n"
        "  OPTIONAL { service <http://x/> {} }\n"
        "}"
    )
    with pytest.raises(SparqlRefused, match=r"SERVICE is not allowed \(line 4, column 14\)"):
        inspect_query(query)


UPDATES = [
    ("insert-data", "INSERT DATA { <http://a> <http://b> <http://c> }"),
    ("delete-data", "DELETE DATA { <http://a> <http://b> <http://c> }"),
    ("delete-where", "PREFIX ex: <http://e/> DELETE WHERE { ?s ex:p ?o }"),
    ("delete-insert-where", "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }"),
    ("with", "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"),
    ("load", "LOAD <file:///etc/passwd> INTO GRAPH <http://g>"),
    ("load-silent-lowercase", "load silent <http://example.org/data.ttl>"),
    ("clear", "CLEAR ALL"),
    ("create", "CREATE GRAPH <http://g>"),
    ("drop", "DROP DEFAULT"),
    ("copy", "COPY <http://a> TO <http://b>"),
    ("move", "MOVE DEFAULT TO <http://b>"),
    ("add", "ADD <http://a> TO <http://b>"),
    ("several-operations", "CLEAR DEFAULT ; INSERT DATA { <http://a> <http://b> <http://c> }"),
    ("after-comment-and-base", "# tidy up\nBASE <http://e/> DROP GRAPH <g>"),
    ("glued", "INSERTDATA{<http://a> <http://b> <http://c>}"),
]


@pytest.mark.parametrize("update", [case[1] for case in UPDATES], ids=[case[0] for case in UPDATES])
def test_updates_are_refused_as_read_only(update: str) -> None:
    with pytest.raises(SparqlRefused) as refused:
        inspect_query(update)
    assert refused.value.reason == READ_ONLY_REASON
    assert refused.value.reason.startswith(
        "This endpoint is read-only; updates (INSERT, DELETE, LOAD, CLEAR, ...) are refused"
    )


DATASETS = [
    ("file-from", "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", "FROM <file:///etc/passwd>", "file:"),
    ("urn-from-named", "SELECT * FROM NAMED <urn:x:y> { ?s ?p ?o }", "FROM NAMED <urn:x:y>", "urn:"),
    ("relative-to-file-base", "BASE <file:///etc/> SELECT * FROM <passwd> { }", "FROM <passwd>", "file:"),
    ("file-prefix", "PREFIX f: <file:///etc/> ASK FROM f:passwd { }", "FROM f:passwd", "file:"),
    ("lowercase-glued", "select*from<ftp://example.org/g>{}", "FROM <ftp://example.org/g>", "ftp:"),
    (
        "second-clause",
        "SELECT * FROM <http://ok/> FROM NAMED <file:///x> { }",
        "FROM NAMED <file:///x>",
        "file:",
    ),
    ("construct", "CONSTRUCT { ?s ?p ?o } FROM <file:///x> WHERE { ?s ?p ?o }", "FROM <file:///x>", "file:"),
    ("describe", "DESCRIBE <http://a> FROM <file:///x>", "FROM <file:///x>", "file:"),
    (
        "after-many-web-graphs",
        "SELECT *" + " FROM <http://ok/>" * 40 + " FROM NAMED <file:///x> {}",
        "FROM NAMED <file:///x>",
        "file:",
    ),
]


@pytest.mark.parametrize(
    ("query", "clause", "scheme"), [case[1:] for case in DATASETS], ids=[case[0] for case in DATASETS]
)
def test_non_web_dataset_clauses_are_refused(query: str, clause: str, scheme: str) -> None:
    with pytest.raises(SparqlRefused) as refused:
        inspect_query(query)
    reason = refused.value.reason
    assert reason.startswith(f"{clause} is not allowed: its IRI uses the {scheme} scheme")
    assert "only http(s) graph IRIs may be named" in reason
    assert "never reads files or other servers" in reason
    assert "always runs over the graphs you can see" in reason


SYNTAX_ERRORS = [
    ("bad-filter", "SELECT * WHERE { ?s ?p ?o .\n  FILTER(?x = ) }", "error at 2:"),
    ("unclosed-brace", "SELECT * { ?s ?p ?o", "error at 1:"),
    ("unknown-prefix", "SELECT * { ?s ex:p ?o }", "error at 1:"),
    ("select-star-group-by", "SELECT * { ?s ?p ?o } GROUP BY ?s", "error at 1:"),
    ("not-sparql", "hello", "error at 1:"),
    ("prologue-only", "PREFIX ex: <http://e/>", "error at 1:"),
    ("relative-iri-without-base", "SELECT * FROM <data.ttl> {}", "error at 1:"),
    # Oxigraph does not decode \u escapes outside strings, so this is not a SERVICE keyword.
    ("escaped-keyword", "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", "error at 1:"),
    ("invalid-service", "SELECT * { SERVICE <http://x/> }", "error at 1:"),
    # Words that merely start like update verbs are ordinary mistakes, not updates.
    ("word-like-an-update-verb", "Address of the service?", "error at 1:"),
]


@pytest.mark.parametrize(
    ("query", "position"), [case[1:] for case in SYNTAX_ERRORS], ids=[case[0] for case in SYNTAX_ERRORS]
)
def test_syntax_errors_carry_the_parsers_line_and_column(query: str, position: str) -> None:
    with pytest.raises(SparqlRefused) as refused:
        inspect_query(query)
    reason = refused.value.reason
    assert reason.startswith(f"The query is not valid SPARQL ({position}")
    assert reason.endswith("Check the query at that line:column.")
    assert len(reason) < 600


def test_syntax_error_message_names_the_exact_position() -> None:
    with pytest.raises(SparqlRefused, match=r"\(error at 2:17: expected"):
        inspect_query("SELECT * WHERE { ?s ?p ?o .\n FILTER(?x = ) }")


@pytest.mark.parametrize("query", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_empty_queries_are_refused(query: str) -> None:
    with pytest.raises(
        SparqlRefused, match="The query is empty: send a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE"
    ):
        inspect_query(query)


def _padded(length: int) -> str:
    """A valid query of exactly `length` characters (a comment pads it)."""
    head = "SELECT * { ?s ?p ?o }\n#"
    return head + "x" * (length - len(head))


def test_length_limit_is_inclusive_and_reported() -> None:
    assert inspect_query(_padded(MAX_QUERY_LENGTH)).form == "SELECT"
    with pytest.raises(SparqlRefused) as refused:
        inspect_query(_padded(MAX_QUERY_LENGTH + 1))
    assert refused.value.reason.startswith("The query is 20,001 characters long; the limit is 20,000.")


def test_length_limit_cannot_outgrow_the_parsers_stack() -> None:
    with pytest.raises(ValueError, match="overflow the parser's stack"):
        inspect_query("ASK {}", max_length=MAX_SUPPORTED_LENGTH + 1)


def test_length_limit_can_be_lowered() -> None:
    with pytest.raises(SparqlRefused, match="the limit is 10"):
        inspect_query("ASK { ?s ?p ?o }", max_length=10)


def test_refusal_reason_is_the_message_and_info_is_frozen() -> None:
    with pytest.raises(SparqlRefused) as refused:
        inspect_query("")
    assert str(refused.value) == refused.value.reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        inspect_query("ASK {}").form = "SELECT"  # type: ignore[misc]


def test_inspection_never_evaluates_the_query() -> None:
    values = " ".join(str(i) for i in range(1500))
    heavy = f"SELECT * {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }} ORDER BY DESC(?a + ?b)"
    started = time.perf_counter()
    assert inspect_query(heavy).form == "SELECT"  # evaluating it takes seconds
    assert time.perf_counter() - started < 0.5


HALF = MAX_QUERY_LENGTH // 2 - 20
DEEP = [
    ("braces", "SELECT * " + "{" * HALF + "}" * HALF),
    ("parentheses", "SELECT * { FILTER(" + "(" * HALF + "1" + ")" * HALF + ") }"),
    ("blank-nodes", "SELECT * { ?s ?p " + "[?p" * (HALF // 2) + " 1" + "]" * (HALF // 2) + " }"),
    ("filter-exists", "SELECT * " + "{FILTER EXISTS" * (HALF // 8) + "{}" + "}" * (HALF // 8)),
]


@pytest.mark.parametrize("query", [case[1] for case in DEEP], ids=[case[0] for case in DEEP])
def test_deeply_nested_queries_do_not_crash_the_process(query: str) -> None:
    # On a default 8 MB thread stack Oxigraph's parser segfaults on these; from a small-stack
    # thread the guard must still answer, because it parses on its own big-stack thread.
    answers: list[str] = []
    previous = threading.stack_size(1024 * 1024)
    try:
        thread = threading.Thread(target=lambda: answers.append(inspect_query(query).form))
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    assert answers == ["SELECT"]


@pytest.fixture
def loopback_requests() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    with recording_server(500) as (url, seen):
        yield f"{url}/sparql", seen


def test_refusing_service_never_contacts_the_endpoint(loopback_requests: tuple[str, list[str]]) -> None:
    endpoint, seen = loopback_requests
    for query in (
        f"ASK {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{endpoint}> {{}} }}",
    ):
        with pytest.raises(SparqlRefused):
            inspect_query(query)
    time.sleep(0.1)
    assert seen == []


def test_typical_queries_are_inspected_in_well_under_two_milliseconds() -> None:
    queries = [TYPICAL, "SELECT * { ?s <http://example.org/service> ?o }", "ASK { ?s ?p 'from here' }"]
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        for query in queries:
            inspect_query(query)
    assert (time.perf_counter() - started) / (runs * len(queries)) < 0.002


@pytest.mark.parametrize(("query", "default", "named"), [
    ("SELECT * FROM <http://g/1> FROM NAMED <http://g/2> FROM <http://g/3> {}",
     ("http://g/1", "http://g/3"), ("http://g/2",)),
    ("BASE <http://e.org/a/> PREFIX g: <graph/> SELECT * FROM g:s\\-1 FROM NAMED <../b> {}",
     ("http://e.org/a/graph/s-1",), ("http://e.org/b",)),
    ("SELECT * FROM <graph/space/2> {}", ("http://localhost:8000/graph/space/2",), ()),
    ("SELECT * { ?s ?p \"data from <http://g/1>\" } # from <http://g/2>", (), ()),
])
def test_the_graphs_a_query_names_are_reported_resolved(query: str, default: tuple, named: tuple) -> None:
    info = inspect_query(query, base_iri="http://localhost:8000/")
    assert (info.from_graphs, info.from_named) == (default, named)
