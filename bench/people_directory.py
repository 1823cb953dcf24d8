"""Benchmark for people tagging: "who knows about X" and profiles, over HTTP.

Run from the project root with the project's virtualenv:

    .venv/bin/python bench/people_directory.py [--quick] [--requests N] [--database-url URL] [--workers N] [--json]

What it does:

1. Makes a throwaway data directory (MATURE_ENV=development), runs `mature db upgrade`, and seeds the
   topic scheme from ontology/topics.ttl.
2. Builds the data set in-process with bulk inserts: 4,000 users and 1,000 external contacts (5,000
   people), 2,000 topics (the 80 seeded ones plus 1,920 generated ones up to five levels deep, each with
   a synonym), 200,000 current tags (popular topics much more used than rare ones, 10 % self-tags,
   levels 1-5 or none, confirmed over the last two years) and 300 pages about seeded topics written by
   30 of the users through the page service (so they have maturity and dcterms:subject annotations).
3. Starts `mature serve --host 127.0.0.1 --port <free port>` and mints a token for an adviser.
4. Times, one request at a time after a warm-up: GET /api/experts?q=... (labels of broad and narrow topics,
   synonyms and free-text words, which match several topics), GET /api/people/{id} (random people) and
   GET /api/topics/suggest?q=... (prefixes), and prints p50/p95/p99/max per kind.

The client runs on the same machine as the server, so both compete for the same CPU cores. With
--database-url the server uses that PostgreSQL database (point it at an empty throwaway database).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from serving import mature_command, percentile_ms, running_server
from sqlalchemy import insert, select, text

from app.auth import space_service
from app.auth.models import MemberRole, Role, User, Visibility
from app.auth.schemas import SpaceCreate
from app.config import Settings
from app.db import Database, make_engine, utcnow
from app.pages import service as page_service
from app.people import service as people_service
from app.topics import skos
from app.people.models import Person, PersonTag
from app.topics.models import TopicBroader, TopicConcept, TopicLabel, TopicStatus
from app.topics.service import TOPIC_NAMESPACE, label_key
from app.observers import register_all

register_all()  # page writes here rescore as in the server (app.pages.events)

WORDS = ("river", "harbour", "forge", "meadow", "signal", "lantern", "quarry", "orchard", "circuit", "timber",
         "beacon", "granite", "compass", "ledger", "kiln", "turbine", "saddle", "prism", "canal", "thistle")
FIELDS = ("skills", "careers", "pathways", "funding", "pay", "training", "jobs", "routes", "support", "data")


@dataclass
class Options:
    users: int
    contacts: int
    topics: int
    tags: int
    pages: int
    requests: int
    workers: int
    database_url: str | None
    as_json: bool
    seed: int


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data and 50 requests per kind")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per kind (default 300)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    return Options(users=4000 // scale, contacts=1000 // scale, topics=2000 // scale if args.quick else 2000,
                   tags=200_000 // scale, pages=300 // scale, requests=args.requests or (50 if args.quick else 300),
                   workers=args.workers, database_url=args.database_url, as_json=args.as_json, seed=args.seed)


# ---------------------------------------------------------------- data


def build(database: Database, options: Options, rng: random.Random) -> dict:
    """The data set, in a few big transactions; returns what the timed requests need."""
    with database.transaction() as session:
        skos.seed(session)
        now = utcnow()
        session.execute(insert(User), [
            {"username": f"bench{n:05d}", "display_name": f"{rng.choice(WORDS).title()} Adviser {n}",
             "role": Role.adviser, "password_hash": None, "is_active": True, "created_at": now}
            for n in range(options.users)])
        people_service.ensure_people(session)
        session.execute(insert(Person), [
            {"name": f"Contact {n} {rng.choice(WORDS).title()}", "organisation": f"{rng.choice(WORDS).title()} Ltd",
             "contact": f"contact{n}@example.org", "created_at": now} for n in range(options.contacts)])
        topic_ids, labels = _topics(session, options, rng, now)
    with database.transaction() as session:
        people = list(session.execute(select(Person.id, Person.user_id)).all())
        _tags(session, options, rng, people, topic_ids)
    with database.transaction() as session:
        viewer = _pages(session, options, rng)
    with database.engine.connect() as connection:  # planner statistics, as a database in use has them
        connection.execute(text("ANALYZE"))
        connection.commit()
    return {"people": [p for p, _ in people], "labels": labels, "viewer": viewer}


def _topics(session, options: Options, rng: random.Random, now) -> tuple[list[int], dict[str, list[str]]]:
    """Generated topics under the seeded ones (at most five levels deep), each with one synonym."""
    seeded = list(session.execute(select(TopicConcept.id, TopicConcept.label)).all())
    depth = {topic_id: 1 for topic_id, _ in seeded}
    labels: dict[str, list[str]] = {"seeded": [label for _, label in seeded], "label": [], "synonym": [],
                                    "free text": list(WORDS)}
    ids = [topic_id for topic_id, _ in seeded]
    for n in range(options.topics - len(seeded)):
        word, field = rng.choice(WORDS), rng.choice(FIELDS)
        label, synonym = f"{word.title()} {field} {n}", f"{field} of {word} {n}"
        parent = rng.choice([i for i in rng.sample(ids, min(5, len(ids))) if depth[i] < 5] or ids[:1])
        topic_id = session.execute(insert(TopicConcept).returning(TopicConcept.id), [{
            "iri": f"{TOPIC_NAMESPACE}bench-{n}", "label": label, "label_key": label_key(label), "definition": "",
            "status": TopicStatus.concept, "created_at": now, "updated_at": now}]).scalar_one()
        session.execute(insert(TopicLabel), [{"concept_id": topic_id, "label": synonym, "label_key": label_key(synonym)}])
        session.execute(insert(TopicBroader), [{"narrower_id": topic_id, "broader_id": parent}])
        depth[topic_id] = depth[parent] + 1
        ids.append(topic_id)
        labels["label" if n % 2 else "synonym"].append(label if n % 2 else synonym)
    return ids, labels


def _tags(session, options: Options, rng: random.Random, people: list[tuple[int, int | None]],
          topic_ids: list[int]) -> None:
    """Current tags: topic popularity falls off with rank (a few topics are very common), 10 % self-tags."""
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(topic_ids))))
    shuffled = topic_ids[:]
    rng.shuffle(shuffled)
    users = [user_id for _, user_id in people if user_id is not None]
    now, seen, rows = utcnow(), set(), []
    while len(seen) < options.tags:
        person_id, user_id = rng.choice(people)
        is_self = user_id is not None and rng.random() < 0.1
        tagger = user_id if is_self else rng.choice(users)
        key = (person_id, tagger, rng.choices(shuffled, cum_weights=cumulative)[0])
        if key in seen:
            continue
        seen.add(key)
        when = now - timedelta(days=rng.uniform(0, 730))
        rows.append({"person_id": key[0], "tagger_id": key[1], "concept_id": key[2], "is_self": tagger == user_id,
                     "level": rng.choice((None, 1, 2, 3, 4, 5)), "note": "" if rng.random() < 0.8 else "Seen it",
                     "created_at": when, "confirmed_at": when})
        if len(rows) == 10_000:
            session.execute(insert(PersonTag), rows)
            rows = []
    if rows:
        session.execute(insert(PersonTag), rows)


def _pages(session, options: Options, rng: random.Random) -> str:
    """Pages about seeded topics by 30 writers in an organisation-wide space; returns a writer's username."""
    writers = list(session.scalars(select(User).order_by(User.id).limit(30)))
    space = space_service.create_space(session, writers[0], SpaceCreate(
        key="bench-lmi", name="Bench LMI", visibility=Visibility.organisation))
    for writer in writers[1:]:
        space_service.put_member(session, space, writer, MemberRole.editor)
    seeded = list(session.scalars(select(TopicConcept.label).where(TopicConcept.iri.not_like(f"{TOPIC_NAMESPACE}bench-%"))))
    for n in range(options.pages):
        topics = rng.sample(seeded, 2)
        content = "".join(f"[[Topic::{t}]] " for t in topics) + f"\n\nNotes on {topics[0]} number {n}.\n"
        page_service.create_page(session, rng.choice(writers), space.id, f"Bench page {n}", content, [], "bench")
    return writers[1].username


# ---------------------------------------------------------------- timing


def timed(client: httpx.Client, urls: list[str]) -> list[float]:
    samples = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    return {"requests": len(samples), "p50_ms": percentile_ms(samples, 0.5), "p95_ms": percentile_ms(samples, 0.95),
            "p99_ms": percentile_ms(samples, 0.99), "max_ms": percentile_ms(samples, 1.0)}


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="mature-people-bench-") as tmp:
        data_dir = Path(tmp)
        env = {key: value for key, value in os.environ.items() if not key.startswith("MATURE_")}
        env.update(MATURE_DATA_DIR=str(data_dir), MATURE_ENV="development", MATURE_LOG_LEVEL="WARNING")
        if options.database_url:
            env["MATURE_DATABASE_URL"] = options.database_url
        subprocess.run([*mature_command(), "db", "upgrade"], env=env, check=True, capture_output=True)
        settings = Settings(env="development", data_dir=data_dir, database_url=options.database_url)
        database = Database(make_engine(settings))
        started = time.perf_counter()
        data = build(database, options, rng)
        build_seconds = time.perf_counter() - started
        database.dispose()
        token = subprocess.run([*mature_command(), "token", "create", data["viewer"]], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        with running_server(env, options.workers, data_dir / "server.log") as base_url, httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60, trust_env=False) as client:
            results = run(client, data, options, rng)
    report = {"machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
                         f"{platform.python_version()}", "database": "postgresql" if options.database_url else "sqlite",
              "workers": options.workers, "build_seconds": round(build_seconds, 1),
              "data": {"people": options.users + options.contacts, "topics": options.topics, "tags": options.tags,
                       "pages": options.pages}, "results": results}
    print(json.dumps(report, indent=2) if options.as_json else render(report))


def run(client: httpx.Client, data: dict, options: Options, rng: random.Random) -> dict[str, dict]:
    n = options.requests
    kinds = [k for k in data["labels"] if data["labels"][k]]
    questions = [rng.choice(data["labels"][kinds[i % len(kinds)]]) for i in range(n)]
    profiles = [f"/api/people/{rng.choice(data['people'])}" for _ in range(n)]
    prefixes = [rng.choice(data["labels"]["label"] or data["labels"]["broad"])[:rng.randint(3, 8)] for _ in range(n)]
    experts = [str(httpx.URL("/api/experts", params={"q": q})) for q in questions]
    timed(client, experts[:10] + profiles[:10])  # warm-up: connections, caches, query plans
    results = {"who knows about X": summary(timed(client, experts)),
               "profile": summary(timed(client, profiles)),
               "topic suggestions": summary(timed(client, [str(httpx.URL("/api/topics/suggest", params={"q": p}))
                                                           for p in prefixes]))}
    by_kind: dict[str, list[str]] = {}
    for question, kind in zip(questions, (kinds[i % len(kinds)] for i in range(n)), strict=True):
        by_kind.setdefault(kind, []).append(str(httpx.URL("/api/experts", params={"q": question})))
    for kind, urls in by_kind.items():
        results[f"  experts: {kind}"] = summary(timed(client, urls[: max(10, n // 4)]))
    return results


def render(report: dict) -> str:
    lines = [f"people directory benchmark on {report['machine']}, {report['database']}, {report['workers']} worker(s)",
             (f"data: {report['data']['people']:,} people, {report['data']['topics']:,} topics, "
              f"{report['data']['tags']:,} tags, {report['data']['pages']:,} pages (built in {report['build_seconds']} s)"),
             "", f"{'request':<28}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}"]
    for name, row in report["results"].items():
        lines.append(f"{name:<28}{row['requests']:>6}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['p99_ms']:>10}"
                     f"{row['max_ms']:>10}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
