"""The topic scheme as SKOS: seeding, export, import without duplicates, and the round trip."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS
from sqlalchemy import func, select

from app.topics import skos, service as topics
from app.topics.models import TopicConcept, TopicLabel
from tests.people.conftest import person_id, tag

ESCO = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix esco: <http://data.europa.eu/esco/skill/> .
<http://data.europa.eu/esco/concept-scheme/skills> a skos:ConceptScheme .
esco:a1 a skos:Concept ; skos:inScheme <http://data.europa.eu/esco/concept-scheme/skills> ;
    skos:prefLabel "apprenticeships"@en , "Lehrlingsausbildung"@de ;
    skos:altLabel "apprenticeship training"@en .
esco:b2 a skos:Concept ; skos:inScheme <http://data.europa.eu/esco/concept-scheme/skills> ;
    skos:prefLabel "green apprenticeships"@en ; skos:broader esco:a1 .
esco:c3 a skos:Concept ; skos:inScheme <http://data.europa.eu/esco/concept-scheme/skills> ;
    skos:prefLabel "operate forklift"@en ; skos:altLabel "drive a forklift"@en ;
    skos:definition "Drive forklift trucks safely in warehouses."@en ; skos:broader esco:a1 .
esco:d4 a skos:Concept ; skos:inScheme <http://example.org/other-scheme> ; skos:prefLabel "not wanted"@en .
"""


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def live(session) -> int:
    return session.scalar(select(func.count()).select_from(TopicConcept).where(TopicConcept.status != "merged"))


def test_seeding_is_idempotent(session, scheme):
    concepts, labels = count(session, TopicConcept), count(session, TopicLabel)
    assert concepts == 80
    assert skos.seed(session) is None  # same file: skipped
    again = skos.import_scheme(session, None, Graph().parse(skos.TOPICS_FILE), str(skos.SCHEME))
    assert (again.created, again.matched_by_iri, again.synonyms_added, again.relations_added) == (0, 80, 0, 0)
    assert (count(session, TopicConcept), count(session, TopicLabel)) == (concepts, labels)


def test_export_matches_the_seed_file(client, session, staff):
    response = client.get("/api/topics/export", headers=staff["ben"].headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    exported = Graph().parse(data=response.text, format="turtle")
    source = Graph().parse(skos.TOPICS_FILE)
    for predicate in (SKOS.prefLabel, SKOS.altLabel, SKOS.broader, SKOS.narrower, SKOS.definition,
                      SKOS.topConceptOf, SKOS.inScheme):
        assert set(exported.triples((None, predicate, None))) == set(source.triples((None, predicate, None))), predicate


def test_export_formats(client, staff, scheme):
    jsonld = client.get("/api/topics/export?format=json-ld", headers=staff["ben"].headers)
    assert jsonld.status_code == 200 and jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) > 500
    negotiated = client.get("/api/topics/export", headers={**staff["ben"].headers, "Accept": "application/rdf+xml"})
    assert negotiated.headers["content-type"].startswith("application/rdf+xml")
    assert client.get("/api/topics/export?format=csv", headers=staff["ben"].headers).status_code == 406


def test_round_trip_after_gardening(client, session, staff):
    """Export, import into an empty scheme, export again: the same graph (merges, related links, labels in
    other languages and two concepts with the same label included)."""
    carol = staff["carol"]
    tag(client, staff["ben"], person_id(session, staff["alice"]), "Green apprenticeships")
    candidate = client.get("/api/topics/suggest?q=green apprenticeships", headers=carol.headers).json()[0]["topic"]
    apprenticeships = client.get("/api/topics/suggest?q=apprenticeships", headers=carol.headers).json()[0]["topic"]
    client.post(f"/api/topics/{candidate['id']}/promote", headers=carol.headers)
    client.post(f"/api/topics/{candidate['id']}/merge", headers=carol.headers, json={"into_id": apprenticeships["id"]})
    client.post(f"/api/topics/{apprenticeships['id']}/synonyms", headers=carol.headers, json={"label": "Apprentices'"})
    related = client.post("/api/topics/import", headers={**carol.headers, "Content-Type": "text/turtle"}, content=b"""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <http://data.europa.eu/esco/isco/C263> a skos:Concept ; skos:prefLabel "Economists"@en, "Okonomen"@de ;
            skos:altLabel "Volkswirte"@de ; skos:related <http://data.europa.eu/esco/isco/C2631> .
        <http://data.europa.eu/esco/isco/C2631> a skos:Concept ; skos:prefLabel "Economists"@en ;
            skos:broader <http://data.europa.eu/esco/isco/C263> .""").json()
    assert (related["created"], related["related_added"], related["language_labels_added"]) == (2, 1, 2)
    first = client.get("/api/topics/export", headers=carol.headers).text
    first_graph = Graph().parse(data=first, format="turtle")
    assert (URIRef(candidate["iri"]), URIRef("http://purl.org/dc/terms/isReplacedBy"),
            URIRef(apprenticeships["iri"])) in first_graph
    session.execute(TopicConcept.__table__.update().values(merged_into_id=None))
    session.execute(TopicLabel.__table__.delete())
    for table in ("topic_broader", "person_tag", "topic_change", "expert_search_gap"):
        session.execute(TopicConcept.metadata.tables[table].delete())
    session.execute(TopicConcept.__table__.delete())
    report = skos.import_scheme(session, None, first_graph)
    assert report.created == 83 and report.matched_by_iri == 0
    second_graph = Graph().parse(data=client.get("/api/topics/export", headers=carol.headers).text, format="turtle")
    assert isomorphic(first_graph, second_graph)


def test_import_matches_by_iri_then_label_and_adopts_candidates(client, session, staff):
    carol = staff["carol"]
    tag(client, staff["ben"], person_id(session, staff["alice"]), "Green apprenticeships")
    before = live(session)
    candidate_iri = client.get("/api/topics/suggest?q=green apprenticeships", headers=carol.headers).json()[0][
        "topic"]["iri"]
    response = client.post("/api/topics/import?scheme=http://data.europa.eu/esco/concept-scheme/skills",
                           headers={**carol.headers, "Content-Type": "text/turtle"}, content=ESCO.encode())
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["concepts"], report["created"], report["matched_by_label"], report["candidates_promoted"]) == \
        (3, 1, 2, 1)
    assert live(session) == before + 1  # only the forklift concept is new
    # no IRI is lost: ESCO's apprenticeships and the candidate's old IRI redirect to the topic that stayed
    ours = topics.by_iri(session, "https://w3id.org/mature-lmi/topics/apprenticeships")
    assert topics.by_iri(session, "http://data.europa.eu/esco/skill/a1").id == ours.id
    assert topics.by_iri(session, candidate_iri).iri == "http://data.europa.eu/esco/skill/b2"
    green = client.get("/api/topics/suggest?q=green apprenticeships", headers=carol.headers).json()[0]["topic"]
    assert green["status"] == "concept" and green["iri"] == "http://data.europa.eu/esco/skill/b2"
    forklift = client.get("/api/topics/suggest?q=drive a forklift", headers=carol.headers).json()[0]["topic"]
    read = client.get(f"/api/topics/{forklift['id']}", headers=carol.headers).json()
    assert read["definition"] == "Drive forklift trucks safely in warehouses."
    assert [t["label"] for t in read["broader"]] == ["Apprenticeships"]
    apprenticeships = client.get("/api/topics/suggest?q=apprenticeship training", headers=carol.headers).json()
    assert apprenticeships[0]["topic"]["iri"] == "https://w3id.org/mature-lmi/topics/apprenticeships"
    assert not client.get("/api/topics/suggest?q=not wanted", headers=carol.headers).json()
    # importing the same file again changes nothing
    again = client.post("/api/topics/import?scheme=http://data.europa.eu/esco/concept-scheme/skills",
                        headers={**carol.headers, "Content-Type": "text/turtle"}, content=ESCO.encode()).json()
    assert (again["created"], again["matched_by_iri"], again["matched_by_label"], again["synonyms_added"],
            again["relations_added"]) == (0, 3, 0, 0, 0)  # ESCO's apprenticeships now redirects to ours
    changes = client.get("/api/topics/changes", headers=carol.headers).json()["items"]
    assert changes[0]["action"] == "scheme.imported" and changes[0]["actor"]["id"] == carol.id


def test_import_rights_and_bad_files(client, staff, scheme):
    turtle = {"Content-Type": "text/turtle"}
    assert client.post("/api/topics/import", headers={**staff["ben"].headers, **turtle},
                       content=ESCO.encode()).status_code == 403
    carol = {**staff["carol"].headers, **turtle}
    broken = client.post("/api/topics/import", headers=carol, content=b"this is not turtle <")
    assert broken.status_code == 422 and "could not be read" in broken.json()["detail"]
    empty = client.post("/api/topics/import", headers=carol, content=b"<http://a> <http://b> <http://c> .")
    assert empty.status_code == 422 and "no skos:Concept" in empty.json()["detail"]
    csv = client.post("/api/topics/import", headers={**staff["carol"].headers, "Content-Type": "text/csv"},
                      content=b"a,b")
    assert csv.status_code == 422


def test_json_ld_import(client, staff, scheme):
    graph = Graph()
    graph.add((URIRef("http://example.org/t/1"), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
               SKOS.Concept))
    graph.add((URIRef("http://example.org/t/1"), SKOS.prefLabel, Literal("Drone piloting", lang="en")))
    response = client.post("/api/topics/import", headers={**staff["carol"].headers,
                                                          "Content-Type": "application/ld+json"},
                           content=graph.serialize(format="json-ld").encode())
    assert response.status_code == 200 and response.json()["created"] == 1


def test_too_large_files_are_refused(client, staff, scheme, monkeypatch):
    from app.topics import router as topic_router

    monkeypatch.setattr(topic_router, "IMPORT_LIMIT", 100)
    response = client.post("/api/topics/import", headers={**staff["carol"].headers, "Content-Type": "text/turtle"},
                           content=ESCO.encode())
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
