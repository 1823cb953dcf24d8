"""Checks on uploaded RDF before a parser sees it: rdflib's RDF/XML and JSON-LD parsers fetch and expand
whatever the document asks for.

* RDF/XML goes through expat, which expands internal entities: ten nested entity declarations (a "billion
  laughs" document of 1 KB) kept a server busy for minutes. External entities and DTDs would name local files
  or other servers. defusedxml refuses entity declarations and external references outright.
* JSON-LD: rdflib fetches every remote `@context` (and `@import`) it meets, over http(s) or from `file:`
  paths, so an upload could make the server request internal addresses or read local files. Contexts
  must be inline.
"""

from __future__ import annotations

import json
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class UnsafeRdf(ValueError):
    """The document asks the parser to fetch or expand something; the message says what to change."""


def check_upload(body: bytes, rdf_format: str) -> None:
    """Raise UnsafeRdf for entity declarations or external references (RDF/XML) and remote contexts (JSON-LD)."""
    if rdf_format == "xml":
        _check_xml(body)
    elif rdf_format == "json-ld":
        _check_json_ld(body)


def _check_xml(body: bytes) -> None:
    try:
        fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as refused:
        raise UnsafeRdf(
            f"The RDF/XML declares entities or names an external DTD or entity ({type(refused).__name__}); "
            "these are not expanded or fetched here. Write the IRIs out in full (or send Turtle)."
        ) from None
    except Exception:  # noqa: BLE001 (not well-formed: the RDF parser reports it with its position)
        return


def _check_json_ld(body: bytes) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # the JSON-LD parser reports the syntax error
    todo: list[Any] = [document]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import") and _names_remote(value):
                    raise UnsafeRdf("The JSON-LD names a remote @context (or @import); contexts are never "
                                    "fetched here. Put the context inline in the document.")
                todo.append(value)


def _names_remote(context: Any) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(isinstance(item, str) for item in context)
    return False
