"""The W3C SPARQL 1.1 Protocol suite, driven by its manifest, against /sparql with a bearer token, on both databases.

Every entry of tests/linkeddata/data/w3c/protocol/manifest.ttl is run: each of its HTTP requests is sent
as written (path `/sparql/` becomes `/sparql`, every request carries `Authorization: Bearer ...`) and
its expected status class, result format and boolean are checked. Entries that cannot apply as
written to a read-only endpoint whose data comes from pages are listed in HOW_APPLIED with the reason:

* the dataset entries load data1/2/3.nt into named graphs <http://kasei.us/.../dataN.rdf>; here the
  equivalent data is page N in space N (`<page N> a lmi:Page` in the space's graph, as dataN.nt says
  `<dataN.rdf> a foaf:Document`), so the graph IRIs in the parameters (and after FROM) become the
  spaces' graphs and the data IRIs in the queries become the pages';
* the update entries must be refused (read-only): their update answers 400, and the query that
  follows, which checks the update's effect, must find nothing written (its expected `true` becomes `false`).

The dataset is also what the rights rule lets a caller read, so these run on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from rdflib import Graph
from sqlalchemy import Engine

from app.auth.models import Visibility
from app.main import create_app
from app.linkeddata.sparql import GRAPH_FORMATS, SOLUTION_FORMATS
from tests.conftest import TransactionalDatabase, settings_for
from tests.factories import Person, make_person, make_space, post_page
from tests.linkeddata.w3c_manifests import HttpRequest, ProtocolTest, protocol_tests

BASE = "http://localhost:8000/"
KASEI = "http://kasei.us/2009/09/sparql/data/"
TESTS = protocol_tests()

ADAPTED = ("adapted: loads dataN.nt into the named graph <kasei.us/.../dataN.rdf>; here dataN is a page in "
           "space N and the graph and data IRIs are those of the spaces and pages")
REFUSED = ("refused: an update, which a read-only endpoint answers with 400; the follow-up query checks the "
           "update's effect, so it must now answer false (nothing was written)")
HOW_APPLIED = {
    "query_dataset_default_graphs_get": ADAPTED, "query_dataset_default_graphs_post": ADAPTED,
    "query_dataset_named_graphs_post": ADAPTED, "query_dataset_named_graphs_get": ADAPTED,
    "query_dataset_full": ADAPTED, "query_multiple_dataset": ADAPTED,
    "update_dataset_default_graph": REFUSED, "update_dataset_default_graphs": REFUSED,
    "update_dataset_named_graphs": REFUSED, "update_dataset_full": REFUSED, "update_post_form": REFUSED,
    "update_post_direct": REFUSED, "update_base_uri": REFUSED,
}
GRAPH_PARAMETERS = ("default-graph-uri", "named-graph-uri")
_DATA_IRI = re.compile(rf"<{re.escape(KASEI)}(data\d)\.rdf>")
_FROM_DATA = re.compile(rf"(FROM\s+(?:NAMED\s+)?)<{re.escape(KASEI)}(data\d)\.rdf>", re.IGNORECASE)


@dataclass
class World:
    client: TestClient
    alice: Person  # owns the three data spaces
    bob: Person  # may read none of them
    graphs: dict[str, str]  # "data1" -> the graph IRI of space 1
    pages: dict[str, str]  # "data1" -> the IRI of the page in space 1

    def adapt_graph(self, iri: str) -> str:
        """A manifest graph name as the graph that holds the equivalent data here."""
        name = iri.removeprefix(KASEI).removesuffix(".rdf")
        return self.graphs[name] if iri.startswith(KASEI) and name in self.graphs else iri

    def adapt_query(self, text: str) -> str:
        text = _FROM_DATA.sub(lambda m: f"{m[1]}<{self.graphs[m[2]]}>", text)
        return _DATA_IRI.sub(lambda m: f"<{self.pages[m[1]]}>", text)

    def adapt_field(self, name: str, value: str) -> str:
        if name == "query":
            return self.adapt_query(value)
        return self.adapt_graph(value) if name in GRAPH_PARAMETERS else value


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Alice's three spaces, one page each (the suite's data1..3), and Bob; rolled back at the end."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        database = TransactionalDatabase(connection)
        app = create_app(settings_for("sqlite://", tmp_path_factory.mktemp("w3c-protocol")), database=database)
        with TestClient(app, raise_server_exceptions=False) as client, database.session(write=True) as session:
            alice, bob = make_person(session), make_person(session)
            graphs, pages = {}, {}
            for n in (1, 2, 3):
                space = make_space(session, alice.user, Visibility.members)
                page = post_page(client, alice, space.id, f"Data {n}")
                graphs[f"data{n}"], pages[f"data{n}"] = f"{BASE}graph/space/{space.id}", f"{BASE}id/page/{page['id']}"
            yield World(client, alice, bob, graphs, pages)
    finally:
        outer.rollback()
        connection.close()


def send(world: World, request: HttpRequest, person: Person | None = None) -> Response:
    """One manifest request, adapted as the module docstring says, as `person` (Alice by default)."""
    path, _, query_string = request.path.partition("?")
    assert path == "/sparql/", request.path
    params = [(name, world.adapt_field(name, value)) for name, value in parse_qsl(query_string, keep_blank_values=True)]
    content = None
    if request.body is not None:
        body, media = request.body, request.headers.get("content-type", "")
        if media.startswith("application/x-www-form-urlencoded"):
            body = urlencode([(n, world.adapt_field(n, v)) for n, v in parse_qsl(body, keep_blank_values=True)])
        elif media.startswith("application/sparql-query"):
            body = world.adapt_query(body)
        content = body.encode(request.body_encoding)
    headers = {**request.headers, **(person or world.alice).headers}
    return world.client.request(request.method, "/sparql", params=params, content=content, headers=headers)


def check(response: Response, request: HttpRequest, expect_boolean: bool | None) -> None:
    """The manifest's expectations: status class, result format, boolean; errors are problem+json."""
    said = f"{request.method} {request.path[:120]}: {response.status_code} {response.text[:400]}"
    assert f"{response.status_code // 100}xx" in request.expected_status, said
    media = response.headers.get("content-type", "").split(";")[0]
    if response.status_code >= 400:
        assert media == "application/problem+json" and response.json()["detail"], said
    if request.expected_format == "boolean":
        assert media in SOLUTION_FORMATS, said
        assert isinstance(response.json()["boolean"], bool), said
    elif request.expected_format == "tabular":
        assert media in SOLUTION_FORMATS and "results" in response.json(), said
    elif request.expected_format == "RDF":
        assert media in GRAPH_FORMATS, said
        Graph().parse(data=response.text, format=media)
    if expect_boolean is not None:
        assert response.json()["boolean"] is expect_boolean, said


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol_entry(world: World, test: ProtocolTest) -> None:
    assert bool(test.graph_data) == (HOW_APPLIED.get(test.name) == ADAPTED), "every entry with data is adapted"
    if HOW_APPLIED.get(test.name) == REFUSED:
        update, *follow_ups = test.requests
        refused = send(world, update)
        assert refused.status_code == 400, refused.text
        assert "read-only" in refused.json()["detail"]
        for request in follow_ups:
            check(send(world, request), request, expect_boolean=False if request.expected_boolean else None)
        return
    for request in test.requests:
        check(send(world, request), request, request.expected_boolean)


def test_every_exception_names_a_manifest_entry() -> None:
    assert set(HOW_APPLIED) <= {t.name for t in TESTS}
    assert len(TESTS) == 34


# Beyond the suite: the dataset parameters narrow what the caller may read and never widen it.

def ask(world: World, query: str, person: Person | None = None, **graphs: list[str]) -> bool:
    params = [("query", query)] + [(name.replace("_", "-"), iri) for name, iris in graphs.items() for iri in iris]
    response = world.client.get("/sparql", params=params, headers=(person or world.alice).headers)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_the_parameters_really_narrow_the_dataset(world: World) -> None:
    page1, page2 = (f"<{world.pages[n]}> a ?t" for n in ("data1", "data2"))
    one = [world.graphs["data1"]]
    assert ask(world, f"ASK {{ {page1} . {page2} }}")  # control: without parameters Alice reads all three
    assert ask(world, f"ASK {{ {page1} }}", default_graph_uri=one)
    assert not ask(world, f"ASK {{ {page2} }}", default_graph_uri=one)
    assert not ask(world, "ASK { ?s ?p ?o }", named_graph_uri=one)  # only named graphs: the default graph is empty
    assert ask(world, f"ASK {{ GRAPH <{one[0]}> {{ {page1} }} }}", named_graph_uri=one)
    assert not ask(world, f"ASK {{ GRAPH ?g {{ {page2} }} }}", named_graph_uri=one)
    assert not ask(world, f"ASK FROM <{world.graphs['data2']}> {{ {page2} }}", default_graph_uri=one)


def test_from_and_from_named_narrow_the_same_way(world: World) -> None:
    """Without protocol parameters the query's own FROM / FROM NAMED choose graphs, again only readable ones."""
    g1, page1, page2 = world.graphs["data1"], world.pages["data1"], world.pages["data2"]
    relative = g1.removeprefix(BASE)
    assert ask(world, f"ASK FROM <{g1}> {{ <{page1}> a ?t }}")
    assert ask(world, f"ASK FROM <{relative}> {{ <{page1}> a ?t }}")  # resolved against the service's base IRI
    assert not ask(world, f"ASK FROM <{g1}> {{ <{page2}> a ?t }}")
    assert not ask(world, f"ASK FROM NAMED <{g1}> {{ ?s ?p ?o }}")  # only named graphs: the default graph is empty
    assert ask(world, f"ASK FROM NAMED <{g1}> {{ GRAPH ?g {{ <{page1}> a ?t }} }}")
    assert not ask(world, f"ASK FROM <{g1}> {{ ?s ?p ?o }}", world.bob)  # Bob may not read it: an empty graph
    assert ask(world, f"ASK FROM <{g1}> {{ ?s ?p ?o }}", world.bob, default_graph_uri=[f"{BASE}graph/ontology"])


def test_an_unreadable_graph_is_exactly_a_graph_that_does_not_exist(world: World) -> None:
    private, missing = world.graphs["data1"], f"{BASE}graph/space/987654"
    query = "SELECT ?g ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    answers = {}
    for graph in (private, missing):
        for parameter in GRAPH_PARAMETERS:
            response = world.client.get("/sparql", params={"query": query, parameter: graph}, headers=world.bob.headers)
            assert response.status_code == 200, response.text
            answers[graph, parameter] = response.content
    assert len(set(answers.values())) == 1 and b'"bindings":[]' in answers[private, "default-graph-uri"]
    assert ask(world, "ASK { ?s ?p ?o }", default_graph_uri=[private])  # control: the owner reads it
    assert not ask(world, "ASK { ?s ?p ?o }", world.bob, default_graph_uri=[private, missing])


@pytest.mark.parametrize(("params", "words"), [
    ({"query": "ASK {}", "default-graph-uri": "not an iri"}, "default-graph-uri='not an iri' is not an absolute IRI"),
    ({"query": "ASK {}", "named-graph-uri": "graph/space/1"}, "named-graph-uri='graph/space/1' is not an absolute IRI"),
    ({"query": "ASK {}", "update": "CLEAR ALL"}, "read-only"),
    ({"query": ""}, "Send a SPARQL query"),
    ({}, "Send a SPARQL query"),
])
def test_bad_get_requests_say_what_to_change(world: World, params: dict[str, str], words: str) -> None:
    response = world.client.get("/sparql", params=params, headers=world.alice.headers)
    assert response.status_code == 400, response.text
    assert words in response.json()["detail"]


@pytest.mark.parametrize(("url", "media", "body", "status", "words"), [
    ("/sparql?query=ASK%20%7B%7D", "application/sparql-query", "ASK {}", 400, "do not also send a `query`"),
    ("/sparql", "application/x-www-form-urlencoded", "query=ASK+%7B%7D&query=ASK+%7B%7D", 400, "2 `query` parameters"),
    ("/sparql", "application/x-www-form-urlencoded", "query=ASK+%7B%7D&update=CLEAR+ALL", 400, "read-only"),
    ("/sparql", "application/x-www-form-urlencoded", "query=%FF", 400, "not valid UTF-8"),
    ("/sparql", "application/sparql-query", b"ASK {\xff}", 400, "not valid UTF-8"),
    ("/sparql", "application/json", '{"query": "ASK {}"}', 415, "application/sparql-query"),
    ("/sparql", "application/sparql-query; charset=latin-1", "ASK {}", 415, "UTF-8"),
])
def test_bad_posts_say_what_to_change(world: World, url: str, media: str, body: str | bytes, status: int,
                                      words: str) -> None:
    response = world.client.post(url, content=body, headers={**world.alice.headers, "Content-Type": media})
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_a_form_post_may_name_its_graphs_in_the_body(world: World) -> None:
    body = urlencode({"query": f"ASK {{ <{world.pages['data2']}> ?p ?o }}", "default-graph-uri": world.graphs["data1"]})
    headers = {**world.alice.headers, "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    assert world.client.post("/sparql", content=body, headers=headers).json()["boolean"] is False
    body = urlencode({"query": f"ASK {{ <{world.pages['data2']}> ?p ?o }}", "default-graph-uri": world.graphs["data2"]})
    assert world.client.post("/sparql", content=body, headers=headers).json()["boolean"] is True


def test_the_suite_needs_the_bearer_token(world: World) -> None:
    response = world.client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
