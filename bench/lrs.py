"""Benchmark: the xAPI statement store with a million statements, against a floor in the same run.

Drops and creates the PostgreSQL database (`balie_bench_lrs` by default), migrates it, and
fills it with `--statements` statements (default 1,000,000) by COPY, in the shape that
`lrs.store` writes (the same payload keys and the same index rows, from `store.index_entries`),
spread over 135 libraries (one xAPI client each) and 8,000 agents. Then it serves Balie with
gunicorn as in production and measures:

- floor:         GET /health/live — a minimal Django view through the whole middleware stack
- agent query:   GET /xapi/statements?agent=…&limit=50 for a random agent, one at a time
- agent more:    GET of the `more` link of such a query (the second page)
- post 50:       POST of 50 statements, from 8 concurrent clients (threads) at once; each
                 request's time, and the statements per second over the whole burst

Usage:

    .venv/bin/python bench/lrs.py [--statements 1000000] [--requests 300] [--posts 40] \\
        [--database-url postgres://postgres@127.0.0.1:5432/balie_bench_lrs]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from harness import Served, report
from load import recreate

LIBRARIES = 135
AGENTS = 8000
HOME_PAGE = "https://balie.example/accounts"
VERBS = [
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/attempted",
    "https://balie.example/verbs/attended",
]
ACTIVITIES = 2000


def agent(number: int) -> dict:
    return {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": f"a{number}"}}


def library_of(agent_number: int) -> int:
    return agent_number % LIBRARIES


def credentials(library: int) -> tuple[str, str]:
    return f"bench-{library}", f"bench-secret-{library}"


def statement(agent_number: int, moment: datetime) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": agent(agent_number),
        "verb": {"id": random.choice(VERBS), "display": {"en-US": "did"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://balie.example/steps/{random.randrange(ACTIVITIES)}",
        },
        "timestamp": moment.isoformat(),
    }


# -- filling (runs in a subprocess that sets up Django on the bench database) ------------------


def copy_statements(raw, rows) -> int:
    """Write statements by COPY, as `lrs.store` would store them: `rows` yields
    (organisation id, client id or None, payload with id, stored, authority and version). The
    StatementAgent/StatementActivity rows come from `store.index_entries`. Needs Django set up;
    `raw` is the psycopg connection. Commits; answers the number written."""
    from balie.lrs.store import index_entries

    with raw.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM lrs_statement")
        first = cursor.fetchone()[0] + 1
        pk = first - 1
        agent_rows, activity_rows = [], []
        with cursor.copy(
            "COPY lrs_statement (id, statement_id, organisation_id, client_id, verb_id, "
            "activity_id, registration, timestamp, stored, payload) FROM STDIN"
        ) as copy:
            for organisation_id, client_id, payload in rows:
                pk += 1
                target = payload["object"]
                is_activity = target.get("objectType", "Activity") == "Activity"
                copy.write_row(
                    (
                        pk,
                        payload["id"],
                        organisation_id,
                        client_id,
                        payload["verb"]["id"],
                        target["id"] if is_activity else "",
                        payload.get("context", {}).get("registration"),
                        datetime.fromisoformat(payload["timestamp"]),
                        datetime.fromisoformat(payload["stored"]),
                        json.dumps(payload),
                    )
                )
                agent_entries, activity_entries = index_entries(payload)
                agent_rows += [(pk, h, r) for h, r in agent_entries]
                activity_rows += [(pk, h, r) for h, r in activity_entries]
        for table, column, entries in (
            ("lrs_statementagent", "agent_hash", agent_rows),
            ("lrs_statementactivity", "activity_hash", activity_rows),
        ):
            with cursor.copy(f"COPY {table} (statement_id, {column}, relation) FROM STDIN") as copy:
                for entry in entries:
                    copy.write_row(entry)
        cursor.execute("SELECT setval(pg_get_serial_sequence('lrs_statement', 'id'), %s)", [pk])
    raw.commit()
    return pk - first + 1


def fill(count: int) -> None:
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balie.settings")
    import django

    django.setup()
    from django.db import connection

    from balie.lrs.http import hash_secret
    from balie.lrs.models import Client
    from balie.orgs.actions import create_organisation
    from balie.orgs.models import Organisation

    started = time.monotonic()
    kind = Organisation.Kind
    national = create_organisation(kind=kind.NATIONAL, name="Bench", slug="bench")
    pois = [
        create_organisation(kind=kind.POI, name=f"POI {n}", slug=f"poi-{n}", parent=national)
        for n in range(9)
    ]
    libraries = [
        create_organisation(
            kind=kind.LIBRARY, name=f"Library {n}", slug=f"lib-{n}", parent=pois[n % 9]
        )
        for n in range(LIBRARIES)
    ]
    clients = []
    for number, library in enumerate(libraries):
        key, secret = credentials(number)
        clients.append(
            Client.objects.create(
                organisation=library, name=key, key=key, secret_hash=hash_secret(secret)
            )
        )
    now = datetime.now(UTC)
    first = now - timedelta(days=365)
    step = timedelta(days=365) / count
    connection.ensure_connection()
    copy_statements(connection.connection, rows_of(count, first, step, clients))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled {count:,} statements in {time.monotonic() - started:.1f} s")
    _explain(clients[0])


def rows_of(count, first, step, clients):
    for index in range(count):
        agent_number = random.randrange(AGENTS)
        client = clients[library_of(agent_number)]
        moment = first + step * index
        payload = statement(agent_number, moment)
        payload["stored"] = moment.isoformat()
        payload["authority"] = client.authority()
        payload["version"] = "1.0.0"
        yield client.organisation_id, client.pk, payload


def _explain(client) -> None:
    """The plan of an agent query: it must walk the agent index, not the table."""
    from django.http import QueryDict

    from balie.lrs import query
    from balie.lrs.models import Statement

    wanted = query.parse(QueryDict("agent=" + quote(json.dumps(agent(0))) + "&limit=50"))
    statements = wanted.window(wanted.matching(Statement.objects.visible_to(client).not_voided()))
    print(statements.explain())


# -- measuring ---------------------------------------------------------------------------------


class Xapi:
    """A kept-alive connection with one library client's Basic credentials."""

    def __init__(self, port: int, library: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        key, secret = credentials(library)
        self.headers = {
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
        }

    def timed(self, method: str, path: str, body: object = None) -> tuple[float, dict]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - started
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}: {text[:200]!r}")
        return elapsed, json.loads(text) if text else {}


def agent_path(agent_number: int) -> str:
    return "/xapi/statements?agent=" + quote(json.dumps(agent(agent_number))) + "&limit=50"


def ingest(port: int, threads: int, posts: int) -> tuple[list[float], float]:
    """`threads` clients POST `posts` batches of 50 statements each, all at once; each
    request's time and the statements per second of the whole burst."""
    samples: list[float] = []
    barrier = threading.Barrier(threads + 1)

    def run(library: int) -> None:
        xapi = Xapi(port, library)
        agents = [n for n in range(AGENTS) if library_of(n) == library]
        barrier.wait()
        for _ in range(posts):
            batch = [statement(random.choice(agents), datetime.now(UTC)) for _ in range(50)]
            elapsed, _ = xapi.timed("POST", "/xapi/statements", batch)
            samples.append(elapsed)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    return samples, threads * posts * 50 / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--posts", type=int, default=40, help="POSTs of 50 per client")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/balie_bench_lrs"
    )
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)  # the subprocess's part
    args = parser.parse_args()
    if args.fill:
        fill(args.fill)
        return

    recreate(args.database_url)
    served = Served(args.database_url)
    served.manage("migrate", "--noinput")
    started = time.monotonic()
    served.python(Path(__file__), "--fill", str(args.statements))
    fill_seconds = time.monotonic() - started

    with served.serving(args.workers) as floor:
        readers = {n: Xapi(served.port, n) for n in range(LIBRARIES)}
        results: dict[str, list[float]] = {"floor": [], "agent_query": [], "agent_more": []}
        for _ in range(10):
            floor.timed("GET", "/health/live")
        for _ in range(args.requests):
            results["floor"].append(floor.timed("GET", "/health/live"))
            number = random.randrange(AGENTS)
            reader = readers[library_of(number)]
            elapsed, page = reader.timed("GET", agent_path(number))
            results["agent_query"].append(elapsed)
            if page["more"]:
                results["agent_more"].append(reader.timed("GET", page["more"])[0])
        results["post_50"], throughput = ingest(served.port, args.threads, args.posts)
    results = {name: samples for name, samples in results.items() if samples}  # no 2nd pages
    report(
        "lrs",
        f"Database: {served.database}, {args.workers} gunicorn workers × 4 threads; "
        f"{args.statements:,} statements filled in {fill_seconds:.1f} s; ingestion: "
        f"{args.threads} clients × {args.posts} POSTs of 50 → {throughput:,.0f} statements/s",
        results,
        {
            "database": served.database,
            "workers": args.workers,
            "statements": args.statements,
            "ingest_statements_per_second": throughput,
        },
    )


if __name__ == "__main__":
    main()
