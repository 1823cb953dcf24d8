"""POST /api/admin/imports/mediawiki: import a MediaWiki XML export into a space (admins only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.auth.dependencies import AdminUser
from app.db import read_only
from app.errors import problem_responses
from app.pages.schemas import CONTENT_LIMIT
from app.uploads import spooled
from app.wikiimport.exceptions import InvalidMapping
from app.wikiimport.importer import ImportOptions, check_mapping, import_dump
from app.wikiimport.schemas import ImportReportRead

DUMP_LIMIT = 1_000_000_000  # bytes: a careers wiki's full history; bigger ones go through `mature import mediawiki`
XML_TYPES = ("application/xml", "text/xml")

router = APIRouter(prefix="/api/admin/imports", tags=["import"])


async def dump_file(request: Request) -> AsyncIterator[Path]:
    """The uploaded dump spooled to a temporary file before any database work (the import reads it twice)."""
    async with spooled(request, DUMP_LIMIT, "dump", "import it on the server with "
                                                    "`mature import mediawiki FILE --space KEY`.") as path:
        yield path


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidMapping(f"map={pair!r} is not 'Wiki property=Ontology property'.",
                                 errors=[{"field": "map", "message": pair}])
        mapping[source.strip()] = target.strip()
    return check_mapping(mapping, "map")


@router.post("/mediawiki", response_model=ImportReportRead, responses=problem_responses(401, 403, 404, 413, 422, 503),
             openapi_extra={"requestBody": {"required": True, "content": {
                 media: {"schema": {"type": "string", "format": "binary"}} for media in XML_TYPES}}})
@read_only  # the request's own session only reads; each page is written in its own transaction
def import_mediawiki(
    admin: AdminUser,  # first: FastAPI resolves in order, so no one unauthenticated gets a 1 GB upload spooled
    path: Annotated[Path, Depends(dump_file)], request: Request,
    space_id: Annotated[int, Query(description="The space to import into.")],
    map_: Annotated[list[str], Query(
        alias="map", description="'Wiki property=Ontology property': annotations of a wiki property become "
                                 "annotations of the ontology property.")] = [],  # noqa: B006
    max_page_chars: Annotated[int, Query(ge=1, le=CONTENT_LIMIT, description="Pages with a larger revision "
                                         "are reported and not imported.")] = CONTENT_LIMIT,
) -> ImportReportRead:
    """Import a MediaWiki XML export (Special:Export or dumpBackup.php, schema 0.10 or 0.11) as the request
    body: every main-namespace page with its whole history, wikitext converted to Markdown, SMW annotations
    and categories kept, redirects kept as alias titles. Running it again adds only what is new; an
    interrupted run resumes. Malformed or unsafe XML is refused (422) before anything is written."""
    options = ImportOptions(mapping=_mapping(map_), max_page_chars=max_page_chars)
    report = import_dump(request.app.state.database, admin, space_id, path, options)
    for hook in getattr(request.app.state, "after_write", ()):  # e.g. wake the search indexer
        hook()
    return ImportReportRead(**report.as_dict())
