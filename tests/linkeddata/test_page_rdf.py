"""RDF of pages and revisions by content negotiation: GET /api/pages/{id} and /api/pages/{id}/revisions/{rid}
answer Turtle, JSON-LD, RDF/XML or N-Triples (Accept or ?format=), all the same graph; the graph holds the
typed annotations, the page's metadata and the PROV-O revision chain; unreadable pages stay invisible.

Graphs are compared with rdflib.compare.isomorphic, never as strings. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV
from sqlalchemy.orm import Session

from app.auth.models import Visibility
from app.linkeddata import export, rdf
from app.linkeddata.rdf import Iris
from tests.factories import Person, make_person, make_space, post_page

LMI = Namespace("https://w3id.org/mature-lmi/ontology#")
# A plain Namespace: pytest probes module globals, and rdflib's closed XSD namespace warns on that.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SCHEMA = Namespace("https://schema.org/")
SECTORS = Namespace("https://w3id.org/mature-lmi/sectors/")
REGIONS = Namespace("https://w3id.org/mature-lmi/regions/")

# rdflib's own JSON-LD parser still uses ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

FORMATS = {  # media type -> rdflib parser
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
FORMAT_PARAMS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
                 "nt": "application/n-triples"}

CONTENT = (
    "## Care work\n\n"
    "[[Sector::Health and social care]] jobs in the region; median pay [[Median pay::£27,500]].\n\n"
    "Review by [[Valid until::2027-03-31]].\n"
)
# No amount of money and no whole-number decimal: see test_money_survives_every_format.
PLAIN_CONTENT = (
    "[[Sector::Construction]] in the [[Region::North East]]: [[Vacancies::1,500]] openings, growth "
    "[[Growth forecast::3.5%]], see [[Source URL::https://www.ons.gov.uk/]], review by [[Valid until::31 March 2027]].\n"
)


@pytest.fixture
def outsider(session: Session) -> Person:
    return make_person(session)


@pytest.fixture
def iris(app: FastAPI) -> Iris:
    return Iris(app.state.settings.base_iri)


def create(client: TestClient, person: Person, space_id: int, title: str = "Care work", content: str = CONTENT,
           **extra) -> dict:
    return post_page(client, person, space_id, title, content, **extra)


def edit(client: TestClient, person: Person, page: dict, base: int, **body) -> dict:
    response = client.patch(f"/api/pages/{page['id']}", headers=person.headers, json={"base_revision": base, **body})
    assert response.status_code == 200, response.text
    return response.json()


def fetch(client: TestClient, person: Person, path: str, accept: str | None = None, **params):
    request = client.build_request("GET", path, headers=person.headers, params=params)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return client.send(request)


def graph_of(client: TestClient, person: Person, path: str, media: str = "application/n-triples") -> Graph:
    response = fetch(client, person, path, media)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    return Graph().parse(data=response.content, format=FORMATS[media])


def canonical(graph: Graph) -> Graph:
    """The graph with xsd:decimal literals in one lexical form, for checks about values, not spelling."""
    result = Graph()
    for s, p, o in graph:
        value = o
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            value = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        result.add((s, p, value))
    return result


def decimal(text: str) -> Literal:
    return Literal(format(Decimal(text).normalize(), "f"), datatype=XSD.decimal)


def page_path(page: dict) -> str:
    return f"/api/pages/{page['id']}"


def revision_path(page: dict, revision_id: int) -> str:
    return f"/api/pages/{page['id']}/revisions/{revision_id}"


# ------------------------------------------------------------------ content negotiation


@pytest.mark.parametrize("media", FORMATS)
def test_each_rdf_media_type_is_answered_in_kind(client, alice, space_id, iris, media):
    page = create(client, alice, space_id, content=PLAIN_CONTENT)
    for path in (page_path(page), revision_path(page, page["revision"]["id"])):
        response = fetch(client, alice, path, media)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media
        assert response.headers["vary"] == "Accept"
        graph = Graph().parse(data=response.content, format=FORMATS[media])
        assert (iris.revision(page["revision"]["id"]), PROV.specializationOf, iris.page(page["id"])) in graph
    page_response = fetch(client, alice, page_path(page), media)
    assert page_response.headers["etag"] == page["etag"]


@pytest.mark.parametrize("which", ["page", "revision"])
def test_all_four_formats_are_the_same_graph(client, alice, bob, space_id, which):
    page = create(client, alice, space_id, content=PLAIN_CONTENT, annotations=[{"property": "Source", "value": "ONS"}])
    second = edit(client, bob, page, page["revision"]["id"], content=PLAIN_CONTENT + "\nMore.\n", summary="more")
    path = page_path(page) if which == "page" else revision_path(page, second["revision"]["id"])
    graphs = {media: graph_of(client, alice, path, media) for media in FORMATS}
    reference = graphs["application/n-triples"]
    assert len(reference) > 10
    for media, graph in graphs.items():
        assert isomorphic(graph, reference), media


@pytest.mark.parametrize("which", ["page", "revision"])
def test_money_survives_every_format_as_the_same_graph(client, alice, space_id, which):
    page = create(client, alice, space_id)
    path = page_path(page) if which == "page" else revision_path(page, page["revision"]["id"])
    graphs = [graph_of(client, alice, path, media) for media in FORMATS]
    assert all(isomorphic(graph, graphs[-1]) for graph in graphs)


@pytest.mark.parametrize("param, media", FORMAT_PARAMS.items())
def test_format_parameter_overrides_accept(client, alice, space_id, param, media):
    page = create(client, alice, space_id, content=PLAIN_CONTENT)
    for path in (page_path(page), revision_path(page, page["revision"]["id"])):
        response = fetch(client, alice, path, "application/json", format=param)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media
        by_accept = graph_of(client, alice, path, media)
        assert isomorphic(Graph().parse(data=response.content, format=FORMATS[media]), by_accept)


@pytest.mark.parametrize("accept", [
    "application/json", "*/*", None, "application/*",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "image/png, application/json;q=0.5",
])
def test_json_unless_rdf_is_asked_for(client, alice, space_id, accept):
    page = create(client, alice, space_id)
    response = fetch(client, alice, page_path(page), accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["id"] == page["id"] and response.json()["annotations"] == page["annotations"]
    revision = fetch(client, alice, revision_path(page, page["revision"]["id"]), accept)
    assert revision.status_code == 200 and revision.headers["content-type"] == "application/json"
    assert revision.json()["annotations"] == page["annotations"]
    assert fetch(client, alice, page_path(page), "text/turtle", format="json").headers["content-type"] == \
        "application/json"


@pytest.mark.parametrize("accept, media", [
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("application/json;q=0.1, application/n-triples", "application/n-triples"),
    ("text/*", "text/turtle"),
    ("application/rdf+xml, text/turtle", "application/rdf+xml"),
])
def test_accept_preferences_are_honoured(client, alice, space_id, accept, media):
    page = create(client, alice, space_id)
    response = fetch(client, alice, page_path(page), accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize("accept, params", [
    ("image/png", {}),
    ("application/n-quads", {}),
    ("text/turtle;q=0", {}),
    ("application/json", {"format": "png"}),
    ("application/json", {"format": "nq"}),  # a dataset format: not offered for one page
])
def test_unsupported_types_are_406_problems_listing_the_offers(client, alice, space_id, accept, params):
    page = create(client, alice, space_id)
    for path in (page_path(page), revision_path(page, page["revision"]["id"])):
        response = fetch(client, alice, path, accept, **params)
        assert response.status_code == 406
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 406 and problem["title"] == "Not acceptable"
        assert "text/turtle" in problem["detail"] and "application/ld+json" in problem["detail"]


# ------------------------------------------------------------------ what the graph says


def test_page_graph_holds_typed_annotations_and_metadata(client, alice, space_id, iris):
    page = create(client, alice, space_id, categories=["Sector profile"],
                  annotations=[{"property": "Region", "value": "NE"},
                               {"property": "Growth forecast", "value": "3.5%"},
                               {"property": "Vacancies", "value": "1,500"},
                               {"property": "Source URL", "value": "https://www.ons.gov.uk/"},
                               {"property": "Source", "value": "ONS ASHE 2024"}])
    graph = canonical(graph_of(client, alice, page_path(page)))
    node = iris.page(page["id"])
    space = iris.space(space_id)

    assert (node, RDF.type, LMI.Page) in graph
    assert (node, DCTERMS.title, Literal("Care work")) in graph
    assert (node, LMI.space, space) in graph and (space, RDF.type, LMI.Space) in graph
    assert (node, LMI.category, Literal("Sector profile")) in graph
    assert (node, DCTERMS.creator, iris.person(alice.id)) in graph
    assert (node, LMI.currentRevision, iris.revision(page["revision"]["id"])) in graph

    assert (node, LMI.sector, SECTORS["health-and-social-care"]) in graph
    assert (node, LMI.region, REGIONS["north-east"]) in graph
    assert (node, LMI.validUntil, Literal("2027-03-31", datatype=XSD.date)) in graph
    assert (node, LMI.growthForecast, decimal("3.5")) in graph
    assert (node, LMI.vacancies, Literal("1500", datatype=XSD.integer)) in graph
    assert (node, LMI.sourceUrl, URIRef("https://www.ons.gov.uk/")) in graph
    assert (node, DCTERMS.source, Literal("ONS ASHE 2024")) in graph

    [amount] = graph.objects(node, LMI.medianPay)
    assert (amount, RDF.type, SCHEMA.MonetaryAmount) in graph
    assert set(graph.objects(amount, SCHEMA.value)) == {decimal("27500")}
    assert set(graph.objects(amount, SCHEMA.currency)) == {Literal("GBP")}


def test_revision_graph_is_its_prov_metadata_and_its_own_annotations(client, alice, bob, space_id, iris):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}],
                  summary="First notes")
    first = page["revision"]["id"]
    second = edit(client, bob, page, first, content=CONTENT.replace("Health and social care", "Construction"),
                  annotations=[], summary="Construction, not care", minor=True)["revision"]

    old = canonical(graph_of(client, alice, revision_path(page, first)))
    new = canonical(graph_of(client, alice, revision_path(page, second["id"])))
    for graph in (old, new):
        assert len(list(graph.triples((None, PROV.generatedAtTime, None)))) == 1
        [(_, _, stamp)] = graph.triples((None, PROV.generatedAtTime, None))
        assert stamp.datatype == XSD.dateTime
        graph.remove((None, PROV.generatedAtTime, None))

    rev1, rev2 = iris.revision(first), iris.revision(second["id"])
    [amount1] = old.objects(rev1, LMI.medianPay)
    [amount2] = new.objects(rev2, LMI.medianPay)
    expected_old = _graph(
        (rev1, RDF.type, LMI.Revision), (rev1, PROV.specializationOf, iris.page(page["id"])),
        (rev1, LMI.revisionNumber, Literal(1)), (rev1, PROV.wasAttributedTo, iris.person(alice.id)),
        (rev1, LMI.minorEdit, Literal(False)), (rev1, DCTERMS.description, Literal("First notes")),
        (rev1, LMI.sector, SECTORS["health-and-social-care"]), (rev1, LMI.region, REGIONS["north-east"]),
        (rev1, LMI.validUntil, Literal("2027-03-31", datatype=XSD.date)), (rev1, LMI.medianPay, amount1),
        (amount1, RDF.type, SCHEMA.MonetaryAmount), (amount1, SCHEMA.value, decimal("27500")),
        (amount1, SCHEMA.currency, Literal("GBP")),
    )
    expected_new = _graph(
        (rev2, RDF.type, LMI.Revision), (rev2, PROV.specializationOf, iris.page(page["id"])),
        (rev2, LMI.revisionNumber, Literal(2)), (rev2, PROV.wasAttributedTo, iris.person(bob.id)),
        (rev2, LMI.minorEdit, Literal(True)), (rev2, DCTERMS.description, Literal("Construction, not care")),
        (rev2, PROV.wasRevisionOf, rev1),
        (rev2, LMI.sector, SECTORS["construction"]),
        (rev2, LMI.validUntil, Literal("2027-03-31", datatype=XSD.date)), (rev2, LMI.medianPay, amount2),
        (amount2, RDF.type, SCHEMA.MonetaryAmount), (amount2, SCHEMA.value, decimal("27500")),
        (amount2, SCHEMA.currency, Literal("GBP")),
    )
    assert isomorphic(old, expected_old)
    assert isomorphic(new, expected_new)
    assert amount1 != amount2  # each revision's amount is its own node


def _graph(*triples) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def test_page_graph_has_the_prov_chain_of_every_revision(client, alice, bob, space_id, iris):
    page = create(client, alice, space_id)
    r1 = page["revision"]["id"]
    r2 = edit(client, bob, page, r1, content=CONTENT + "\nBob's note.\n")["revision"]["id"]
    r3 = edit(client, alice, page, r2, content=CONTENT + "\nBob's note.\n\nAlice's note.\n")["revision"]["id"]
    reverted = client.post(f"/api/pages/{page['id']}/revert", headers=alice.headers, json={"revision_id": r1})
    r4 = reverted.json()["revision"]["id"]

    graph = graph_of(client, alice, page_path(page))
    node = iris.page(page["id"])
    authors = {r1: alice, r2: bob, r3: alice, r4: alice}
    parents = {r1: None, r2: r1, r3: r2, r4: r3}
    for number, (revision_id, author) in enumerate(authors.items(), start=1):
        revision = iris.revision(revision_id)
        assert (revision, RDF.type, LMI.Revision) in graph
        assert (revision, PROV.specializationOf, node) in graph
        assert (revision, LMI.revisionNumber, Literal(number)) in graph
        assert set(graph.objects(revision, PROV.wasAttributedTo)) == {iris.person(author.id)}
        expected_parent = {iris.revision(parents[revision_id])} if parents[revision_id] else set()
        assert set(graph.objects(revision, PROV.wasRevisionOf)) == expected_parent
    assert set(graph.subjects(PROV.specializationOf, node)) == {iris.revision(r) for r in authors}
    assert (node, LMI.currentRevision, iris.revision(r4)) in graph
    assert set(graph.objects(node, DCTERMS.contributor)) == {iris.person(alice.id), iris.person(bob.id)}
    for person in (alice, bob):
        assert (iris.person(person.id), RDF.type, LMI.Person) in graph


def test_page_graph_shows_the_current_annotations_only(client, alice, space_id, iris):
    page = create(client, alice, space_id, annotations=[{"property": "Region", "value": "North East"}])
    edit(client, alice, page, page["revision"]["id"], annotations=[{"property": "Region", "value": "London"}],
         content=CONTENT.replace("£27,500", "£29,000"))
    graph = canonical(graph_of(client, alice, page_path(page)))
    node = iris.page(page["id"])
    assert set(graph.objects(node, LMI.region)) == {REGIONS["london"]}
    [amount] = graph.objects(node, LMI.medianPay)
    assert set(graph.objects(amount, SCHEMA.value)) == {decimal("29000")}
    assert len(list(graph.triples((None, SCHEMA.value, None)))) == 1


def test_related_page_points_at_the_page_iri(client, alice, space_id, iris):
    target = create(client, alice, space_id, title="Nursing routes", content="Notes.\n")
    page = create(client, alice, space_id, title="Care work",
                  content="[[Related page::nursing_routes]] and [[See also::Not written yet]]\n")
    graph = graph_of(client, alice, page_path(page))
    assert set(graph.objects(iris.page(page["id"]), LMI.relatedPage)) == {
        iris.page(target["id"]), Literal("Not written yet")}


# ------------------------------------------------------------------ rights: unreadable pages stay invisible


@pytest.fixture
def secret(client: TestClient, session: Session, alice: Person) -> dict:
    """A page in a members-only space the outsider does not belong to."""
    private_space = make_space(session, alice.user, visibility=Visibility.members)
    page = create(client, alice, private_space.id, title="Secret restructuring",
                  content="[[Sector::Retail]] [[Median pay::£99,999]] [[Occupation::Store closure team]]\n",
                  annotations=[{"property": "Region", "value": "Wales"}])
    return edit(client, alice, page, page["revision"]["id"], content="Second draft. [[Sector::Retail]]\n")


@pytest.mark.parametrize("accept, params", [
    *[(media, {}) for media in FORMATS],
    ("application/json", {}), ("*/*", {}), (None, {}), ("image/png", {}),
    ("application/json", {"format": "ttl"}), ("application/json", {"format": "png"}),
])
def test_unreadable_page_is_404_for_every_accept(client, outsider, secret, accept, params):
    first = secret["revision"]["parent_id"]
    for path in (page_path(secret), revision_path(secret, first), revision_path(secret, secret["revision"]["id"])):
        response = fetch(client, outsider, path, accept, **params)
        assert response.status_code == 404, (path, accept, response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        assert "Secret" not in response.text and "Retail" not in response.text


def test_unreadable_pages_triples_appear_nowhere(client, session, alice, outsider, secret, iris):
    open_space = make_space(session, alice.user, visibility=Visibility.organisation)
    public = create(client, alice, open_space.id, title="Retail in Wales",
                    content="[[Related page::Secret restructuring]] [[Sector::Retail]]\n")
    secret_node = iris.page(secret["id"])
    secret_revisions = {iris.revision(secret["revision"]["id"]), iris.revision(secret["revision"]["parent_id"])}
    hidden_terms = {secret_node, *secret_revisions, Literal("Store closure team"), REGIONS["wales"]}

    seen = Graph()
    for media in FORMATS:
        seen += graph_of(client, outsider, page_path(public), media)
        seen += graph_of(client, outsider, revision_path(public, public["revision"]["id"]), media)
    # a revision id of the secret page through a readable page is not found either
    for revision_id in (secret["revision"]["id"], secret["revision"]["parent_id"]):
        assert fetch(client, outsider, revision_path(public, revision_id), "text/turtle").status_code == 404
    # everything the exports may give the outsider
    for batch in export.readable_pages(session, outsider.user):
        assert secret["id"] not in {p.id for p in batch}
        for facts in export.page_facts(session, batch):
            seen += _graph(*rdf.page_triples(iris, facts))

    assert len(seen) > 0
    terms = {term for triple in seen for term in triple}
    assert not terms & hidden_terms
    assert not any("99999" in str(term) for term in terms)
    # the related page stays the title its author wrote, not a link into the private space
    assert set(seen.objects(iris.page(public["id"]), LMI.relatedPage)) == {Literal("Secret restructuring")}


def test_the_owner_sees_the_secret_pages_graph(client, alice, secret, iris):
    graph = graph_of(client, alice, page_path(secret), "text/turtle")
    assert (iris.page(secret["id"]), DCTERMS.title, Literal("Secret restructuring")) in graph
    assert (iris.page(secret["id"]), LMI.region, REGIONS["wales"]) in graph


def test_shape_report_says_what_a_page_lacks(client, session):
    from tests.factories import make_person, make_space

    person = make_person(session)
    space = make_space(session, person.user)
    bare = client.post("/api/pages", headers=person.headers,
                       json={"space_id": space.id, "title": "Bare", "content": "[[Occupation::Baker]]\n"}).json()
    report = client.get(f"/api/pages/{bare['id']}/shape-report", headers=person.headers).json()
    assert report["conforms"] is True  # only warnings: a source, a region and a review date are missing
    assert {r["property"] for r in report["results"] if r["severity"] == "Warning"} >= {"dcterms:source"}
    refused = client.post("/api/pages", headers=person.headers,
                          json={"space_id": space.id, "title": "Bad SOC", "content": "[[SOC code::12a4]]\n"})
    assert refused.status_code == 422 and "four digits" in refused.json()["detail"]
    good = client.post("/api/pages", headers=person.headers, json={
        "space_id": space.id, "title": "Good",
        "content": "[[Sector::Retail]] [[Region::Wales]] [[SOC code::7111]] [[Source::ONS ASHE 2025]] "
                   "[[Valid until::2027-03-31]] [[Median pay::£23,000]]\n"}).json()
    report = client.get(f"/api/pages/{good['id']}/shape-report", headers=person.headers).json()
    assert report["conforms"] is True, report
