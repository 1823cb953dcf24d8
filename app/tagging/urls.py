"""Normalising URLs, so the same source bookmarked twice in a space is recognised."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from app.tagging.exceptions import InvalidBookmark

MAX_URL = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(raw: str) -> str:
    """The URL as given, trimmed, if it is an absolute http(s) URL; otherwise a 422 that says why."""
    url = raw.strip()
    if len(url) > MAX_URL:
        raise InvalidBookmark(f"url: at most {MAX_URL} characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidBookmark("url: give a full web address starting with https:// or http://, "
                              "e.g. https://www.ons.gov.uk/employmentandlabourmarket.")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise InvalidBookmark("url: the port number is not valid.") from None
    return url


def url_key(url: str) -> str:
    """Case-insensitive scheme and host, no default port, no fragment, no trailing slash, `www.` kept.

    `https://ONS.gov.uk:443/jobs/#table` and `https://ons.gov.uk/jobs` are the same source; the query
    string is kept (it often selects the dataset) and so is the scheme (a site may differ).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORTS.get(scheme) else ""
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, host + port, path, parts.query, ""))
