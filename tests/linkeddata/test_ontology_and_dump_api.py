"""GET /api/ontology (JSON for widgets, RDF by negotiation) and GET /api/dump (what the caller may read)."""

from __future__ import annotations

from rdflib import Dataset, Graph
from rdflib.namespace import RDF

from app.auth.models import Visibility
from app.annotations.vocabulary import LMI
from tests.factories import make_person, make_space, personal_space


def test_ontology_json_lists_properties_with_what_they_accept(client, session):
    person = make_person(session)
    body = client.get("/api/ontology", headers=person.headers).json()
    by_label = {p["label"]: p for p in body["properties"]}
    assert by_label["Median pay"]["value_type"] == "money" and "GBP" in by_label["Median pay"]["expected"]
    regions = {c["label"] for c in by_label["Region"]["concepts"]}
    assert {"North East", "Wales", "London"} <= regions


def test_ontology_as_turtle_and_json_ld(client, session):
    person = make_person(session)
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        response = client.get("/api/ontology", headers={**person.headers, "Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=fmt)
        assert (LMI.medianPay, RDF.type, LMI.PageAnnotationProperty) in graph


def test_dump_has_a_named_graph_per_readable_space_only(client, session):
    alice, bob = make_person(session), make_person(session)
    team = make_space(session, alice.user, Visibility.organisation)
    for space_id, title in ((team.id, "Shared LMI"), (personal_space(session, alice.user).id, "Private LMI")):
        client.post("/api/pages", headers=alice.headers,
                    json={"space_id": space_id, "title": title, "content": "[[Sector::Retail]]\n"})
    for accept, fmt in (("application/n-quads", "nquads"), ("application/trig", "trig")):
        response = client.get("/api/dump", headers={**bob.headers, "Accept": accept})
        assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
        data = Dataset()
        data.parse(data=response.text, format=fmt)
        graphs = {str(g.identifier) for g in data.graphs() if len(g)}
        assert f"http://localhost:8000/graph/space/{team.id}" in graphs
        assert not any(g.endswith(f"/space/{personal_space(session, alice.user).id}") for g in graphs)
        assert "Private LMI" not in response.text and "Shared LMI" in response.text
    mine = client.get("/api/dump?format=nquads", headers=alice.headers).text
    assert "Private LMI" in mine


def test_the_python_vocabulary_matches_the_ontology_files():
    """Every term of app/annotations/vocabulary.LMI is defined in ontology/ (typos raise, not mint IRIs)."""
    from app.annotations.ontology import get_ontology

    graph = get_ontology().graph
    names = [name for name in LMI.__annotations__]
    missing = [name for name in names if not any(graph.triples((getattr(LMI, name), None, None)))]
    assert missing == []
