"""The W3C SPARQL 1.1 query-syntax suite, driven by its manifest, against POST /sparql with a bearer token.

Every entry of tests/linkeddata/data/w3c/syntax-query/manifest.ttl is sent as an application/sparql-query
body: a mf:PositiveSyntaxTest11 must be accepted and answered (2xx), except the few listed in
REFUSED_POSITIVE, which a read-only endpoint refuses on purpose with a clear 400; a mf:NegativeSyntaxTest11
must be a 400 problem+json naming the position of the error, never a 500.

Syntax is judged before the database is read, the same way on both databases, so this module runs on
SQLite only; one client and one user serve every entry (module scope) to keep the ~100 requests fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from tests.conftest import TransactionalDatabase, settings_for
from tests.factories import make_person
from tests.linkeddata.w3c_manifests import SyntaxTest, syntax_tests

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

TESTS = syntax_tests()

# Positive syntax tests this endpoint refuses on purpose: file -> (why, words the 400 must contain).
REFUSED_POSITIVE = {
    "syntax-select-expr-04.rq": (
        "calls the extension function <http://example/function>; the endpoint evaluates only the SPARQL "
        "built-ins and XSD casts, so it says so before running anything instead of failing mid-query",
        "<http://example/function>",
    ),
}


@pytest.fixture(scope="module")
def caller(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One signed-in client for the whole module, inside one transaction rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        database = TransactionalDatabase(connection)
        with database.session(write=True) as session:
            person = make_person(session)
        app = create_app(settings_for("sqlite://", tmp_path_factory.mktemp("w3c-syntax")), database=database)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, person.headers
    finally:
        outer.rollback()
        connection.close()


def _post(caller: tuple[TestClient, dict[str, str]], text: str):
    client, headers = caller
    return client.post("/sparql", content=text.encode("utf-8"),
                       headers={**headers, "Content-Type": "application/sparql-query"})


@sqlite_only
@pytest.mark.parametrize("test", TESTS, ids=[f"{t.name}:{t.file}" for t in TESTS])
def test_w3c_syntax_entry(caller, test: SyntaxTest) -> None:
    response = _post(caller, test.text)
    said = f"{test.file} ({'positive' if test.positive else 'negative'}): {response.status_code} {response.text[:500]}"
    if test.positive and test.file not in REFUSED_POSITIVE:
        assert 200 <= response.status_code < 300, said
        return
    assert response.status_code == 400, said
    assert response.headers["content-type"].startswith("application/problem+json"), said
    detail = response.json()["detail"]
    if test.positive:
        assert REFUSED_POSITIVE[test.file][1] in detail, said
    else:
        assert "not valid SPARQL" in detail and "error at " in detail, said


def test_the_suite_is_all_there_and_the_exceptions_are_real() -> None:
    """The manifest's counts as copied, and every listed exception names a positive test in it."""
    positive = {t.file for t in TESTS if t.positive}
    assert (len(TESTS), len(positive)) == (94, 63)
    assert set(REFUSED_POSITIVE) <= positive
    assert all(Path(__file__).parent.joinpath("data", "w3c", "syntax-query", t.file).is_file() for t in TESTS)


@sqlite_only
def test_relative_iris_resolve_against_the_service_base(caller) -> None:
    """`CONSTRUCT { <s> <p> 1 } WHERE {}` (protocol suite) builds IRIs under MATURE_BASE_IRI."""
    response = _post(caller, "CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert response.status_code == 200, response.text
    assert "<http://localhost:8000/s> <http://localhost:8000/p> 1" in response.text
    based = _post(caller, "BASE <http://example.org/x/> CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert "<http://example.org/x/s> <http://example.org/x/p> 1" in based.text


@sqlite_only
@pytest.mark.parametrize("query", [
    "PREFIX : <http://example/> SELECT (:function(?x) AS ?F) {}",
    "PREFIX : <http://example/> SELECT * { ?s ?p ?o FILTER(:f()) }",
    "PREFIX : <http://example/> SELECT ?s { ?s ?p ?o } ORDER BY :f(?s)",
    "SELECT * { ?s ?p ?o FILTER(<relative-fn> # a comment\n (?s)) }",
])
def test_unknown_functions_are_refused_by_name(caller, query: str) -> None:
    response = _post(caller, query)
    assert response.status_code == 400, response.text
    assert "is not available here" in response.json()["detail"]


@sqlite_only
@pytest.mark.parametrize("query", [
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:integer(\"7\") AS ?n) {}",
    "PREFIX : <http://example/> SELECT * { ?s :p (1 2) }",
    "PREFIX : <http://example/> SELECT * { ?s :p () }",
    "SELECT * { ?s ?p \"<http://example/f>(1)\" }",
    "SELECT * { ?s ?p ?o FILTER(?o < ?s && ?p > (1)) }",
])
def test_things_that_only_look_like_calls_still_run(caller, query: str) -> None:
    """Control for the refusal above: casts, lists, strings and comparisons are not unknown functions."""
    response = _post(caller, query)
    assert response.status_code == 200, response.text
