"""HTTP: the widgets' JavaScript under /widgets/ and the demo workspace at /.

The files are served as they are (no build step). Module scripts need a JavaScript MIME type and,
when a host page on another origin embeds them, CORS headers: the app's CORSMiddleware adds those for
the origins in MATURE_CORS_ORIGINS.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.errors import NotFound

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".md": "text/markdown; charset=utf-8"}
# Short caching with revalidation: an upgrade reaches every host page within minutes, and an
# unchanged file costs a 304 only.
CACHE_CONTROL = "public, max-age=300, must-revalidate"

router = APIRouter(include_in_schema=False)


def static_file(name: str) -> Path:
    """The file `name` in static/, or 404 (no path may leave the folder)."""
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file() or path.suffix not in MEDIA_TYPES:
        raise NotFound(f"There is no widget file {name!r}; the widgets are listed at /widgets/.",
                       title="Widget file not found")
    return path


def serve(request: Request, path: Path) -> Response:
    """The file with its type and an ETag, or 304 when the browser's copy is current."""
    stat = path.stat()
    response = FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers={"Cache-Control": CACHE_CONTROL},
                            stat_result=stat)
    etag = response.headers["etag"]
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    return response


@router.api_route("/", methods=["GET", "HEAD"])
def workspace(request: Request) -> Response:
    """The demo workspace: sign in and use every widget."""
    return serve(request, static_file("index.html"))


@router.api_route("/widgets/", methods=["GET", "HEAD"])
def widget_list(request: Request) -> Response:
    """The workspace lists the widgets and how to embed them."""
    return serve(request, static_file("index.html"))


@router.api_route("/widgets/{name}", methods=["GET", "HEAD"])
def widget_file(name: str, request: Request) -> Response:
    """One widget module (or the shared client, mature-api.js)."""
    return serve(request, static_file(name))
