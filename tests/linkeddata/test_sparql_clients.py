"""Standard SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) against the real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper

from app.auth import service as account_service
from app.auth.models import Role, TokenKind, Visibility
from tests.conftest import SECRET, migrated_database
from tests.factories import make_space
from tests.live_server import LiveServer

SELECT = """PREFIX lmi: <https://w3id.org/mature-lmi/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title ?pay WHERE { ?page a lmi:Page ; dcterms:title ?title ; lmi:medianPay/<https://schema.org/value> ?pay }
ORDER BY ?title"""


@pytest.fixture(scope="module")
def live(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("sparql-clients")
    url, database = migrated_database(backend, tmp, request)
    with database.transaction() as session:
        alice = account_service.create_user(session, "alice", "Alice", Role.adviser, None)
        bob = account_service.create_user(session, "bob", "Bob", Role.adviser, None)
        tokens = {name: account_service.issue_token(session, SECRET, user, TokenKind.personal, "t", None).token
                  for name, user in (("alice", alice), ("bob", bob))}
        space_id = make_space(session, alice, Visibility.organisation).id
        private_id = account_service.personal_space_id(session, alice)
    server = LiveServer(url, tmp, SECRET, workers=2)  # each worker keeps its own store current
    try:
        server.wait_until_up()
        for space, title, pay in ((space_id, "Care work", "£24,000"), (space_id, "Nursing", "36000 GBP"),
                                  (private_id, "Secret plans", "99000 GBP")):
            response = httpx.post(f"{server.url}/api/pages", headers={"Authorization": f"Bearer {tokens['alice']}"},
                                  json={"space_id": space, "title": title, "content": f"[[Median pay::{pay}]]\n"})
            assert response.status_code == 201, response.text
        yield {"url": server.url, "tokens": tokens}
    finally:
        server.stop()
        database.dispose()


def wrapper(live: dict, who: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{live['url']}/sparql")
    client.addCustomHttpHeader("Authorization", f"Bearer {live['tokens'][who]}")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST], ids=["GET", "POST"])
def test_sparqlwrapper_json(live, method):
    rows = wrapper(live, "bob", SELECT, JSON, method).query().convert()["results"]["bindings"]
    assert [(r["title"]["value"], float(r["pay"]["value"])) for r in rows] == [("Care work", 24000.0), ("Nursing", 36000.0)]


def test_sparqlwrapper_xml_csv_tsv(live):
    xml = wrapper(live, "bob", SELECT, XML).query().convert()
    literals = [node.firstChild.data for node in xml.getElementsByTagName("literal")]
    assert "Care work" in literals and "Secret plans" not in literals
    csv_text = wrapper(live, "bob", SELECT, CSV).query().convert().decode()
    assert csv_text.splitlines()[0] == "title,pay" and "Nursing" in csv_text and "Secret" not in csv_text
    tsv_text = wrapper(live, "alice", SELECT, TSV).query().convert().decode()
    assert tsv_text.splitlines()[0] == "?title\t?pay" and "Secret plans" in tsv_text


def test_sparqlwrapper_ask_and_construct(live):
    ask = 'PREFIX dcterms: <http://purl.org/dc/terms/> ASK { ?p dcterms:title "Secret plans" }'
    assert wrapper(live, "alice", ask, JSON).query().convert()["boolean"] is True
    assert wrapper(live, "bob", ask, JSON).query().convert()["boolean"] is False
    construct = "PREFIX dcterms: <http://purl.org/dc/terms/> CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p dcterms:title ?t }"
    turtle = wrapper(live, "bob", construct, TURTLE).query().convert()
    graph = Graph().parse(data=turtle, format="turtle")
    titles = {str(o) for o in graph.objects(None, URIRef("http://purl.org/dc/terms/title"))}
    assert {"Care work", "Nursing"} <= titles and "Secret plans" not in titles


def test_rdflib_sparqlstore(live):
    store = SPARQLStore(f"{live['url']}/sparql", headers={"Authorization": f"Bearer {live['tokens']['bob']}"})
    rows = list(Graph(store=store).query(SELECT))
    assert [str(row.title) for row in rows] == ["Care work", "Nursing"]


def test_every_worker_sees_a_new_page_at_once(live):
    """Two worker processes each keep their own store; both follow the change log before answering."""
    headers = {"Authorization": f"Bearer {live['tokens']['bob']}"}
    for _ in range(4):  # warm both workers' stores first
        httpx.get(f"{live['url']}/sparql", params={"query": SELECT}, headers=headers)
    space_id = httpx.get(f"{live['url']}/api/spaces", headers=headers).json()["items"][0]["id"]
    alice = {"Authorization": f"Bearer {live['tokens']['alice']}"}
    created = httpx.post(f"{live['url']}/api/pages", headers=alice,
                         json={"space_id": space_id, "title": "Zoology technicians",
                               "content": "[[Median pay::25000 GBP]]\n"})
    assert created.status_code == 201
    for _ in range(8):  # the load balancer of uvicorn's workers spreads these over both processes
        rows = wrapper(live, "bob", SELECT, JSON).query().convert()["results"]["bindings"]
        assert "Zoology technicians" in [r["title"]["value"] for r in rows]
