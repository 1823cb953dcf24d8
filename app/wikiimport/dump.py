"""Reading MediaWiki XML exports (Special:Export, dumpBackup.php; schema 0.3 to 0.11) one page at a time.

The schema versions differ only in what this reader does not need, except two things older ones lack:
a page's <ns> (added in 0.6; before, the namespace is the title's prefix, as MediaWiki itself read it) and
the redirect target (0.4 and 0.5 write an empty <redirect/>; the target is then the one the page's
latest revision names). Versions 0.1 and 0.2 have no <siteinfo> and are refused.

The file is streamed with iterparse and each finished <page> is dropped from the tree, so a dump of
any size needs memory for one page only. defusedxml refuses DTD entities and external references:
a "billion laughs" or an XXE file is an error, never an expansion or a file read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

SUPPORTED_VERSIONS = ("0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11")
# "#REDIRECT [[Target]]" in any language ("#WEITERLEITUNG", "#перенаправление"): the magic word, then a link
_REDIRECT = re.compile(r"\A\s*#[^\s\[]+\s*:?\s*\[\[([^\]|#\n]+)")
_NS_PREFIX = "{http://www.mediawiki.org/xml/export-"


class DumpError(ValueError):
    """The file cannot be read as a MediaWiki export; the message says where and why."""


@dataclass(frozen=True)
class SiteInfo:
    sitename: str
    dbname: str
    base: str
    generator: str
    schema_version: str
    namespaces: dict[int, str]

    @property
    def source(self) -> str:
        """The wiki's identity in the import ledger: the same dump re-run maps to the same rows."""
        return f"{self.dbname or self.sitename}|{self.base}"[:300]


@dataclass(frozen=True)
class DumpRevision:
    id: int
    parent_id: int | None
    timestamp: datetime
    author: str
    minor: bool
    comment: str
    text: str
    model: str


@dataclass
class DumpPage:
    title: str
    namespace: int
    id: int
    redirect: str | None
    revisions: list[DumpRevision] = field(default_factory=list)

    @property
    def size(self) -> int:
        """The largest revision, in characters: what the page-size limit is checked against."""
        return max((len(r.text) for r in self.revisions), default=0)


def read_dump(stream: IO[bytes]) -> tuple[SiteInfo, Iterator[DumpPage]]:
    """The site information and an iterator over the pages, in file order.

    Raises DumpError for anything that is not a well-formed export of a supported schema,
    including forbidden entities, and names the line where the problem is.
    """
    events = _events(stream)
    root = _first_start(events)
    version = root.get("version") or root.tag.removeprefix(_NS_PREFIX).rstrip("/}")
    if not root.tag.startswith(_NS_PREFIX) or root.tag.rpartition("}")[2] != "mediawiki":
        raise DumpError(f"This is not a MediaWiki XML export: the document starts with <{_local(root.tag)}>, "
                        "not <mediawiki xmlns=\"http://www.mediawiki.org/xml/export-0.11/\">.")
    if version not in SUPPORTED_VERSIONS:
        raise DumpError(f"Export schema version {version} is not supported: this reads versions "
                        f"{SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]}. Export the wiki again with a newer "
                        "MediaWiki (dumpBackup.php --schema-version 0.11).")
    ns = root.tag.partition("}")[0] + "}"
    site = _site_info(events, root, ns, version)
    return site, _pages(events, root, ns, site)


def _events(stream: IO[bytes]) -> Iterator[tuple[str, Element]]:
    try:
        yield from iterparse(stream, events=("start", "end"), forbid_dtd=False,
                             forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise DumpError(f"The file declares XML entities or external references, which are refused for safety "
                        f"(entity expansion and external entity attacks): {error}. A real MediaWiki export "
                        "never needs them.") from None
    except ParseError as error:
        line, column = error.position
        reason = str(error).partition(":")[0]
        raise DumpError(f"The XML is malformed at line {line}, column {column} ({reason}). "
                        "Export the wiki again or repair the file.") from None


def _first_start(events: Iterator[tuple[str, Element]]) -> Element:
    for event, element in events:
        if event == "start":
            return element
    raise DumpError("The file is empty: it has no XML document.")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _site_info(events: Iterator[tuple[str, Element]], root: Element, ns: str, version: str) -> SiteInfo:
    """Read up to the end of <siteinfo> (an export without one gets the default namespaces)."""
    for event, element in events:
        if event == "start" and element.tag == ns + "page":
            break
        if event == "end" and element.tag == ns + "siteinfo":
            namespaces = {int(n.get("key", "0")): (n.text or "") for n in element.iter(ns + "namespace")}
            site = SiteInfo(
                sitename=element.findtext(ns + "sitename") or "", dbname=element.findtext(ns + "dbname") or "",
                base=element.findtext(ns + "base") or "", generator=element.findtext(ns + "generator") or "",
                schema_version=version, namespaces=namespaces or {0: ""},
            )
            root.remove(element)
            return site
    raise DumpError("The export has no <siteinfo> before its first <page>; the namespaces of its pages are "
                    "unknown. Export again with Special:Export or dumpBackup.php, which always write it.")


def _pages(events: Iterator[tuple[str, Element]], root: Element, ns: str, site: SiteInfo) -> Iterator[DumpPage]:
    prefixes = {name.casefold(): key for key, name in site.namespaces.items() if name}
    for event, element in events:
        if event == "end" and element.tag == ns + "page":
            yield _page(element, ns, prefixes)
            root.remove(element)


def _page(element: Element, ns: str, prefixes: dict[str, int]) -> DumpPage:
    title = element.findtext(ns + "title") or ""
    redirect = element.find(ns + "redirect")
    namespace = element.findtext(ns + "ns")
    page = DumpPage(
        title=title, id=_int(element.findtext(ns + "id"), "id", title),
        namespace=_int(namespace, "ns", title) if namespace is not None else _namespace_of(title, prefixes),
        redirect=redirect.get("title") if redirect is not None else None,
    )
    page.revisions = [_revision(r, ns, title) for r in element.iter(ns + "revision")]
    if redirect is not None and page.redirect is None and page.revisions:  # schema 0.4/0.5: <redirect/>
        latest = max(page.revisions, key=lambda r: (r.timestamp, r.id))
        target = _REDIRECT.match(latest.text)
        page.redirect = target.group(1).strip() if target else None
    return page


def _namespace_of(title: str, prefixes: dict[str, int]) -> int:
    """Before schema 0.6 a page's namespace is its title's prefix ("Talk:Pear"), or the main one."""
    prefix, colon, _ = title.partition(":")
    return prefixes.get(prefix.strip().casefold(), 0) if colon else 0


def _revision(element: Element, ns: str, page_title: str) -> DumpRevision:
    contributor = element.find(ns + "contributor")
    author = ""
    if contributor is not None:
        author = contributor.findtext(ns + "username") or contributor.findtext(ns + "ip") or ""
    text = element.find(ns + "text")
    comment = element.findtext(ns + "comment") or ""
    parent = element.findtext(ns + "parentid")
    stamp = element.findtext(ns + "timestamp") or ""
    try:
        timestamp = datetime.fromisoformat(stamp)
    except ValueError:
        raise DumpError(f"A revision of '{page_title}' has the timestamp {stamp!r}, which is not ISO 8601.") from None
    return DumpRevision(
        id=_int(element.findtext(ns + "id"), "revision id", page_title),
        parent_id=int(parent) if parent and parent.isdigit() else None,
        timestamp=timestamp, author=author or "(hidden)", minor=element.find(ns + "minor") is not None,
        comment=comment, text=(text.text or "") if text is not None else "",
        model=element.findtext(ns + "model") or "wikitext",
    )


def _int(value: str | None, what: str, title: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise DumpError(f"The page '{title}' has no usable <{what}> ({value!r}).") from None
