"""The SPARQL store: an in-memory Oxigraph dataset derived from the database.

Each space's live pages are in the named graph `<base>graph/space/N`, the ontology in
`<base>graph/ontology`. The store follows the change log: it remembers which log entries it
applied and, before each query, refreshes the pages changed since, so every server process (and
every machine sharing one PostgreSQL) answers from current data, and a crash loses nothing: the
store is simply rebuilt from the database.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.changelog import Change
from app.pages.models import Page
from app.semantics import export, rdf
from app.semantics.rdf import Iris

# Log entries may commit out of id order on PostgreSQL (ids are taken before commit); entries
# this far behind the newest applied one are looked at again until seen.
REORDER_WINDOW = 1000


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as the equivalent pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def quads(triples: Iterable[tuple[Node, Node, Node]], graph: URIRef) -> list[ox.Quad]:
    name = ox.NamedNode(str(graph))
    return [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name) for s, p, o in triples]


class GraphStore:
    """The derived Oxigraph dataset of one process, kept current from the change log."""

    def __init__(self, iris: Iris, ontology: Graph) -> None:
        self.iris = iris
        self.store = ox.Store()
        self.ontology_graph = URIRef(f"{iris.base}graph/ontology")
        self._lock = threading.Lock()
        self._loaded = False
        self._position = 0
        self._seen: set[int] = set()
        self._page_quads: dict[int, list[ox.Quad]] = {}
        # Pages share some triples (an author's name, a space's title): count owners per quad.
        self._owners: Counter[ox.Quad] = Counter()
        self.store.extend(quads(ontology, self.ontology_graph))

    @property
    def loaded(self) -> bool:
        """The first full load from the database has finished (queries no longer wait for it)."""
        return self._loaded

    def catch_up(self, session: Session) -> None:
        """Apply what changed since the last call (everything, the first time)."""
        with self._lock:
            if not self._loaded:
                self._load_all(session)
                return
            window = Change.id > self._position - REORDER_WINDOW
            count, newest = session.execute(select(func.count(), func.max(Change.id)).where(window)).one()
            if count == len(self._seen) and (newest or 0) <= self._position:
                return  # nothing new: the common case, one cheap aggregate per query
            rows = session.execute(select(Change.id, Change.page_id).where(window).order_by(Change.id)).all()
            fresh = [(change_id, page_id) for change_id, page_id in rows if change_id not in self._seen]
            if not fresh:
                return
            self._refresh(session, {page_id for _, page_id in fresh if page_id is not None})
            self._remember(change_id for change_id, _ in fresh)

    def _load_all(self, session: Session) -> None:
        position = session.scalar(select(func.max(Change.id))) or 0
        for batch in export.readable_pages(session, None):
            self._insert(export.page_facts(session, batch))
        self._remember(session.scalars(select(Change.id).where(Change.id > position - REORDER_WINDOW)))
        self._position = max(self._position, position)
        self._loaded = True

    def _remember(self, change_ids: Iterable[int]) -> None:
        for change_id in change_ids:
            self._seen.add(change_id)
            self._position = max(self._position, change_id)
        low = self._position - REORDER_WINDOW
        self._seen = {change_id for change_id in self._seen if change_id > low}

    def _refresh(self, session: Session, page_ids: set[int]) -> None:
        for page_id in page_ids:
            for quad in self._page_quads.pop(page_id, []):
                self._owners[quad] -= 1
                if self._owners[quad] <= 0:
                    del self._owners[quad]
                    self.store.remove(quad)
        live = list(session.scalars(select(Page).where(Page.id.in_(page_ids), Page.deleted_at.is_(None))))
        self._insert(export.page_facts(session, live))

    def _insert(self, facts: list[rdf.PageFacts]) -> None:
        for page in facts:
            page_quads = list(dict.fromkeys(
                quads(rdf.page_triples(self.iris, page), self.iris.space_graph(page.space_id))))
            self._page_quads[page.id] = page_quads
            self._owners.update(page_quads)
            self.store.extend(page_quads)

    def graphs_for(self, space_ids: Iterable[int]) -> list[ox.NamedNode]:
        """The named graphs of the given spaces (those the caller may read)."""
        return [ox.NamedNode(str(self.iris.space_graph(space_id))) for space_id in space_ids]

    @property
    def ontology_node(self) -> ox.NamedNode:
        return ox.NamedNode(str(self.ontology_graph))

    def __len__(self) -> int:
        return len(self.store)
