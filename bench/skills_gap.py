"""Benchmark for skills-gap reports: one report over 5,000 people, 2,000 topics and 200,000 tags.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/skills_gap.py [--quick] [--rounds N] [--database-url URL] [--json]

What it does:

1. Makes a throwaway SQLite database (or uses --database-url, an empty throwaway PostgreSQL database),
   runs the migrations and seeds the topic scheme from ontology/topics.ttl.
2. Builds the data with bulk Core inserts: 4,000 users and 1,000 external contacts (5,000 people, 3 %
   with hidden profiles), 2,000 topics (the seeded ones plus generated ones up to five levels deep),
   200,000 current tags (popular topics far more used than rare ones, 10 % self-tags, levels 1-5 or none,
   5 % hidden by the person), 20 teams of 200 users, 200 pages tagged with topics (through the page
   service, so they have a maturity) and two profiles: the organisation's, with 40 topics (the seeded
   broad ones, whose subtrees hold most tags, and generated narrow ones), and a team's with 15.
3. Times, in process and one at a time after a warm-up, what the HTTP routes do: the organisation
   report (JSON), the team report, CSV, the gap chart, the team x topic heatmap, and a snapshot; prints
   the median and the slowest of --rounds runs of each.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import schema_migrations  # noqa: E402
from app.auth import space_service  # noqa: E402
from app.auth.models import Role, User, Visibility  # noqa: E402
from app.auth.schemas import SpaceCreate  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import Database, make_engine, utcnow  # noqa: E402
from app.pages import service as page_service  # noqa: E402
from app.people import service as people_service  # noqa: E402
from app.topics import skos  # noqa: E402
from app.people.models import Person, PersonTag  # noqa: E402
from app.topics.models import TopicBroader, TopicConcept, TopicStatus
from app.topics.service import TOPIC_NAMESPACE, label_key  # noqa: E402
from app.reports import charts, csv_export, history, report  # noqa: E402
from app.reports.models import Priority, SkillsProfile, SkillsProfileTopic, Team, TeamMember  # noqa: E402
from app.tagging.models import PageTag  # noqa: E402
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

WORDS = ("river", "harbour", "forge", "meadow", "signal", "lantern", "quarry", "orchard", "circuit", "timber")


@dataclass
class Options:
    users: int
    contacts: int
    topics: int
    tags: int
    pages: int
    rounds: int
    database_url: str | None
    as_json: bool
    seed: int


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the people and tags, 3 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="timed runs of each (default 10)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    return Options(users=4000 // scale, contacts=1000 // scale, topics=2000, tags=200_000 // scale,
                   pages=200 // scale, rounds=args.rounds or (3 if args.quick else 10),
                   database_url=args.database_url, as_json=args.as_json, seed=args.seed)


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data


def build(database: Database, options: Options, rng: random.Random) -> dict[str, int]:
    """The organisation, in a few big transactions; returns the ids the timed runs need."""
    now = utcnow()
    with database.transaction() as session:
        skos.seed(session)
        session.execute(insert(User), [
            {"username": f"bench{n:05d}", "display_name": f"{rng.choice(WORDS).title()} Adviser {n}",
             "role": Role.manager if n == 0 else Role.adviser, "password_hash": None, "is_active": n % 97 != 5,
             "created_at": now} for n in range(options.users)])
        people_service.ensure_people(session)
        session.execute(insert(Person), [
            {"name": f"Contact {n}", "organisation": f"{rng.choice(WORDS).title()} Ltd", "contact": "",
             "created_at": now} for n in range(options.contacts)])
        session.execute(Person.__table__.update().where(Person.id % 33 == 0).values(hidden_at=now))
        topic_ids, seeded = _topics(session, options, rng, now)
    progress(f"{options.users + options.contacts} people, {len(topic_ids)} topics")
    with database.transaction() as session:
        people = list(session.execute(select(Person.id, Person.user_id)).all())
        _tags(session, options, rng, people, topic_ids)
    progress(f"{options.tags} tags")
    with database.transaction() as session:
        manager = session.scalar(select(User).where(User.username == "bench00000"))
        team_id = _teams(session, rng, [u for _, u in people if u is not None], now)
        _pages(session, options, rng, manager, topic_ids)
        org, team = _profiles(session, rng, seeded, topic_ids, team_id, now)
    with database.engine.connect() as connection:  # planner statistics, as a database in use has them
        connection.execute(text("ANALYZE"))
        connection.commit()
    return {"manager": manager.id, "org_profile": org, "team_profile": team}


def _topics(session, options: Options, rng: random.Random, now) -> tuple[list[int], list[int]]:
    """Generated topics under the seeded ones, at most five levels deep."""
    seeded = list(session.scalars(select(TopicConcept.id)))
    depth = dict.fromkeys(seeded, 1)
    ids = list(seeded)
    for n in range(options.topics - len(seeded)):
        parent = rng.choice([i for i in rng.sample(ids, min(5, len(ids))) if depth[i] < 5] or ids[:1])
        label = f"{rng.choice(WORDS).title()} topic {n}"
        topic_id = session.execute(insert(TopicConcept).returning(TopicConcept.id), [{
            "iri": f"{TOPIC_NAMESPACE}bench-gap-{n}", "label": label, "label_key": label_key(label),
            "definition": "", "status": TopicStatus.concept, "created_at": now, "updated_at": now}]).scalar_one()
        session.execute(insert(TopicBroader), [{"narrower_id": topic_id, "broader_id": parent}])
        depth[topic_id] = depth[parent] + 1
        ids.append(topic_id)
    return ids, seeded


def _tags(session, options: Options, rng: random.Random, people: list, topic_ids: list[int]) -> None:
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(topic_ids))))
    shuffled = topic_ids[:]
    rng.shuffle(shuffled)
    users = [user_id for _, user_id in people if user_id is not None]
    now, seen, rows = utcnow(), set(), []
    while len(seen) < options.tags:
        person_id, user_id = rng.choice(people)
        is_self = user_id is not None and rng.random() < 0.1
        key = (person_id, user_id if is_self else rng.choice(users), rng.choices(shuffled, cum_weights=cumulative)[0])
        if key in seen or (not is_self and key[1] == user_id):
            continue
        seen.add(key)
        when = now - timedelta(days=rng.uniform(0, 730))
        rows.append({"person_id": key[0], "tagger_id": key[1], "concept_id": key[2], "is_self": is_self,
                     "level": rng.choice((None, 1, 2, 3, 4, 5)), "note": "", "created_at": when,
                     "confirmed_at": when, "hidden_at": now if rng.random() < 0.05 else None})
        if len(rows) == 10_000:
            session.execute(insert(PersonTag), rows)
            rows = []
    if rows:
        session.execute(insert(PersonTag), rows)


def _teams(session, rng: random.Random, users: list[int], now) -> int:
    """20 teams of up to 200 users; returns the first team's id."""
    shuffled = users[:]
    rng.shuffle(shuffled)
    team_ids = [session.execute(insert(Team).returning(Team.id), [{"name": f"Team {n}", "description": "",
                                                                   "created_at": now}]).scalar_one()
                for n in range(20)]
    session.execute(insert(TeamMember), [{"team_id": team_ids[i % 20], "user_id": user, "added_at": now}
                                         for i, user in enumerate(shuffled[:4000])])
    return team_ids[0]


def _pages(session, options: Options, rng: random.Random, manager: User, topic_ids: list[int]) -> None:
    space = space_service.create_space(session, manager, SpaceCreate(key="bench-gap", name="Bench",
                                                                     visibility=Visibility.organisation))
    for n in range(options.pages):
        page = page_service.create_page(session, manager, space.id, f"Bench page {n}", f"Notes {n}.\n", [], "bench")
        session.execute(insert(PageTag), [{"page_id": page.id, "tagger_id": manager.id, "concept_id": topic,
                                           "created_at": utcnow()} for topic in rng.sample(topic_ids[:300], 2)])


def _profiles(session, rng: random.Random, seeded: list[int], topic_ids: list[int], team_id: int,
              now) -> tuple[int, int]:
    """The organisation's profile (40 topics: 20 seeded, broad, and 20 generated) and a team's (15)."""
    def profile(name: str, team: int | None, topics: list[int]) -> int:
        profile_id = session.execute(insert(SkillsProfile).returning(SkillsProfile.id), [{
            "name": name, "description": "", "team_id": team, "created_at": now, "updated_at": now}]).scalar_one()
        session.execute(insert(SkillsProfileTopic), [{
            "profile_id": profile_id, "concept_id": topic, "required_people": rng.randint(1, 30),
            "level": rng.randint(2, 5), "priority": rng.choice(list(Priority))} for topic in topics])
        return profile_id

    generated = [t for t in topic_ids if t not in set(seeded)]
    org = profile("Organisation", None, rng.sample(seeded, 20) + rng.sample(generated, 20))
    return org, profile("Team 0", team_id, rng.sample(seeded, 5) + rng.sample(generated, 10))


# ---------------------------------------------------------------- timing


def timed(database: Database, rounds: int, work: Callable) -> dict[str, float]:
    """Median and slowest of `rounds` runs, each in its own read transaction, after one warm-up."""
    samples = []
    for n in range(rounds + 1):
        with database.transaction(write=False) as session:
            started = time.perf_counter()
            work(session)
            if n:
                samples.append(time.perf_counter() - started)
    return {"runs": rounds, "median_ms": round(statistics.median(samples) * 1000, 1),
            "max_ms": round(max(samples) * 1000, 1)}


def measure(database: Database, ids: dict[str, int], rounds: int) -> dict[str, dict[str, float]]:
    def load(session, key: str):
        return session.get(User, ids["manager"]), session.get(SkillsProfile, ids[key])

    def org_report(session):
        manager, profile = load(session, "org_profile")
        return report.report(session, manager, profile).model_dump_json()

    def team_report(session):
        manager, profile = load(session, "team_profile")
        return report.report(session, manager, profile).model_dump_json()

    def as_csv(session):
        return csv_export.render(report.report(session, *load(session, "org_profile")))

    def gap_svg(session):
        return charts.gap_chart(report.report(session, *load(session, "org_profile")))

    def heatmap_svg(session):
        _, profile = load(session, "org_profile")
        columns, rows = report.heatmap(session, profile)
        return charts.heatmap("Heatmap", columns, [charts.HeatmapRow(label, counts) for label, counts in rows])

    def snapshot(session):
        manager, profile = load(session, "org_profile")
        history.take(session, manager, profile, manager)
        session.rollback()

    return {name: timed(database, rounds, work) for name, work in (
        ("organisation report, JSON (40 topics)", org_report), ("team report, JSON (15 topics)", team_report),
        ("organisation report, CSV", as_csv), ("gap chart, SVG", gap_svg),
        ("team x topic heatmap, SVG (20 teams)", heatmap_svg), ("snapshot (report + insert)", snapshot))}


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="bench-gap-") as tmp:
        url = options.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(env="development", database_url=url, data_dir=Path(tmp), secret_key="b" * 40)
        engine = make_engine(settings)
        schema_migrations.upgrade(engine)
        database = Database(engine)
        started = time.perf_counter()
        ids = build(database, options, rng)
        build_seconds = time.perf_counter() - started
        with database.transaction(write=False) as session:
            counts = {"people": session.scalar(select(func.count()).select_from(Person)),
                      "topics": session.scalar(select(func.count()).select_from(TopicConcept)),
                      "tags": session.scalar(select(func.count()).select_from(PersonTag))}
            sample = report.report(session, session.get(User, ids["manager"]),
                                   session.get(SkillsProfile, ids["org_profile"]))
        progress(f"built in {build_seconds:.0f} s; timing {options.rounds} rounds")
        results = measure(database, ids, options.rounds)
        database.dispose()
    summary = {"database": engine.dialect.name, "cpus": os.cpu_count(), "machine": platform.machine(),
               "python": platform.python_version(), "data": counts,
               "org_report": {"topics": len(sample.topics), "total_gap": sample.summary.total_gap,
                              "people_counted": sum(t.available for t in sample.topics)},
               "build_seconds": round(build_seconds, 1), "timings": results}
    if options.as_json:
        print(json.dumps(summary, indent=2))
        return
    print(f"Skills-gap report on {summary['database']}, {summary['cpus']} CPUs ({summary['machine']}), "
          f"Python {summary['python']}")
    print(f"data: {counts['people']} people, {counts['topics']} topics, {counts['tags']} tags "
          f"(built in {summary['build_seconds']} s)")
    print(f"organisation profile: {len(sample.topics)} topics, total gap {sample.summary.total_gap}")
    for name, figures in results.items():
        print(f"  {name:42s} median {figures['median_ms']:8.1f} ms   max {figures['max_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
