"""Benchmark for the MediaWiki import: a generated dump of 5,000 pages x 10 revisions into an empty space.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/wiki_import.py [--pages 5000] [--revisions 10] [--database-url URL] [--json]

What it does:

1. Writes a MediaWiki export (schema 0.11, the layout dumpBackup.php writes: siteinfo with namespaces,
   pages with revisions, contributors, comments, minor flags) to a temporary file. Each page grows over
   its revisions from careers-corpus prose, with a heading, a list, bold/italic, wiki links to other
   pages, a table on every third page, SMW annotations of ontology properties (Sector, Region, Median
   pay), one unknown property (Employer count) and a category; 5 % of pages are redirects.
2. Makes a throwaway SQLite database (or uses --database-url, an empty throwaway PostgreSQL database),
   runs the migrations, creates an admin and a space.
3. Imports the dump with app.wikiimport.importer.import_dump (what the CLI and the admin API run) and
   prints pages/s and revisions/s overall, and the seconds spent converting wikitext (mwparserfromhell +
   pandoc, in a worker thread overlapping the database work). Then runs the same import again
   (idempotent: nothing to write).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import load_corpus
from lmi_pages import REGIONS, SECTORS

from app import schema_migrations
from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import Role, Visibility
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.wikiimport import convert
from app.wikiimport.importer import import_dump

AUTHORS = [f"Adviser {n}" for n in range(1, 21)]
HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">
  <siteinfo>
    <sitename>Bench Wiki</sitename>
    <dbname>benchwiki</dbname>
    <base>http://localhost/index.php/Main_Page</base>
    <generator>MediaWiki 1.39.17</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
      <namespace key="10" case="first-letter">Template</namespace>
      <namespace key="14" case="first-letter">Category</namespace>
    </namespaces>
  </siteinfo>
"""


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--revisions", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", dest="as_json", action="store_true")
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wikitext(rng: random.Random, sentences: list[str], title: str, titles: list[str], version: int,
             with_table: bool) -> str:
    """One revision: the page grows by a sentence or two per revision, and its figures change."""
    sector, region = rng.choice(SECTORS), rng.choice(REGIONS)
    body = " ".join(sentences[: 3 + 2 * version])
    links = " and ".join(f"[[{t}]]" for t in rng.sample(titles, 2))
    lines = [f"'''{title}''' in the [[Region::{region}]] "
             f"(provisional figures, ''version {version}'').",
             "", "== Summary ==", body, "", "== Facts ==",
             f"* Sector: [[Sector::{sector}]]",
             f"* Median pay: [[Median pay::£{rng.randint(18, 60)},{rng.randint(0, 9)}00]]",
             f"* Employers: [[Employer count::{rng.randint(10, 5000)}]]", f"* See also {links}", ""]
    if with_table:
        lines += ['{| class="wikitable"', "! Role !! Starting pay", "|-",
                  f"| Assistant || £{rng.randint(18, 25)},000", "|-",
                  f"| Senior || £{rng.randint(25, 40)},000", "|}", ""]
    lines.append("[[Category:Occupation profile]]")
    return "\n".join(lines)


def write_dump(path: Path, pages: int, revisions: int, rng: random.Random) -> int:
    corpus = [sentence for document in load_corpus() for sentence in document]
    titles = [f"Occupation {n:05d}" for n in range(pages)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    revision_id = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for page_id, title in enumerate(titles, start=1):
            redirect = rng.random() < 0.05
            offset = rng.randrange(max(1, len(corpus) - 40))
            sentences = corpus[offset:offset + 40]
            out.write(f"  <page>\n    <title>{escape(title)}</title>\n    <ns>0</ns>\n    <id>{page_id}</id>\n")
            if redirect:
                out.write(f"    <redirect title={quoteattr(titles[page_id % pages])} />\n")
            count = 1 if redirect else revisions
            for version in range(1, count + 1):
                revision_id += 1
                text = (f"#REDIRECT [[{titles[page_id % pages]}]]" if redirect
                        else wikitext(rng, sentences, title, titles, version, page_id % 3 == 0))
                stamp = (start + timedelta(days=page_id % 3000, hours=version)).strftime("%Y-%m-%dT%H:%M:%SZ")
                minor = "      <minor />\n" if version % 4 == 0 else ""
                out.write(f"    <revision>\n      <id>{revision_id}</id>\n      <timestamp>{stamp}</timestamp>\n"
                          f"      <contributor>\n        <username>{escape(rng.choice(AUTHORS))}</username>\n"
                          f"        <id>1</id>\n      </contributor>\n{minor}"
                          f"      <comment>Update {version}</comment>\n      <model>wikitext</model>\n"
                          f"      <format>text/x-wiki</format>\n"
                          f"      <text bytes=\"{len(text.encode())}\" xml:space=\"preserve\">{escape(text)}</text>\n"
                          f"    </revision>\n")
            out.write("  </page>\n")
        out.write("</mediawiki>\n")
    return revision_id


class ConversionClock:
    """Seconds spent converting wikitext (in the importer's worker thread, overlapping the database work)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.texts = 0
        self._original = convert.WikitextConverter._convert_batch
        clock = self

        def timed(converter, texts):
            started = time.perf_counter()
            try:
                return clock._original(converter, texts)
            finally:
                clock.seconds += time.perf_counter() - started
                clock.texts += len(texts)

        convert.WikitextConverter._convert_batch = timed  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="bench-wiki-") as tmp:
        dump = Path(tmp) / "dump.xml"
        revisions = write_dump(dump, options.pages, options.revisions, rng)
        progress(f"dump: {options.pages} pages, {revisions} revisions, {dump.stat().st_size / 1e6:.1f} MB")
        url = options.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(env="development", database_url=url, data_dir=Path(tmp), secret_key="b" * 40)
        engine = make_engine(settings)
        schema_migrations.upgrade(engine)
        database = Database(engine)
        with database.transaction() as session:
            admin = account_service.create_user(session, "bench-admin", "Bench admin", Role.admin, None)
            space = space_service.create_space(session, admin, SpaceCreate(
                key="imported", name="Imported wiki", visibility=Visibility.members))
            space_id = space.id
        clock = ConversionClock()
        began, last = time.perf_counter(), [0.0]

        def report_progress(done: int, total: int, _title: str) -> None:
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                elapsed = last[0] - began
                progress(f"  {done}/{total} pages in {elapsed:.0f} s ({done / elapsed:.2f} pages/s)")

        first = import_dump(database, admin, space_id, dump, progress=report_progress)
        conversion = {"seconds": round(clock.seconds, 1), "texts": clock.texts}
        again = import_dump(database, admin, space_id, dump)
        database.dispose()
    summary = {
        "database": engine.dialect.name, "cpus": os.cpu_count(), "machine": platform.machine(),
        "python": platform.python_version(), "pages": options.pages, "revisions": revisions,
        "import": {"seconds": round(first.seconds, 1), "pages_per_second": first.pages_per_second,
                   "revisions_per_second": round(first.revisions_imported / first.seconds, 1),
                   "pages_created": first.pages_created, "redirects": first.redirects,
                   "revisions_imported": first.revisions_imported, "problems": len(first.problems)},
        "conversion": {**conversion, "texts_per_second": round(conversion["texts"] / max(clock.seconds, 1e-9), 1)},
        "rerun": {"seconds": round(again.seconds, 1), "pages_per_second": again.pages_per_second,
                  "revisions_imported": again.revisions_imported},
    }
    if options.as_json:
        print(json.dumps(summary, indent=2))
        return
    print(f"MediaWiki import on {summary['database']}, {summary['cpus']} CPUs ({summary['machine']}), "
          f"Python {summary['python']}")
    imported = summary["import"]
    print(f"first import: {imported['pages_created']} pages + {imported['redirects']} redirects, "
          f"{imported['revisions_imported']} revisions in {imported['seconds']} s: "
          f"{imported['pages_per_second']} pages/s, {imported['revisions_per_second']} revisions/s "
          f"({imported['problems']} problems)")
    print(f"  of which wikitext conversion: {conversion['seconds']} s for {conversion['texts']} texts "
          f"({summary['conversion']['texts_per_second']} texts/s)")
    rerun = summary["rerun"]
    print(f"re-run (nothing new): {rerun['seconds']} s, {rerun['pages_per_second']} pages/s, "
          f"{rerun['revisions_imported']} revisions imported")


if __name__ == "__main__":
    main()
