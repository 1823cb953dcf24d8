"""HTTP content negotiation between JSON and the RDF serialisations (Accept header or ?format=)."""

from __future__ import annotations

from app.errors import ProblemError

FORMAT_ALIASES = {
    "json": "application/json", "ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
    "json-ld": "application/ld+json", "rdf": "application/rdf+xml", "xml": "application/rdf+xml",
    "nt": "application/n-triples", "ntriples": "application/n-triples", "nq": "application/n-quads",
    "nquads": "application/n-quads", "trig": "application/trig",
}
# The RDF media types offered, each with its serialiser's format name (rdflib's names).
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
DATASET_FORMATS = {"application/n-quads": "nquads", "application/trig": "trig"}


class NotAcceptable(ProblemError):
    status = 406
    title = "Not acceptable"


def choose(accept: str | None, offers: list[str], format_param: str | None = None) -> str:
    """The offered media type the client prefers; the first offer when it does not care."""
    if format_param:
        wanted = FORMAT_ALIASES.get(format_param.lower(), format_param.lower())
        if wanted not in offers:
            raise NotAcceptable(f"format={format_param!r} is not offered here; use one of: {', '.join(offers)}.")
        return wanted
    if not accept:
        return offers[0]
    for media, _q in _parse(accept):
        for offer in offers:
            if _matches(media, offer):
                return offer
    raise NotAcceptable(f"None of the requested types ({accept}) is offered; use one of: {', '.join(offers)}.")


def _parse(accept: str) -> list[tuple[str, float]]:
    """Accept entries with their q-values, most preferred first (stable for equal q)."""
    entries = []
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            entries.append((media.lower(), q))
    return sorted(entries, key=lambda e: -e[1])


def _matches(media: str, offer: str) -> bool:
    if media == "*/*":
        return True
    if media.endswith("/*"):
        return offer.startswith(media[:-1])
    return media == offer
