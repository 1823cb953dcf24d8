"""Generate a realistic careers organisation in MATURE-LMI through the service's own code paths.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/organisation.py --data-dir DIR [--scale 1.0] [--database-url URL] [--no-index] [--json]

At --scale 1 (the sizes scale linearly; --scale 0.02 is a quick run):
- 5,000 people: 4,000 staff accounts (200 of them editors of four organisation-wide spaces, one
  manager owns the spaces) and 1,000 external contacts;
- 2,000 topics: the seeded scheme (ontology/topics.ttl) plus generated concepts, each with a
  synonym and a broader topic (at most five levels deep);
- 50,000 pages of real careers-guidance prose from /work/shared/corpus (bench/lmi_pages.py), each
  with 3-7 inline annotations (sector, region, review date, source, pay, topics), a category and
  links to earlier pages; 2 % are private drafts in their author's personal space; a quarter of the
  pages get 1-3 further revisions by other editors;
- 200,000 people tags (popular topics far more used than rare ones, 10 % self-tags);
- 1,000,000 ratings (about 20 per organisation page, distinct raters, 2-6 criteria each).

Everything goes through the functions the HTTP routes call, with their checks, change log, search
queue and maturity: `account_service.create_user`, `people_service.ensure_people/create_contact/put_tag`,
`space_service`, `topics.create_topic/add_synonym/set_broader`, `page_service.create_page/get_access/
edit_page`, `quality_service.put_rating` followed by `scoring.refresh` of the rated page (as the
rating route does) -- many operations per transaction, so it finishes in reasonable time. Then the
search index is built as `mature reindex` builds it, and DIR/organisation.json records the sizes,
timings and what bench/mixed_load.py needs (usernames, space ids).

With --database-url the data goes into that PostgreSQL database (point it at an empty throwaway
database); otherwise into DIR/mature.db (SQLite).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus import load_corpus
from lmi_pages import make_content
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import schema_migrations
from app.auth import service as account_service
from app.auth import space_service
from app.auth.models import MemberRole, Role, User, Visibility
from app.auth.rights import Right
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine
from app.pages import service as page_service
from app.pages.models import Page, Revision
from app.people import service as people_service
from app.topics import skos, service as topics
from app.people.models import Person, PersonTag
from app.topics.models import TopicConcept, TopicStatus
from app.people.schemas import PersonCreate, TagCreate
from app.quality import scoring
from app.quality import service as quality_service
from app.quality.models import CRITERIA, Rating
from app.quality.schemas import RatingPut
from app.search.index import PageIndex
from app.search.indexer import Indexer
from app.annotations.models import PageAnnotation
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

BATCH = 500  # service operations (pages, edits, tags, pages' ratings) per transaction
SPACES = ["national", "regional", "sectors", "occupations"]
FIRST = ("Amara", "Ben", "Chloe", "Dev", "Eilidh", "Femi", "Grace", "Hamza", "Isla", "Jon", "Kiran", "Lena",
         "Marek", "Nia", "Owen", "Priya", "Rhys", "Sana", "Tom", "Una", "Victor", "Wen", "Yusuf", "Zoe")
LAST = ("Okafor", "Patel", "Jones", "Smith", "Nowak", "Campbell", "Evans", "Khan", "Murphy", "Williams", "Hughes",
        "Begum", "Davies", "Singh", "Taylor", "Brown", "Wilson", "Ahmed", "Roberts", "Kaur")
WORDS = ("river", "harbour", "forge", "meadow", "signal", "lantern", "quarry", "orchard", "circuit", "timber",
         "beacon", "granite", "compass", "ledger", "kiln", "turbine", "saddle", "prism", "canal", "thistle")
FIELDS = ("skills", "careers", "pathways", "funding", "pay", "training", "jobs", "routes", "support", "data")
EDITS = ("Figures checked against the latest release.", "Local employers confirm the trend.",
         "Added a note for advisers working with young people.", "The regional picture differs; see the links.")


@dataclass(frozen=True)
class Sizes:
    """What one --scale makes (scale 1 is the organisation of issue 10)."""

    users: int
    contacts: int
    editors: int
    topics: int
    pages: int
    tags: int
    ratings: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        users = max(30, round(4000 * scale))
        pages = max(20, round(50_000 * scale))
        return cls(users=users, contacts=max(5, round(1000 * scale)), editors=max(3, min(users // 4, round(200 * scale))),
                   topics=max(85, round(2000 * scale)), pages=pages, tags=max(50, round(200_000 * scale)),
                   ratings=min(max(100, round(1_000_000 * scale)), pages * users // 3))


@dataclass
class Report:
    scale: float
    sizes: dict[str, int]
    database: str
    data_dir: str
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    manager: str = ""
    editors: list[str] = field(default_factory=list)
    raters: list[str] = field(default_factory=list)
    spaces: list[int] = field(default_factory=list)
    machine: str = ""


# ---------------------------------------------------------------- phases


class Generator:
    """One organisation, built phase by phase; each phase is timed and reports its progress."""

    def __init__(self, database: Database, sizes: Sizes, seed: int, progress: Callable[[str], None]) -> None:
        self.database, self.sizes, self.progress = database, sizes, progress
        self.rng = random.Random(seed)
        self.corpus = load_corpus()
        self.user_ids: list[int] = []
        self.editor_ids: list[int] = []
        self.space_ids: list[int] = []
        self.manager_id = 0
        self.topic_ids: list[int] = []
        self.topic_labels: list[str] = []
        self.page_ids: list[int] = []  # organisation pages (rated, edited, linked)

    @contextmanager
    def batch(self) -> Iterator[tuple[Session, dict[int, User]]]:
        """One transaction, with every user loaded once (the services take User objects)."""
        with self.database.transaction() as session:
            users = {user.id: user for user in session.scalars(select(User))}
            yield session, users

    def _tick(self, what: str, done: int, total: int, started: float) -> None:
        if done == total or done % (BATCH * 20) == 0:
            elapsed = time.perf_counter() - started
            self.progress(f"{what}: {done:,}/{total:,} in {elapsed:.0f} s ({done / max(elapsed, 1e-9):,.0f}/s)")

    def people(self) -> None:
        """Staff accounts (each with a personal space), their person rows, contacts, spaces and editors."""
        rng, sizes = self.rng, self.sizes
        with self.database.transaction() as session:
            skos.seed(session)
            manager = account_service.create_user(session, "orgmanager", "Organisation Manager", Role.manager, None)
            self.manager_id = manager.id
        started = time.perf_counter()
        for first in range(0, sizes.users, BATCH):
            with self.database.transaction() as session:
                for n in range(first, min(first + BATCH, sizes.users)):
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                    user = account_service.create_user(session, f"staff{n:05d}", name, Role.adviser, None)
                    self.user_ids.append(user.id)
            self._tick("staff accounts", min(first + BATCH, sizes.users), sizes.users, started)
        self.editor_ids = self.user_ids[:sizes.editors]
        with self.batch() as (session, users):
            people_service.ensure_people(session)
            manager = users[self.manager_id]
            for n in range(sizes.contacts):
                people_service.create_contact(session, users[rng.choice(self.user_ids)], PersonCreate(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", organisation=f"{rng.choice(WORDS).title()} College",
                    contact=f"contact{n}@example.org"))
            for key in SPACES:
                space = space_service.create_space(session, manager, SpaceCreate(
                    key=f"org-{key}", name=f"{key.title()} LMI", visibility=Visibility.organisation))
                for editor_id in self.editor_ids:
                    space_service.put_member(session, space, users[editor_id], MemberRole.editor)
                self.space_ids.append(space.id)

    def topic_scheme(self) -> None:
        """Generated concepts under the seeded ones, each with a synonym and one broader topic."""
        rng = self.rng
        with self.batch() as (session, users):
            manager = users[self.manager_id]
            seeded = list(session.execute(select(TopicConcept.id, TopicConcept.label)
                                          .where(TopicConcept.status == TopicStatus.concept)).all())
            depth = {topic_id: 1 for topic_id, _ in seeded}
            self.topic_ids = [topic_id for topic_id, _ in seeded]
            self.topic_labels = [label for _, label in seeded]
            for n in range(max(0, self.sizes.topics - len(seeded))):
                word, subject = rng.choice(WORDS), rng.choice(FIELDS)
                topic = topics.create_topic(session, manager, f"{word.title()} {subject} {n}",
                                            status=TopicStatus.concept)
                topics.add_synonym(session, manager, topic, f"{subject} of {word} {n}")
                parent = rng.choice([i for i in rng.sample(self.topic_ids, min(5, len(self.topic_ids)))
                                     if depth[i] < 5] or self.topic_ids[:1])
                topics.set_broader(session, manager, topic, [parent])
                depth[topic.id] = depth[parent] + 1
                self.topic_ids.append(topic.id)
                self.topic_labels.append(topic.label)

    def pages(self) -> None:
        """Pages through `create_page`: org pages link to earlier pages of their space; 2 % are private."""
        rng, sizes = self.rng, self.sizes
        seeded_labels = self.topic_labels[:80]
        titles: dict[int, list[str]] = {space_id: [] for space_id in self.space_ids}
        started = time.perf_counter()
        for first in range(0, sizes.pages, BATCH):
            with self.batch() as (session, users):
                for n in range(first, min(first + BATCH, sizes.pages)):
                    author = users[rng.choice(self.editor_ids)]
                    private = rng.random() < 0.02
                    space_id = (account_service.personal_space_id(session, author) if private
                                else self.space_ids[n % len(self.space_ids)])
                    earlier = titles.get(space_id, [])
                    links = list(dict.fromkeys(rng.choice(earlier) for _ in range(rng.randint(1, 3)))) if earlier else []
                    chosen = rng.sample(seeded_labels, rng.choice((0, 0, 1, 2)))
                    title = f"{'Draft' if private else 'LMI'} note {n:06d}"
                    page = page_service.create_page(session, author, space_id, title,
                                                    make_content(rng, self.corpus, links, chosen), [], "first version")
                    if not private:
                        titles[space_id].append(title)
                        self.page_ids.append(page.id)
            self._tick("pages", min(first + BATCH, sizes.pages), sizes.pages, started)

    def revisions(self) -> int:
        """A quarter of the organisation pages get 1-3 edits by other editors through `edit_page`."""
        rng = self.rng
        chosen = rng.sample(self.page_ids, len(self.page_ids) // 4)
        work = [page_id for page_id in chosen for _ in range(rng.randint(1, 3))]
        rng.shuffle(work)
        started = time.perf_counter()
        for first in range(0, len(work), BATCH):
            with self.batch() as (session, users):
                for page_id in work[first:first + BATCH]:
                    editor = users[rng.choice(self.editor_ids)]
                    access = page_service.get_access(session, editor, page_id, Right.edit)
                    current = page_service.current_revision(session, access.page)
                    content = current.content.rstrip("\n") + f"\n\n{rng.choice(EDITS)}\n"
                    page_service.edit_page(session, editor, access, page_service.PageEdit(
                        current.id, content, summary="checked figures", minor=rng.random() < 0.3,
                        on_conflict="fail"))
            self._tick("edits", min(first + BATCH, len(work)), len(work), started)
        return len(work)

    def tags(self) -> None:
        """People tags through `put_tag`: topic popularity falls off with rank; 10 % are self-tags."""
        rng, sizes = self.rng, self.sizes
        with self.database.transaction(write=False) as session:
            people = list(session.execute(select(Person.id, Person.user_id)).all())
        cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(self.topic_ids))))
        ranked = self.topic_ids[:]
        rng.shuffle(ranked)
        wanted: list[tuple[int, int, int]] = []
        seen: set[tuple[int, int, int]] = set()
        while len(wanted) < sizes.tags:
            person_id, user_id = rng.choice(people)
            tagger = user_id if user_id is not None and rng.random() < 0.1 else rng.choice(self.user_ids)
            key = (person_id, tagger, rng.choices(ranked, cum_weights=cumulative)[0])
            if key not in seen:
                seen.add(key)
                wanted.append(key)
        started = time.perf_counter()
        for first in range(0, len(wanted), BATCH * 4):
            with self.batch() as (session, users):
                for person_id, tagger_id, topic_id in wanted[first:first + BATCH * 4]:
                    person = session.get(Person, person_id)
                    note = "" if rng.random() < 0.8 else "Ran a session on this with the team."
                    people_service.put_tag(session, users[tagger_id], person, TagCreate(
                        topic_id=topic_id, level=rng.choice((None, 1, 2, 3, 4, 5)), note=note))
            self._tick("tags", min(first + BATCH * 4, len(wanted)), len(wanted), started)

    def ratings(self) -> None:
        """Ratings through `put_rating` (distinct raters per page), then `scoring.refresh` of each page."""
        rng, sizes = self.rng, self.sizes
        per_page = [0] * len(self.page_ids)
        for _ in range(sizes.ratings):
            per_page[rng.randrange(len(self.page_ids))] += 1
        quality = [rng.uniform(1.8, 4.6) for _ in self.page_ids]
        started, done, slot = time.perf_counter(), 0, 0
        while slot < len(self.page_ids):
            with self.batch() as (session, users):
                in_batch = 0
                while slot < len(self.page_ids) and in_batch < BATCH * 10:
                    page_id, count = self.page_ids[slot], min(per_page[slot], len(self.user_ids))
                    for rater_id in rng.sample(self.user_ids, count):
                        access = page_service.get_access(session, users[rater_id], page_id)
                        scores = {name: min(5, max(1, round(rng.gauss(quality[slot], 0.9))))
                                  for name in rng.sample(CRITERIA, rng.randint(2, 6))}
                        quality_service.put_rating(session, users[rater_id], access,
                                                   RatingPut(scores=scores, anonymous=rng.random() < 0.05))
                    scoring.refresh(session, page_id)
                    in_batch += count
                    slot += 1
            done += in_batch
            if done // (BATCH * 40) != (done - in_batch) // (BATCH * 40) or slot == len(self.page_ids):
                elapsed = time.perf_counter() - started
                self.progress(f"ratings: {done:,}/{sizes.ratings:,} in {elapsed:.0f} s ({done / elapsed:,.0f}/s)")

    def search_index(self, data_dir: Path) -> int:
        """The search index, built as `mature reindex` builds it (a server would otherwise do it at start)."""
        indexer = Indexer(self.database, PageIndex(data_dir / "search"))
        try:
            return indexer.rebuild()
        finally:
            indexer.index.close()


def count_rows(database: Database) -> dict[str, int]:
    """What is in the database now: the figures the generator promises."""
    def n(query) -> int:
        return session.scalar(query) or 0

    with database.transaction(write=False) as session:
        return {
            "people": n(select(func.count()).select_from(Person)),
            "users": n(select(func.count()).select_from(User)),
            "topics": n(select(func.count()).select_from(TopicConcept)),
            "pages": n(select(func.count()).select_from(Page)),
            "revisions": n(select(func.count()).select_from(Revision)),
            "annotations": n(select(func.count()).select_from(PageAnnotation)),
            "current_tags": n(select(func.count()).select_from(PersonTag).where(PersonTag.superseded_at.is_(None))),
            "current_ratings": n(select(func.count()).select_from(Rating).where(Rating.superseded_at.is_(None))),
        }


# ---------------------------------------------------------------- running it


def generate(data_dir: Path, scale: float, database_url: str | None = None, *, seed: int = 10,
             build_index: bool = True, progress: Callable[[str], None] = print) -> Report:
    """Make the organisation in a fresh database; returns (and writes to data_dir/organisation.json) the report."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(env="development", data_dir=data_dir, database_url=database_url)
    database = Database(make_engine(settings))
    sizes = Sizes.at(scale)
    report = Report(scale=scale, sizes=asdict(sizes), database=database.engine.dialect.name, data_dir=str(data_dir),
                    machine=f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    try:
        started = time.perf_counter()
        schema_migrations.upgrade(database.engine)
        report.seconds["migrations"] = time.perf_counter() - started
        generator = Generator(database, sizes, seed, progress)
        phases: list[tuple[str, Callable[[], Any]]] = [
            ("people", generator.people), ("topics", generator.topic_scheme), ("pages", generator.pages),
            ("revisions", generator.revisions), ("tags", generator.tags), ("ratings", generator.ratings)]
        if build_index:
            phases.append(("search index", lambda: generator.search_index(data_dir)))
        for name, phase in phases:
            started = time.perf_counter()
            phase()
            report.seconds[name] = round(time.perf_counter() - started, 1)
            progress(f"{name}: done in {report.seconds[name]:.1f} s")
        report.counts = count_rows(database)
        with database.transaction(write=False) as session:
            names = dict(session.execute(select(User.id, User.username)).all())
        report.manager = names[generator.manager_id]
        report.editors = [names[i] for i in generator.editor_ids]
        report.raters = [names[i] for i in generator.user_ids[len(generator.editor_ids):][:200]]
        report.spaces = generator.space_ids
    finally:
        database.dispose()
    (data_dir / "organisation.json").write_text(json.dumps(asdict(report), indent=2))
    return report


def render(report: Report) -> str:
    lines = [f"organisation at scale {report.scale} on {report.database} ({report.machine}; a shared machine: "
             "timings are noisy)", "", f"{'phase':<16}{'seconds':>10}"]
    lines += [f"{name:<16}{seconds:>10.1f}" for name, seconds in report.seconds.items()]
    lines += ["", f"{'rows':<16}{'count':>12}"]
    lines += [f"{name:<16}{count:>12,}" for name, count in report.counts.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="where the database (SQLite), index and report go")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 50,000 pages, 5,000 people, 200,000 tags, "
                                                                 "1,000,000 ratings (default 1)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of SQLite in --data-dir")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--no-index", action="store_true", help="skip building the search index")
    parser.add_argument("--json", action="store_true", dest="as_json")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    report = generate(args.data_dir, args.scale, args.database_url, seed=args.seed, build_index=not args.no_index,
                      progress=log)
    print(json.dumps(asdict(report), indent=2) if args.as_json else render(report))


if __name__ == "__main__":
    main()
