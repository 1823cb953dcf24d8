"""Importing a MediaWiki dump into a space through the pages service, one page per transaction.

Every revision goes through app.pages.service (create_page / edit_page), so annotations are typed
and stored, links and categories refreshed, search indexing queued and maturity scored exactly as
for an edit in the API; the importer then stamps the source wiki's timestamp and author name on it.

A page is imported whole or not at all (its own transaction), and the ledger of imported
revisions (ImportedRevision) is written in that same transaction: a re-run skips what is there, an
interrupted run resumes at the first page it had not finished. The dump is read twice: the first
pass validates the whole file (well-formed, safe, supported schema) and counts pages before
anything is written, so a broken file changes nothing.

A revision pandoc cannot convert is imported all the same, with the parts it refused kept as wikitext and
the page in the category "Imported pages needing review" (convert.REVIEW_CATEGORY); the report lists
those pages under `needs_review`, with the revisions and why.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.annotations.ontology import get_ontology
from app.auth import space_service
from app.auth.models import Space, User
from app.auth.rights import Right
from app.db import Database
from app.errors import ProblemError
from app.pages import links
from app.pages import service as pages
from app.pages.models import Page, PageAlias, Revision
from app.pages.schemas import CONTENT_LIMIT
from app.quality import scoring
from app.titles import InvalidTitle, normalise_title, title_key
from app.wikiimport.convert import Converted, PandocMissing, WikitextConverter
from app.wikiimport.dump import DumpError, DumpPage, DumpRevision, SiteInfo, read_dump
from app.wikiimport.exceptions import ConverterUnavailable, InvalidDump, InvalidMapping
from app.wikiimport.models import ImportedRevision

MAIN_NAMESPACE = 0
CATEGORY_NAMESPACE = 14
EXAMPLES = 3
PREFETCH_PAGES = 25  # pages whose wikitext is converted while the previous ones are written
Progress = Callable[[int, int, str], None]


class PageProblem(Exception):
    """Why one page was not imported; the rest of the import goes on."""


class _TargetMissing(PageProblem):
    """A redirect's target is not (yet) a page of the space."""


@dataclass
class AnnotationTally:
    count: int = 0
    example_pages: list[str] = field(default_factory=list)
    reason: str = ""

    def add(self, page: str, reason: str) -> None:
        self.count += 1
        self.reason = self.reason or reason
        if page not in self.example_pages and len(self.example_pages) < EXAMPLES:
            self.example_pages.append(page)


@dataclass
class ImportReport:
    """What an import did and what it could not do, in words an administrator can act on."""

    space: str
    source: str = ""
    sitename: str = ""
    generator: str = ""
    schema_version: str = ""
    pages_in_dump: int = 0
    pages_created: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    redirects: int = 0
    revisions_imported: int = 0
    revisions_already_imported: int = 0
    revisions_without_changes: int = 0
    revisions_kept_as_wikitext: int = 0
    skipped_namespaces: Counter[str] = field(default_factory=Counter)
    unknown_properties: dict[str, AnnotationTally] = field(default_factory=dict)
    invalid_annotations: dict[str, AnnotationTally] = field(default_factory=dict)
    templates_kept_as_text: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)
    needs_review: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return round(self.pages_in_dump / self.seconds, 1) if self.seconds else 0.0

    def problem(self, page: DumpPage, message: str) -> None:
        self.problems.append({"title": page.title, "source_page_id": page.id, "problem": message})

    def note_annotations(self, title: str, converted: Converted) -> None:
        for annotation in converted.annotations:
            if annotation.kept:
                continue
            if annotation.unknown_property:
                tally = self.unknown_properties.setdefault(annotation.property, AnnotationTally())
            else:
                tally = self.invalid_annotations.setdefault(
                    f"{annotation.property}::{annotation.value}", AnnotationTally())
            tally.add(title, annotation.reason)
        self.templates_kept_as_text.update(converted.templates)

    def as_dict(self) -> dict[str, Any]:
        """The JSON the API answers and the CLI prints."""
        def tallies(items: Mapping[str, AnnotationTally], key: str) -> list[dict[str, Any]]:
            ordered = sorted(items.items(), key=lambda kv: (-kv[1].count, kv[0]))
            return [{key: name, "count": t.count, "example_pages": t.example_pages, "reason": t.reason}
                    for name, t in ordered]

        return {
            "space": self.space, "source": self.source, "sitename": self.sitename, "generator": self.generator,
            "schema_version": self.schema_version, "pages_in_dump": self.pages_in_dump,
            "pages_created": self.pages_created, "pages_updated": self.pages_updated,
            "pages_unchanged": self.pages_unchanged, "redirects": self.redirects,
            "revisions_imported": self.revisions_imported,
            "revisions_already_imported": self.revisions_already_imported,
            "revisions_without_changes": self.revisions_without_changes,
            "revisions_kept_as_wikitext": self.revisions_kept_as_wikitext,
            "skipped_namespaces": dict(sorted(self.skipped_namespaces.items())),
            "unknown_properties": tallies(self.unknown_properties, "property"),
            "invalid_annotations": tallies(self.invalid_annotations, "annotation"),
            "templates_kept_as_text": dict(self.templates_kept_as_text.most_common()),
            "problems": self.problems, "needs_review": self.needs_review, "seconds": round(self.seconds, 2),
            "pages_per_second": self.pages_per_second,
        }


@dataclass(frozen=True)
class ImportOptions:
    mapping: Mapping[str, str] = field(default_factory=dict)
    max_page_chars: int = CONTENT_LIMIT


@dataclass
class _Redirect:
    page: DumpPage
    target: str


def parse_mapping(text: str, where: str = "the mapping file") -> dict[str, str]:
    """A TOML `[properties]` table: source wiki property = ontology property (label, CURIE or IRI)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidMapping(f"{where} is not valid TOML: {error}.") from None
    table = data.get("properties")
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise InvalidMapping(f'{where} needs a [properties] table of "Wiki property" = "Ontology property" lines.')
    return check_mapping(table, where)


def check_mapping(mapping: Mapping[str, str], where: str = "the mapping") -> dict[str, str]:
    """Every target must be an ontology property, so a typo fails before anything is imported."""
    ontology = get_ontology()
    wrong = [f"'{source}' -> '{target}'" for source, target in mapping.items() if ontology.property(target) is None]
    if wrong:
        raise InvalidMapping(f"{where} maps to properties the ontology does not have: {', '.join(wrong)}. "
                             "GET /api/ontology lists the properties.", errors=[{"field": "mapping", "message": w}
                                                                                  for w in wrong])
    return dict(mapping)


def import_dump(database: Database, user: User, space_id: int, path: Path, options: ImportOptions = ImportOptions(),
                progress: Progress | None = None) -> ImportReport:
    """Import the dump at `path` into a space the user may edit; returns the report."""
    started = time.perf_counter()
    with database.transaction(write=False) as session:
        space, _ = space_service.get_space(session, user, space_id, need=Right.edit)
    report = ImportReport(space=space.key)
    site, total = _validate(path, report)
    importer = _Importer(database, user, space, site, options, report, progress, total)
    with path.open("rb") as stream, WikitextConverter(
        get_ontology(), options.mapping, category_names=[site.namespaces.get(CATEGORY_NAMESPACE, "Category")],
    ) as converter:
        _, pages_iter = read_dump(stream)
        try:
            importer.run(pages_iter, converter)
        except DumpError as error:  # the file changed since it was checked
            raise InvalidDump(f"{error} The pages before this point were imported; run the import again "
                              "with a complete file to finish.") from None
        except PandocMissing as error:
            raise ConverterUnavailable(f"{error} Nothing more was imported; install it and run the import again "
                                       "(it continues where it stopped).") from None
    report.seconds = time.perf_counter() - started
    return report


def _validate(path: Path, report: ImportReport) -> tuple[SiteInfo, int]:
    """Read the whole dump once before writing: a malformed or unsafe file changes nothing."""
    try:
        with path.open("rb") as stream:
            site, pages_iter = read_dump(stream)
            total = sum(1 for _ in pages_iter)
    except DumpError as error:
        raise InvalidDump(f"{error} Nothing was imported.") from None
    report.source, report.sitename, report.generator = site.source, site.sitename, site.generator
    report.schema_version, report.pages_in_dump = site.schema_version, total
    return site, total


class _Importer:
    def __init__(self, database: Database, user: User, space: Space, site: SiteInfo, options: ImportOptions,
                 report: ImportReport, progress: Progress | None, total: int) -> None:
        self.database, self.user, self.space, self.site = database, user, space, site
        self.options, self.report, self.progress, self.total = options, report, progress, total
        self.redirects: list[_Redirect] = []

    def run(self, pages_iter: Iterator[DumpPage], converter: WikitextConverter) -> None:
        """Import chunk by chunk while a worker thread converts the next chunk's wikitext (pandoc runs
        in its own process, so conversion and database work overlap)."""
        done = 0
        chunks = _chunks(pages_iter, PREFETCH_PAGES)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wikitext") as pool:
            ahead = self._prefetch(pool, converter, next(chunks, None))
            while ahead is not None:
                chunk, converting = ahead
                ahead = self._prefetch(pool, converter, next(chunks, None))
                with suppress(PandocMissing):  # raised again, and answered, by the first page that needs it
                    converting.result()
                for page in chunk:
                    self.one_page(page, converter)
                    done += 1
                    if self.progress is not None:
                        self.progress(done, self.total, page.title)
        self.store_redirects()

    def store_redirects(self) -> None:
        """Redirects last, when their targets exist; a redirect to a redirect waits for that one (chains)."""
        pending = self.redirects
        while pending:
            waiting = [redirect for redirect in pending if not self.one_redirect(redirect, final=False)]
            if len(waiting) == len(pending):
                for redirect in waiting:
                    self.one_redirect(redirect, final=True)
                return
            pending = waiting

    def _prefetch(self, pool: ThreadPoolExecutor, converter: WikitextConverter,
                  chunk: list[DumpPage] | None) -> tuple[list[DumpPage], Future[Any]] | None:
        """Start converting the revisions of a chunk that the ledger does not have yet."""
        if chunk is None:
            return None
        wanted = [page for page in chunk if page.namespace == MAIN_NAMESPACE and page.redirect is None
                  and page.size <= self.options.max_page_chars]
        known: set[int] = set()
        if wanted:
            with self.database.transaction(write=False) as session:
                known = set(session.scalars(select(ImportedRevision.source_revision_id).where(
                    ImportedRevision.space_id == self.space.id, ImportedRevision.source == self.site.source,
                    ImportedRevision.source_page_id.in_([page.id for page in wanted]))))
        texts = [r.text for page in wanted for r in page.revisions if r.id not in known]
        return chunk, pool.submit(converter.convert_all, texts)

    def one_page(self, page: DumpPage, converter: WikitextConverter) -> None:
        """Triage, then import the page in its own transaction; a problem skips this page only."""
        if page.namespace not in self.site.namespaces:
            self.report.problem(page, f"Namespace {page.namespace} is not declared in the dump's <siteinfo>; "
                                      "the page was not imported. Export the wiki again with its siteinfo.")
            return
        if page.namespace != MAIN_NAMESPACE:
            self.report.skipped_namespaces[self.site.namespaces[page.namespace] or "(main)"] += 1
            return
        if page.redirect is not None:
            self.redirects.append(_Redirect(page, page.redirect))
            return
        if page.size > self.options.max_page_chars:
            self.report.problem(page, f"A revision has {page.size:,} characters, more than the limit of "
                                      f"{self.options.max_page_chars:,}; the page was not imported (none of its "
                                      "revisions). Split it on the source wiki or raise the limit.")
            return
        job = _PageImport(self, page, converter)
        try:
            with self.database.transaction() as session, scoring.deferred_refreshes(session):
                job.run(session)  # maturity is scored once, on the final state with the source wiki's dates
        except PageProblem as problem:
            self.report.problem(page, str(problem))
        except ProblemError as error:  # refused by the pages service (title, annotations ...): nothing kept
            self.report.problem(page, f"{error.detail} The page was not imported.")
        except IntegrityError:  # another import of the same wiki wrote this page first
            self.report.problem(page, "Another import into this space wrote the page at the same time; this run "
                                      "left it alone. Run the import again to check it is complete.")
        else:
            job.count_into(self.report)

    def one_redirect(self, redirect: _Redirect, final: bool) -> bool:
        """Store one redirect; False if its target is missing and `final` is not set (try again later)."""
        try:
            with self.database.transaction() as session:
                self._store_redirect(session, redirect)
        except _TargetMissing as problem:
            if not final:
                return False
            self.report.problem(redirect.page, str(problem))
        except PageProblem as problem:
            self.report.problem(redirect.page, str(problem))
        except IntegrityError:  # its revision ids are taken: another page of the dump, or a concurrent import
            self.report.problem(redirect.page, "Its revision ids were already imported for another page of this "
                                               "wiki; the redirect was not kept. Check the dump.")
        return True

    def _store_redirect(self, session: Session, redirect: _Redirect) -> None:
        """A redirect becomes an alias title of its target page, as a renamed page's old title is."""
        page = redirect.page
        known = set(session.scalars(select(ImportedRevision.source_revision_id).where(*self.ledger_of(page))))
        if known and all(r.id in known for r in page.revisions):
            self.report.revisions_already_imported += len(page.revisions)
            self.report.pages_unchanged += 1
            return
        try:
            title, key = normalise_title(page.title), title_key(page.title)
            target_key = title_key(redirect.target.partition("#")[0])
        except InvalidTitle as error:
            raise PageProblem(f"The redirect cannot be kept: {error}") from None
        target_id = links.resolve(session, self.space.id, [target_key]).get(target_key)  # follows aliases
        target = session.get(Page, target_id) if target_id is not None else None
        if target is None:
            raise _TargetMissing(f"The redirect to '{redirect.target}' was not kept: there is no such page in "
                              f"'{self.space.key}'. Import the target first, then run the import again.")
        taken = session.scalar(select(Page.id).where(Page.space_id == self.space.id, Page.title_key == key))
        if taken is not None:
            raise PageProblem(f"The redirect '{title}' was not kept: '{self.space.key}' has a page of that title "
                              f"(page {taken}).")
        session.execute(delete(PageAlias).where(PageAlias.space_id == self.space.id, PageAlias.title_key == key))
        session.add(PageAlias(space_id=self.space.id, title=title, title_key=key, page_id=target.id))
        for revision in page.revisions:
            if revision.id not in known:
                session.add(self.ledger_row(page, revision, target.id, None, "redirect"))
        self.report.redirects += 1

    def ledger_of(self, page: DumpPage) -> tuple[Any, ...]:
        return (ImportedRevision.space_id == self.space.id, ImportedRevision.source == self.site.source,
                ImportedRevision.source_page_id == page.id)

    def ledger_row(self, page: DumpPage, revision: DumpRevision, page_id: int | None, revision_id: int | None,
                   outcome: str) -> ImportedRevision:
        return ImportedRevision(space_id=self.space.id, source=self.site.source, source_page_id=page.id,
                                source_revision_id=revision.id, source_title=page.title[:255], page_id=page_id,
                                revision_id=revision_id, outcome=outcome)


class _PageImport:
    """One page's missing revisions, appended in order through the pages service."""

    def __init__(self, importer: _Importer, page: DumpPage, converter: WikitextConverter) -> None:
        self.importer, self.page, self.converter = importer, page, converter
        self.counts: Counter[str] = Counter()
        self.current: Converted | None = None
        self.page_id: int | None = None
        self.kept_as_wikitext: dict[int, list[str]] = {}  # source revision id -> why parts were kept as wikitext

    def count_into(self, report: ImportReport) -> None:
        """Counted only once the page's transaction committed, so the report never counts a rolled-back page."""
        for name, number in self.counts.items():
            setattr(report, name, getattr(report, name) + number)
        if self.current is not None:
            report.note_annotations(self.page.title, self.current)
        if self.kept_as_wikitext:
            report.needs_review.append({
                "title": self.page.title, "source_page_id": self.page.id, "page_id": self.page_id,
                "source_revision_ids": list(self.kept_as_wikitext),
                "current_revision": bool(self.current and self.current.kept_as_wikitext),
                "reasons": list(dict.fromkeys(r for reasons in self.kept_as_wikitext.values() for r in reasons)),
            })

    def run(self, session: Session) -> None:
        self.session = session
        rows = list(self.session.scalars(select(ImportedRevision).where(*self.importer.ledger_of(self.page))))
        known = {row.source_revision_id for row in rows}
        target_id = next((row.page_id for row in rows if row.page_id is not None), None)
        ordered = sorted(self.page.revisions, key=lambda r: (r.timestamp, r.id))
        missing = [r for r in ordered if r.id not in known]
        self.counts["revisions_already_imported"] += len(ordered) - len(missing)
        if not missing:
            self.counts["pages_unchanged"] += 1
            return
        if target_id is not None:
            latest = max((r for r in ordered if r.id in known), key=lambda r: (r.timestamp, r.id))
            if (missing[0].timestamp, missing[0].id) < (latest.timestamp, latest.id):
                raise PageProblem(f"{len(missing)} revision(s) are older than the last one imported "
                                  f"({latest.id}); history cannot be rewritten, so none were added.")
        converted = self.converter.convert_all([r.text for r in missing])
        target = self.session.get(Page, target_id) if target_id is not None else None
        if target is None:
            self._ensure_title_free()
        elif target.deleted_at is not None:
            raise PageProblem(f"The page was imported before as page {target.id} and has been deleted here since; "
                              f"restore it (POST /api/pages/{target.id}/restore) to import its newer revisions.")
        elif target.space_id != self.importer.space.id:
            raise PageProblem(f"The page was imported before as page {target.id} and has since been moved to another "
                              "space; its newer revisions were not added there. Move it back to import them.")
        for revision, result in zip(missing, converted, strict=True):
            if len(result.markdown) > self.importer.options.max_page_chars:
                raise PageProblem(f"Revision {revision.id} is {len(result.markdown):,} characters as Markdown, "
                                  f"more than the limit of {self.importer.options.max_page_chars:,}.")
            target = self._save(target, revision, result)
            self.current = result
            if result.kept_as_wikitext:
                self.kept_as_wikitext[revision.id] = result.kept_as_wikitext
                self.counts["revisions_kept_as_wikitext"] += 1
        assert target is not None
        self.page_id = target.id
        target.updated_at = missing[-1].timestamp
        if target_id is None:
            target.created_at = ordered[0].timestamp
            self.counts["pages_created"] += 1
        else:
            self.counts["pages_updated"] += 1

    def _ensure_title_free(self) -> None:
        key = _key_or_problem(self.page.title)
        existing = self.session.scalar(select(Page.id).where(Page.space_id == self.importer.space.id,
                                                             Page.title_key == key))
        if existing is not None:
            raise PageProblem(f"'{self.importer.space.key}' already has a page titled '{self.page.title}' "
                              f"(page {existing}) that did not come from this wiki; it was left as it is. "
                              "Rename one of them and run the import again.")

    def _save(self, target: Page | None, revision: DumpRevision, result: Converted) -> Page:
        user, space = self.importer.user, self.importer.space
        summary = revision.comment[:500]
        if target is None:
            target = pages.create_page(self.session, user, space.id, self.page.title, result.markdown, [], summary,
                                       result.structured)
            saved: Revision | None = pages.current_revision(self.session, target)
        else:
            access = pages.get_access(self.session, user, target.id, need=Right.edit)  # the one rights rule
            outcome = pages.edit_page(self.session, user, access, pages.PageEdit(
                target.current_revision_id or 0, result.markdown, [], result.structured, summary, revision.minor,
                on_conflict="fail"))
            saved = outcome.revision if outcome.changed else None
        if saved is None:
            self.counts["revisions_without_changes"] += 1
            self.session.add(self.importer.ledger_row(self.page, revision, target.id, None, "unchanged"))
            return target
        saved.created_at, saved.imported_author = revision.timestamp, revision.author[:255]
        self.counts["revisions_imported"] += 1
        self.session.add(self.importer.ledger_row(self.page, revision, target.id, saved.id, "imported"))
        return target


def _chunks(pages_iter: Iterator[DumpPage], size: int) -> Iterator[list[DumpPage]]:
    while chunk := list(itertools.islice(pages_iter, size)):
        yield chunk


def _key_or_problem(title: str) -> str:
    try:
        return title_key(title)
    except InvalidTitle as error:
        raise PageProblem(f"The title cannot be used here: {error}") from None
