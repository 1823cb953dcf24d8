"""A dump of everything a caller may read: one named graph per space, built from the database."""

from __future__ import annotations

from rdflib import Dataset
from sqlalchemy.orm import Session

from app.auth.models import User
from app.linkeddata import export, rdf
from app.linkeddata.rdf import Iris


def dataset(session: Session, iris: Iris, user: User | None, rdf_format: str) -> bytes:
    """N-Quads or TriG of the live pages `user` may read (every page when user is None: backups)."""
    data = Dataset()
    for prefix, namespace in rdf.new_graph().namespaces():
        data.bind(prefix, namespace)
    for batch in export.readable_pages(session, user):
        for facts in export.page_facts(session, batch):
            graph = data.graph(iris.space_graph(facts.space_id))
            for triple in rdf.page_triples(iris, facts):
                graph.add(triple)
    return data.serialize(format=rdf_format, encoding="utf-8")
