"""The `mature` command: serve, migrate, users, tokens, demo data."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from app import __version__
from app.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.auth.models import User


def _database(settings: Settings):
    from app.db import Database, make_engine

    return Database(make_engine(settings))


@contextmanager
def progress_reporter(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on a terminal, plain progress lines otherwise (logs, CI)."""
    if not sys.stderr.isatty():
        yield lambda done, total, item: click.echo(f"{label}: {done}/{total} {item}", err=True)
        return
    bar = None
    try:
        def update(done: int, total: int, item: str) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True).__enter__()
            bar.update(done - bar.pos)

        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


class Commands(click.Group):
    """The `mature` group: any command's expected failure ends in one clear line on stderr and exit status 1.

    Raised anywhere below a command, an unreadable or unwritable file, a refusal of the service (ProblemError),
    an unreachable database or a damaged archive becomes a `click.ClickException`; anything else is logged with
    its traceback at DEBUG and reported in one line, so no command ever prints a traceback at an operator.
    """

    def invoke(self, ctx: click.Context) -> object:
        from sqlalchemy.exc import OperationalError

        from app.errors import ProblemError
        from app.observers import register_all
        from app.operations.archive import ArchiveError

        register_all()  # page writes (demo, import, users ...) run their subscribers as in the server
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            raise click.ClickException(_os_error_message(exc)) from None
        except ProblemError as exc:
            raise click.ClickException(exc.detail) from None
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            raise click.ClickException(
                f"the database cannot be reached or used ({type(exc.orig).__name__}: "
                f"{str(exc.orig).splitlines()[0] if exc.orig else exc}); check MATURE_DATABASE_URL") from None
        except Exception as exc:
            logging.getLogger("app.cli").debug("command failed", exc_info=True)
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {exc} (nothing more was done; "
                "MATURE_LOG_LEVEL=DEBUG shows the traceback)") from None


def _os_error_message(exc: OSError) -> str:
    """'cannot use /nonexistent/x.zip: there is no folder /nonexistent' rather than the errno tuple."""
    from pathlib import Path

    if not exc.filename:
        return f"a file could not be used: {exc.strerror or exc}"
    path = Path(str(exc.filename))
    if isinstance(exc, FileNotFoundError) and not path.parent.exists():
        return f"cannot use {path}: there is no folder {path.parent}; nothing was written"
    return f"cannot use {path}: {exc.strerror or exc}"


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="mature", message="%(prog)s %(version)s")
def main() -> None:
    """MATURE-LMI: a knowledge-maturing service for careers labour-market information."""
    logging.basicConfig(level=Settings().log_level, format="%(levelname)s %(name)s: %(message)s")


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations."""
    from app import schema_migrations

    database = _database(Settings())
    schema_migrations.upgrade(database.engine, revision)
    click.echo(f"database at {revision}", err=True)


@main.command()
def demo() -> None:
    """Load the demo organisation (idempotent); refused in production."""
    settings = Settings()
    if settings.env == "production":
        raise click.ClickException("The demo dataset has known passwords; it is refused when MATURE_ENV=production.")
    _load_demo(settings)


def _load_demo(settings: Settings) -> None:
    from app import schema_migrations
    from app.demo.loader import load_demo

    database = _database(settings)
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session, progress_reporter("demo pages") as progress:
        report = load_demo(session, progress)
    click.echo(
        f"demo: {report.users} users, {report.spaces} spaces, {report.pages} pages, "
        f"{report.revisions} revisions added. Sign in as alice, ben, carol (manager) or admin "
        f"with the password '{report.password}'.", err=True,
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Load the demo dataset first (idempotent).")
def serve(host: str, port: int, workers: int, with_demo: bool) -> None:
    """Run migrations if needed, then serve the API."""
    import uvicorn

    from app import schema_migrations

    settings = Settings()
    settings.resolved_secret_key()
    database = _database(settings)
    schema_migrations.upgrade(database.engine)
    database.dispose()
    if with_demo:
        _load_demo(settings)
    click.echo(f"serving on http://{host}:{port}/ (API docs at /docs)", err=True)
    # X-Forwarded-For is believed only from MATURE_TRUSTED_PROXIES (the app does it), not from any local process
    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, log_level=settings.log_level.lower(),
                proxy_headers=False)


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["adviser", "manager", "admin"]), default="adviser", show_default=True)
@click.option("--display-name", default=None, help="Defaults to NAME.")
def user_add(name: str, role: str, display_name: str | None) -> None:
    """Create an account; the password is read from stdin (or prompted for on a terminal)."""
    from app.auth import service
    from app.auth.models import Role
    from app.people import service as people

    password = _read_password("Password")
    with _database(Settings()).transaction() as session:
        try:
            created = service.create_user(session, name, display_name or name, Role(role), password)
        except Exception as exc:  # a ProblemError carries a readable message
            raise click.ClickException(getattr(exc, "detail", str(exc))) from None
        people.ensure_people(session)  # in the directory at once, ready to be tagged
        click.echo(f"created {created.username} ({role}), id {created.id}", err=True)


def _read_password(label: str) -> str:
    """A new password from a prompt on a terminal (typed twice), else the first line of stdin; the one rule."""
    from app.auth.security import password_problem

    if sys.stdin.isatty():
        password = click.prompt(label, hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if (problem := password_problem(password)) is not None:
        raise click.ClickException(problem)
    return password


@contextmanager
def _account(name: str) -> Iterator[tuple[Session, User]]:
    """A transaction and the account called NAME in it, or a clear error (never a traceback)."""
    from app.auth import service
    from app.errors import ProblemError

    with _database(Settings()).transaction() as session:
        try:
            yield session, service.get_user_by_username(session, name)
        except ProblemError as exc:
            raise click.ClickException(exc.detail) from None


@user.command("password")
@click.argument("name")
def user_password(name: str) -> None:
    """Set a new password for NAME (from stdin, or prompted for on a terminal); signs NAME out of every
    sign-in token and ends sign-in delays for NAME. Personal access tokens keep working."""
    from app.auth import service
    from app.security import login_limit

    password = _read_password("New password")
    with _account(name) as (session, account):
        revoked = service.set_password(session, account, password)
        login_limit.forget_account(session, account.username)
    click.echo(f"new password set for {account.username}; {revoked} sign-in token(s) revoked", err=True)


@user.command("deactivate")
@click.argument("name")
def user_deactivate(name: str) -> None:
    """Deactivate NAME: sign-in is refused and every token of NAME stops working at once."""
    from app.auth import service

    with _account(name) as (session, account):
        was_active = account.is_active
        revoked = service.set_active(session, None, account, False)
    click.echo(f"{account.username} deactivated; {revoked} token(s) revoked" if was_active else
               f"{account.username} was already deactivated", err=True)


@user.command("activate")
@click.argument("name")
def user_activate(name: str) -> None:
    """Reactivate NAME: the password works again; tokens revoked on deactivation stay revoked."""
    from app.auth import service

    with _account(name) as (session, account):
        was_active = account.is_active
        service.set_active(session, None, account, True)
    click.echo(f"{account.username} was already active" if was_active else
               f"{account.username} activated; they can sign in with their password", err=True)


@main.command()
@click.option("--user", "username", default=None, help="Dump what this user may read.")
@click.option("--all", "everything", is_flag=True, help="Dump every live page (operators: backups, migration).")
@click.option("--format", "rdf_format", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-", show_default=True)
def dump(username: str | None, everything: bool, rdf_format: str, output: str) -> None:
    """Write the RDF dataset (one named graph per space) to a file or stdout."""
    from app.auth import service
    from app.linkeddata import dump as rdf_dump
    from app.linkeddata.rdf import Iris

    if everything == (username is not None):
        raise click.UsageError("Give exactly one of --user NAME or --all.")
    settings = Settings()
    with _database(settings).transaction(write=False) as session:
        user = None
        if username is not None:
            try:
                user = service.get_user_by_username(session, username)
            except Exception as exc:
                raise click.ClickException(getattr(exc, "detail", str(exc))) from None
        iris = Iris(settings.base_iri)
        data = rdf_dump.everything(session, iris, rdf_format) if user is None else \
            rdf_dump.dataset(session, iris, user, rdf_format)
    with click.open_file(output, "wb") as stream:
        stream.write(data)


@main.command()
def recompute() -> None:
    """Recompute every page's maturity from its ratings and history (run nightly: currency decays with time)."""
    from sqlalchemy import select

    from app.pages.models import Page
    from app.quality import scoring

    database = _database(Settings())
    with database.transaction(write=False) as session:
        ids = list(session.scalars(select(Page.id).order_by(Page.id)))
    with progress_reporter("maturity") as progress:
        for start in range(0, len(ids), 500):
            with database.transaction() as session:
                for page_id in ids[start:start + 500]:
                    scoring.refresh(session, page_id)
            progress(min(start + 500, len(ids)), len(ids), f"page {ids[min(start + 499, len(ids) - 1)]}")
    click.echo(f"recomputed the maturity of {len(ids)} pages", err=True)


@main.command()
def reindex() -> None:
    """Rebuild the search index from the database (safe while servers run: they keep answering)."""
    from app.search.index import IndexBusy, PageIndex
    from app.search.indexer import Indexer

    settings = Settings()
    indexer = Indexer(_database(settings), PageIndex(settings.data_dir / "search"))
    with progress_reporter("search index") as progress:
        try:
            count = indexer.rebuild(lambda done, total: progress(done, total, "pages"))
        except IndexBusy:
            raise click.ClickException("another process is writing the search index; try again in a moment") from None
    indexer.index.close()
    click.echo(f"indexed {count} pages", err=True)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup(file: str) -> None:
    """Write the whole service state to FILE (a zip; safe while servers run). Restore it with `mature restore`."""
    from pathlib import Path

    from app.operations.archive import ArchiveError
    from app.operations.backup import write_backup

    settings = Settings()
    database = _database(settings)
    with progress_reporter("backup tables") as progress:
        try:
            report = write_backup(database.engine, settings, Path(file), progress)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
    database.dispose()
    key = "with" if report.secret_key_included else "without (keep MATURE_SECRET_KEY with it)"
    click.echo(f"backed up {report.rows} rows of {report.tables} tables at schema revision {report.revision} "
               f"to {file}, {key} the secret key", err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
def restore(file: str, force: bool) -> None:
    """Restore a `mature backup` FILE into an empty database (stop the servers first), then rebuild search."""
    from pathlib import Path

    from app.operations.archive import ArchiveError
    from app.operations.restore import restore_backup

    settings = Settings()
    database = _database(settings)
    with progress_reporter("restore tables") as progress:
        try:
            report = restore_backup(database.engine, settings, Path(file), force, progress)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from None
    database.dispose()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"restored {report.rows} rows of {report.tables} tables (schema revision {report.revision}); "
               f"search index rebuilt with {report.indexed_pages} pages", err=True)


@main.group()
def webhooks() -> None:
    """Webhook delivery."""


@webhooks.command("deliver")
def webhooks_deliver() -> None:
    """Queue deliveries for new events and post every due one (for servers run with MATURE_WEBHOOK_DELIVERY=false)."""
    from app.following.dispatch import WebhookWorker

    settings = Settings()
    worker = WebhookWorker(_database(settings), settings.resolved_secret_key(), settings.base_iri)
    attempted = 0
    while (sent := worker.run_once()):
        attempted += sent
    click.echo(f"attempted {attempted} deliveries", err=True)


@main.group()
def bookmarks() -> None:
    """Bookmarked external sources."""


@bookmarks.command("check")
@click.option("--space", "space_key", help="Only this space's bookmarks (its key).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each source.")
@click.option("--allow-private", is_flag=True, help="Also check addresses on private networks or this machine.")
def bookmarks_check(space_key: str | None, timeout: float, allow_private: bool) -> None:
    """Check that bookmarked sources still answer; flag the dead ones (run it when you choose, e.g. weekly)."""
    from app.tagging.linkcheck import CheckState, check_bookmarks

    with progress_reporter("bookmarks") as progress:
        run = check_bookmarks(_database(Settings()), space_key=space_key, timeout=timeout,
                              allow_private=allow_private, progress=progress)
    for result in run.results:
        if result.state is not CheckState.alive:
            label = "SKIPPED" if result.skipped else result.state.value.replace("_", " ").upper()
            click.echo(f"{label} page {result.page_id} {result.url}: {result.error}")
    counts = (f"{run.count(CheckState.alive)} alive, {run.count(CheckState.dead)} dead, "
              f"{run.count(CheckState.could_not_check)} could not be checked, {run.count(None)} skipped")
    if run.outage:
        raise click.ClickException(
            f"almost no source answered at all ({counts}): this machine's network or DNS looks down, so nothing "
            "was recorded and no bookmark was flagged; run the check again when the network is back")
    click.echo(f"checked {len(run.results) - run.count(None)} bookmarks: {counts}", err=True)


@main.group()
def token() -> None:
    """Personal access tokens."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="command line", show_default=True)
@click.option("--days", default=90, show_default=True, type=int, help="0 for a token that never expires.")
def token_create(name: str, label: str, days: int) -> None:
    """Print a new personal access token for user NAME on stdout, alone."""
    from app.auth import service
    from app.auth.models import TokenKind

    settings = Settings()
    with _database(settings).transaction() as session:
        try:
            account = service.get_user_by_username(session, name)
        except Exception as exc:
            raise click.ClickException(getattr(exc, "detail", str(exc))) from None
        issued = service.issue_token(session, settings.resolved_secret_key(), account, TokenKind.personal, label,
                                     timedelta(days=days) if days else None)
    click.echo(issued.token)


@main.group()
def topics() -> None:
    """The topic scheme people are tagged with (SKOS)."""


@topics.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--scheme", default=None, help="Import only the concepts of this skos:ConceptScheme IRI.")
@click.option("--format", "rdf_format", default=None, help="turtle, json-ld, xml or nt (default: from the suffix).")
@click.option("--base", default=None, help="Resolve relative IRIs against this (a file without @base/xml:base).")
def topics_import(file: str, scheme: str | None, rdf_format: str | None, base: str | None) -> None:
    """Import a SKOS scheme (e.g. part of ESCO) without duplicating topics already there."""
    from pathlib import Path

    from app import schema_migrations
    from app.topics import skos
    from app.negotiation import FORMAT_ALIASES

    suffixes = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".json": "application/ld+json",
                ".rdf": "application/rdf+xml", ".xml": "application/rdf+xml", ".nt": "application/n-triples"}
    path = Path(file)
    media = FORMAT_ALIASES.get((rdf_format or "").lower()) or suffixes.get(path.suffix.lower(), "text/turtle")
    database = _database(Settings())
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session:
        try:
            report = skos.import_scheme(session, None, skos.parse(path.read_bytes(), media, base), scheme)
        except Exception as exc:  # a ProblemError carries a readable message
            raise click.ClickException(getattr(exc, "detail", str(exc))) from None
    click.echo(f"{report.concepts} concepts: {report.created} new, {report.matched_by_iri} matched by IRI, "
               f"{report.matched_by_label} by label; {report.synonyms_added} synonyms and "
               f"{report.relations_added} broader and {report.related_added} related links added; "
               f"{report.refused_count} concepts refused, {len(report.skipped)} links skipped", err=True)
    for refused in report.refused[:20]:
        click.echo(f"  refused <{refused['iri']}>: {refused['reason']}", err=True)


@topics.command("export")
@click.option("--format", "rdf_format", type=click.Choice(["turtle", "json-ld", "xml", "nt"]), default="turtle",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-", show_default=True)
def topics_export(rdf_format: str, output: str) -> None:
    """Write the topic scheme as SKOS to a file or stdout."""
    from app.topics import skos

    with _database(Settings()).transaction(write=False) as session:
        data = skos.serialize_scheme(session, rdf_format)
    with click.open_file(output, "wb") as stream:
        stream.write(data)


@main.group()
def reports() -> None:
    """Skills-gap reports."""


@reports.command("snapshot")
@click.option("--as", "username", required=True,
              help="A manager or admin whose read rights bound the knowledge-base page counts.")
def reports_snapshot(username: str) -> None:
    """Keep every skills-gap profile's report as it is now (run nightly, so reports can go back in time)."""
    from sqlalchemy import select

    from app.auth.models import Role, User
    from app.reports import history

    with _database(Settings()).transaction() as session:
        viewer = session.scalar(select(User).where(User.username == username))
        if viewer is None or viewer.role not in (Role.manager, Role.admin) or not viewer.is_active:
            raise click.ClickException(f"'{username}' is not an active manager or admin; name one with --as")
        taken = history.take_all(session, None, viewer)
    click.echo(f"took {len(taken)} snapshots", err=True)


@main.group("import")
def import_group() -> None:
    """Bring content in from other systems."""


@import_group.command("mediawiki")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--space", "space_key", required=True, help="Key of the space to import into.")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False),
              help='TOML file with a [properties] table: "Wiki property" = "Ontology property".')
@click.option("--as", "username", help="The admin the import is done as (default: the first active admin).")
@click.option("--max-page-chars", type=click.IntRange(min=1), default=None,
              help="Pages with a larger revision are reported and not imported (default: the page limit).")
def import_mediawiki(file: str, space_key: str, mapping_file: str | None, username: str | None,
                     max_page_chars: int | None) -> None:
    """Import a MediaWiki XML export (schema 0.10/0.11) with full history; prints the report as JSON.

    Re-running adds only what is new; an interrupted run resumes where it stopped."""
    import json
    from pathlib import Path

    from sqlalchemy import select

    from app.auth.models import Role, Space, User
    from app.errors import ProblemError
    from app.pages.schemas import CONTENT_LIMIT
    from app.wikiimport.importer import ImportOptions, import_dump, parse_mapping

    database = _database(Settings())
    try:
        with database.transaction(write=False) as session:
            query = select(User).where(User.role == Role.admin, User.is_active.is_(True))
            admin = session.scalar(query.where(User.username == username) if username else query.order_by(User.id))
            space = session.scalar(select(Space).where(Space.key == space_key))
        if admin is None:
            raise click.ClickException(f"'{username}' is not an active admin" if username else
                                       "there is no active admin; create one with `mature user add NAME --role admin`")
        if space is None:
            raise click.ClickException(f"there is no space '{space_key}'; see GET /api/spaces")
        try:
            mapping = parse_mapping(Path(mapping_file).read_text("utf-8"), mapping_file) if mapping_file else {}
            options = ImportOptions(mapping=mapping, max_page_chars=max_page_chars or CONTENT_LIMIT)
            with progress_reporter("pages") as progress:
                report = import_dump(database, admin, space.id, Path(file), options, progress)
        except ProblemError as error:
            raise click.ClickException(error.detail) from None
    finally:
        database.dispose()
    click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    click.echo(f"{report.pages_created} pages created, {report.pages_updated} updated, {report.redirects} redirects, "
               f"{report.revisions_imported} revisions imported, {len(report.problems)} problem(s), "
               f"{len(report.needs_review)} page(s) with wikitext kept for review, "
               f"{report.pages_per_second} pages/s", err=True)


if __name__ == "__main__":  # python -m app.cli, as the tests and docs run it from a worktree
    main()
