"""A dump of everything a caller may read: one named graph per space, built from the database."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset
from sqlalchemy.orm import Session

from app.auth.models import User
from app.linkeddata import export, rdf
from app.linkeddata.rdf import Iris
from app.pages.models import Page


def dataset(session: Session, iris: Iris, user: User, rdf_format: str) -> bytes:
    """N-Quads or TriG of the live pages `user` may read."""
    return _serialize(session, iris, export.readable_pages(session, user), rdf_format)


def everything(session: Session, iris: Iris, rdf_format: str) -> bytes:
    """N-Quads or TriG of every live page (`mature dump --all`: an operator's backup, never an HTTP answer)."""
    return _serialize(session, iris, export.all_live_pages(session), rdf_format)


def _serialize(session: Session, iris: Iris, batches: Iterable[list[Page]], rdf_format: str) -> bytes:
    data = Dataset()
    for prefix, namespace in rdf.new_graph().namespaces():
        data.bind(prefix, namespace)
    for batch in batches:
        for facts in export.page_facts(session, batch):
            graph = data.graph(iris.space_graph(facts.space_id))
            for triple in rdf.page_triples(iris, facts):
                graph.add(triple)
    return data.serialize(format=rdf_format, encoding="utf-8")
