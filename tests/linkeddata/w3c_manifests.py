"""Reading the W3C SPARQL 1.1 test manifests (tests/linkeddata/data/w3c/, see SOURCES.md there) with rdflib."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

W3C = Path(__file__).parent / "data" / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


@dataclass(frozen=True)
class SyntaxTest:
    name: str  # the manifest's local name, e.g. test_33
    file: str
    positive: bool
    text: str


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # starts with "/sparql/" in the manifest
    headers: dict[str, str]
    body: str | None
    body_encoding: str
    expected_status: frozenset[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None  # "boolean", "tabular", "RDF"
    expected_boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str  # e.g. query_post_form
    title: str
    requests: tuple[HttpRequest, ...]
    graph_data: dict[str, str]  # graph IRI the test loads -> its data file


def _entries(graph: Graph, manifest: URIRef) -> list[URIRef]:
    return list(Collection(graph, graph.value(manifest, MF.entries)))


def _load(folder: str) -> tuple[Graph, URIRef]:
    path = W3C / folder / "manifest.ttl"
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    return graph, URIRef(path.as_uri())


def syntax_tests() -> list[SyntaxTest]:
    """Every entry of the syntax-query manifest, in its order, with its query text."""
    graph, manifest = _load("syntax-query")
    tests = []
    for entry in _entries(graph, manifest):
        kind = graph.value(entry, RDF.type)
        assert kind in (MF.PositiveSyntaxTest11, MF.NegativeSyntaxTest11), (entry, kind)
        file = Path(str(graph.value(entry, MF.action)).removeprefix("file://"))
        tests.append(SyntaxTest(str(entry).rsplit("#", 1)[1], file.name, kind == MF.PositiveSyntaxTest11,
                                file.read_text(encoding="utf-8")))
    return tests


def protocol_tests() -> list[ProtocolTest]:
    """Every entry of the protocol manifest, in its order, with its HTTP requests."""
    graph, manifest = _load("protocol")
    tests = []
    for entry in _entries(graph, manifest):
        assert graph.value(entry, RDF.type) == MF.ProtocolTest, entry
        action = graph.value(entry, MF.action)
        requests = tuple(_request(graph, node) for node in Collection(graph, graph.value(action, HT.requests)))
        data = {str(graph.value(node, RDFS.label)): Path(str(graph.value(node, UT.graph))).name
                for node in graph.objects(entry, UT.graphData)}
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[1], str(graph.value(entry, MF.name)), requests, data))
    return tests


def _request(graph: Graph, node: URIRef) -> HttpRequest:
    headers_list = graph.value(node, HT.headers)
    headers = {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
               for h in (Collection(graph, headers_list) if headers_list is not None else [])}
    body = graph.value(node, HT.body)
    response = graph.value(node, HT.resp)
    statuses = frozenset(str(code).rsplit("#StatusCode", 1)[1] for code in graph.objects(response, MF.expectedStatus))
    fmt = graph.value(response, MF.expectedFormat)
    boolean = graph.value(response, MF.expectedBoolean)
    return HttpRequest(
        method=str(graph.value(node, HT.methodName)), path=str(graph.value(node, HT.absolutePath)), headers=headers,
        body=str(graph.value(body, CNT.chars)) if body is not None else None,
        body_encoding=str(graph.value(body, CNT.characterEncoding) or "UTF-8") if body is not None else "UTF-8",
        expected_status=statuses, expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )
