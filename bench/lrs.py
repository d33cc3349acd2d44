"""Benchmark: the xAPI statement store with up to 5 million statements, against a floor in the
same run, each figure beside its goal.

Drops and creates the PostgreSQL database (`balie_bench_lrs` by default), migrates it, and
fills it with `--statements` statements (default 1,000,000) by SQL inside PostgreSQL
(`generate_series`, the indexes dropped during the load and built after it), in the shape
that `lrs.store` writes (the same payload keys and the same index rows as
`store.index_entries`, which the fill checks on a sample), spread over 135 libraries (one xAPI
client each) and 8,000 agents. Then it serves Balie with gunicorn as in production and
measures over HTTP:

- floor:         GET /health/live — a minimal Django view through the whole middleware stack
- about:         GET /xapi/about — the xAPI resource without credentials or a query
- agent query:   GET /xapi/statements?agent=…&limit=50 for a random agent, one at a time
- agent more:    GET of the `more` link of such a query (the second page)
- post 50:       POST of 50 statements, from 8 concurrent clients (threads) at once; each
                 request's time, and the statements per second over the whole burst
- post 1:        POST of one statement, from 8 concurrent clients at once; the same

Goals (issue 15, on 2 cores): ≥ 3,000 statements/s batched, ≥ 500/s single, agent queries
p95 ≤ 20 ms, flat from 10,000 to 5,000,000 statements. `--profile` records the gunicorn
workers with py-spy (speedscope files in bench/results/) while the requests are measured.

Usage:

    .venv/bin/python bench/lrs.py [--statements 1000000] [--requests 300] [--posts 40] \\
        [--singles 250] [--profile] \\
        [--database-url postgres://postgres@127.0.0.1:5432/balie_bench_lrs]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from harness import Served, report, summary
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
STEPS = "https://balie.example/steps/"


def agent(number: int) -> dict:
    return {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": f"a{number}"}}


def library_of(agent_number: int) -> int:
    return agent_number % LIBRARIES


def credentials(library: int) -> tuple[str, str]:
    return f"bench-{library}", f"bench-secret-{library}"


def statement(agent_number: int, moment: datetime) -> dict:
    """A statement as authoring tools send them: each names its activity's definition again."""
    activity = random.randrange(ACTIVITIES)
    return {
        "id": str(uuid.uuid4()),
        "actor": agent(agent_number),
        "verb": {"id": random.choice(VERBS), "display": {"en-US": "did"}},
        "object": {
            "objectType": "Activity",
            "id": f"{STEPS}{activity}",
            "definition": {
                "name": {"nl-NL": f"Stap {activity}"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
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


BENCH_TABLES = ("lrs_statement", "lrs_statementagent", "lrs_statementactivity", "lrs_activity")
CHUNK = 500_000  # statements per transaction of the fill

# The statements of ids `start`..`stop` of the series, each by a random agent through its
# library's client, in the payload shape of `lrs.store` (as `statement()` above makes them).
FILL_STATEMENTS = """
INSERT INTO lrs_statement (statement_id, organisation_id, client_id, verb_id, activity_id,
    timestamp, stored, payload)
SELECT x.id, c.organisation_id, c.client_id, x.verb, x.activity, x.moment, x.moment,
    jsonb_build_object(
        'id', x.id,
        'actor', jsonb_build_object('objectType', 'Agent', 'account',
            jsonb_build_object('homePage', %(home)s, 'name', 'a' || x.agent)),
        'verb', jsonb_build_object('id', x.verb, 'display', '{"en-US": "did"}'::jsonb),
        'object', jsonb_build_object('objectType', 'Activity', 'id', x.activity,
            'definition', jsonb_build_object(
                'name', jsonb_build_object('nl-NL', 'Stap ' || x.number),
                'type', 'http://adlnet.gov/expapi/activities/lesson')),
        'timestamp', x.moment_text, 'stored', x.moment_text,
        'authority', c.authority, 'version', '1.0.0')
FROM (
    SELECT g, gen_random_uuid() AS id, agent,
        (%(verbs)s::text[])[1 + floor(random() * %(verb_count)s)::int] AS verb,
        %(steps)s || number AS activity, number,
        moment,
        to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS moment_text
    FROM (
        SELECT g, floor(random() * %(agents)s)::int AS agent,
            floor(random() * %(activities)s)::int AS number,
            %(first)s::timestamptz + %(step)s::interval * g AS moment
        FROM generate_series(%(start)s, %(stop)s) AS g
    ) AS drawn
) AS x
JOIN bench_client AS c ON c.library = x.agent %% %(libraries)s
ORDER BY x.g
"""
# Their index rows, as `store.index_entries` gives them: the actor (direct and related), the
# authority (related); the object (direct and related). The hashes come from `bench_hash`
# (by account name or activity IRI), which Python fills with `store.digest`.
FILL_AGENTS = """
INSERT INTO lrs_statementagent (statement_id, agent_hash, relation)
SELECT s.id, h.hash, h.relation
FROM lrs_statement AS s JOIN bench_client AS c ON c.client_id = s.client_id
JOIN bench_hash AS a ON a.name = s.payload #>> '{actor,account,name}',
LATERAL (VALUES (a.hash, 'direct'), (a.hash, 'related'), (c.authority_hash, 'related'))
    AS h(hash, relation)
WHERE s.id > %(after)s
"""
# Each library's activities with their definitions, as the statements gave them (`store`
# keeps them for the Activities resource, and a statement that repeats one writes nothing).
FILL_DEFINITIONS = """
INSERT INTO lrs_activity (organisation_id, activity_id, activity_hash, definition)
SELECT c.organisation_id, h.name, h.hash, jsonb_build_object(
    'name', jsonb_build_object('nl-NL', 'Stap ' || substr(h.name, length(%(steps)s) + 1)),
    'type', 'http://adlnet.gov/expapi/activities/lesson')
FROM bench_client AS c JOIN bench_hash AS h ON h.name LIKE %(steps)s || '%%'
"""
FILL_ACTIVITIES = """
INSERT INTO lrs_statementactivity (statement_id, activity_hash, relation)
SELECT s.id, a.hash, r.relation
FROM lrs_statement AS s JOIN bench_hash AS a ON a.name = s.activity_id,
(VALUES ('direct'), ('related')) AS r(relation)
WHERE s.id > %(after)s
"""


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
    from balie.lrs.store import agent_hash, digest
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
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_client (library int, organisation_id bigint, "
            "client_id bigint, authority jsonb, authority_hash text)"
        )
        for number, client in enumerate(clients):
            cursor.execute(
                "INSERT INTO bench_client VALUES (%s, %s, %s, %s::jsonb, %s)",
                [
                    number,
                    client.organisation_id,
                    client.pk,
                    json.dumps(client.authority()),
                    agent_hash(client.authority()),
                ],
            )
        cursor.execute("CREATE TEMPORARY TABLE bench_hash (name text PRIMARY KEY, hash text)")
        cursor.executemany(
            "INSERT INTO bench_hash VALUES (%s, %s)",
            [(f"a{n}", agent_hash(agent(n))) for n in range(AGENTS)]
            + [(f"{STEPS}{n}", digest(f"{STEPS}{n}")) for n in range(ACTIVITIES)],
        )
        rebuild = _drop_indexes(cursor)
        cursor.execute("SET session_replication_role = replica")  # no FK or trigger per row
        for start in range(1, count + 1, CHUNK):
            cursor.execute("SELECT coalesce(max(id), 0) FROM lrs_statement")
            after = cursor.fetchone()[0]
            cursor.execute(
                FILL_STATEMENTS,
                {
                    "home": HOME_PAGE,
                    "verbs": VERBS,
                    "verb_count": len(VERBS),
                    "steps": STEPS,
                    "activities": ACTIVITIES,
                    "agents": AGENTS,
                    "libraries": LIBRARIES,
                    "first": now - timedelta(days=365),
                    "step": timedelta(days=365) / count,
                    "start": start,
                    "stop": min(count, start + CHUNK - 1),
                },
            )
            cursor.execute(FILL_AGENTS, {"after": after})
            cursor.execute(FILL_ACTIVITIES, {"after": after})
            print(f"  {min(count, start + CHUNK - 1):,} statements", flush=True)
        cursor.execute(FILL_DEFINITIONS, {"steps": STEPS})
        cursor.execute("SET session_replication_role = origin")
        loaded = time.monotonic() - started
        for sql in rebuild:
            cursor.execute(sql)
        # As autovacuum does after inserts: the visibility map lets an agent page walk
        # lrs_agent_lookup backwards index-only and stop after a page, whatever the size.
        for table in BENCH_TABLES:
            cursor.execute(f'VACUUM ANALYZE "{table}"')
        cursor.execute("ANALYZE")
    print(
        f"filled {count:,} statements in {time.monotonic() - started:.1f} s "
        f"(load {loaded:.1f} s, indexes {time.monotonic() - started - loaded:.1f} s)"
    )
    _check_shape()
    _explain(clients[0])


def _drop_indexes(cursor) -> list[str]:
    """Drop the indexes and unique constraints of the statement tables (the primary keys
    stay); answers the SQL that builds them again, which is faster than keeping them during
    the load."""
    tables = list(BENCH_TABLES)
    cursor.execute(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint AS c "
        "JOIN pg_class AS t ON t.oid = c.conrelid WHERE c.contype = 'u' AND t.relname = ANY(%s)",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index AS x "
        "JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.oid)",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in constraints
    ]


def _check_shape() -> None:
    """The filled rows are those that `lrs.store` writes: the index rows of a sample equal
    `store.index_entries` of its payload, and its activity's definition is stored."""
    from balie.lrs.models import Activity, Statement
    from balie.lrs.store import digest, index_entries

    for row in Statement.objects.order_by("?")[:5]:
        agents, activities = index_entries(row.payload)
        assert agents == set(row.agents.values_list("agent_hash", "relation")), row.pk
        assert activities == set(row.activities.values_list("activity_hash", "relation"))
        stored = Activity.objects.get(
            organisation=row.organisation_id, activity_hash=digest(row.activity_id)
        )
        assert stored.definition == row.payload["object"]["definition"], row.pk


def _explain(client) -> None:
    """The plan of an agent query: it must walk the agent index, not the table."""
    from django.db import connection
    from django.http import QueryDict

    from balie.lrs import query

    wanted = query.parse(QueryDict("agent=" + quote(json.dumps(agent(0))) + "&limit=50"))
    sql, params = query.page_sql(wanted, client)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\n".join(line for (line,) in cursor.fetchall()))


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


def ingest(port: int, threads: int, posts: int, size: int) -> tuple[list[float], float]:
    """`threads` clients POST `posts` requests of `size` statements each (a list of 50, or
    one statement as the body), all at once; each request's time and the statements per
    second of the whole burst."""
    samples: list[float] = []
    barrier = threading.Barrier(threads + 1)

    def run(library: int) -> None:
        xapi = Xapi(port, library)
        agents = [n for n in range(AGENTS) if library_of(n) == library]
        barrier.wait()
        for _ in range(posts):
            batch = [statement(random.choice(agents), datetime.now(UTC)) for _ in range(size)]
            elapsed, _ = xapi.timed("POST", "/xapi/statements", batch if size > 1 else batch[0])
            samples.append(elapsed)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    return samples, threads * posts * size / wall


@contextlib.contextmanager
def profiled(served: Served, enabled: bool, name: str):
    """py-spy records the gunicorn workers while the block runs (a speedscope file)."""
    if not enabled:
        yield
        return
    assert served.process is not None, "py-spy records a running server"
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    target = out / f"lrs-{name}-{time.strftime('%Y%m%d-%H%M%S')}.speedscope.json"
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--subprocesses",
            "--format",
            "speedscope",
            "--output",
            str(target),
            "--pid",
            str(served.process.pid),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
        print(f"profile of {name}: {target}")


def cpu_per_statement(
    before: dict[str, float], after: dict[str, float], statements: int
) -> dict[str, float]:
    """Milliseconds of CPU per statement stored, by process kind, between two readings."""
    return {kind: (after[kind] - before[kind]) * 1000 / statements for kind in before}


def goals(results: dict[str, list[float]], batched: float, single: float) -> list[dict]:
    """Each figure beside its goal, and as a ratio to the floor: a latency by its median, a
    throughput by the time per statement."""
    floor = statistics.median(results["floor"])
    agent = summary(results["agent_query"])
    return [
        {
            "figure": "batched statements/s (POSTs of 50, 8 clients)",
            "value": batched,
            "goal": ">= 3000",
            "met": batched >= 3000,
            "x_floor": 1 / batched / floor,
        },
        {
            "figure": "single statements/s (POSTs of 1, 8 clients)",
            "value": single,
            "goal": ">= 500",
            "met": single >= 500,
            "x_floor": 1 / single / floor,
        },
        {
            "figure": "agent query p50 ms",
            "value": agent["median_ms"],
            "goal": "",
            "met": None,
            "x_floor": agent["median_ms"] / 1000 / floor,
        },
        {
            "figure": "agent query p95 ms",
            "value": agent["p95_ms"],
            "goal": "<= 20",
            "met": agent["p95_ms"] <= 20,
            "x_floor": agent["p95_ms"] / 1000 / floor,
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--posts", type=int, default=40, help="POSTs of 50 per client")
    parser.add_argument("--singles", type=int, default=250, help="POSTs of 1 per client")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="py-spy the workers")
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
        about = Xapi(served.port, 0)
        results: dict[str, list[float]] = {
            "floor": [],
            "about": [],
            "agent_query": [],
            "agent_more": [],
        }
        for _ in range(10):
            floor.timed("GET", "/health/live")
            readers[0].timed("GET", agent_path(0))
        with profiled(served, args.profile, "query"):
            for _ in range(args.requests):
                results["floor"].append(floor.timed("GET", "/health/live"))
                results["about"].append(about.timed("GET", "/xapi/about")[0])
                number = random.randrange(AGENTS)
                reader = readers[library_of(number)]
                elapsed, page = reader.timed("GET", agent_path(number))
                results["agent_query"].append(elapsed)
                if page["more"]:
                    results["agent_more"].append(reader.timed("GET", page["more"])[0])
        database = args.database_url.rsplit("/", 1)[-1]
        with profiled(served, args.profile, "post-50"):
            before = served.cpu_seconds(database)
            results["post_50"], batched = ingest(served.port, args.threads, args.posts, 50)
            cpu_batched = cpu_per_statement(
                before, served.cpu_seconds(database), args.threads * args.posts * 50
            )
        with profiled(served, args.profile, "post-1"):
            before = served.cpu_seconds(database)
            results["post_1"], single = ingest(served.port, args.threads, args.singles, 1)
            cpu_single = cpu_per_statement(
                before, served.cpu_seconds(database), args.threads * args.singles
            )
    results = {name: samples for name, samples in results.items() if samples}  # no 2nd pages
    figures = goals(results, batched, single)
    report(
        "lrs",
        f"Database: {served.database}, {args.workers} gunicorn workers × 4 threads; "
        f"{args.statements:,} statements filled in {fill_seconds:.1f} s; ingestion: "
        f"{args.threads} clients × {args.posts} POSTs of 50 → {batched:,.0f} statements/s; "
        f"{args.threads} clients × {args.singles} POSTs of 1 → {single:,.0f} statements/s",
        results,
        {
            "database": served.database,
            "workers": args.workers,
            "statements": args.statements,
            "ingest_statements_per_second": batched,
            "single_statements_per_second": single,
            "cpu_ms_per_statement": {"batched": cpu_batched, "single": cpu_single},
            "goals": figures,
        },
    )
    print(f"\n{'figure':<48} {'value':>9} {'goal':>8} {'met':>4} {'× floor':>8}")
    for row in figures:
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        print(
            f"{row['figure']:<48} {row['value']:>9,.1f} {row['goal']:>8} {met:>4} "
            f"{row['x_floor']:>8.2f}"
        )
    cores = os.cpu_count() or 1
    print(
        f"\n{'CPU ms per statement':<20} {'clients':>9} {'gunicorn':>9} {'postgres':>9} "
        f"{'sum':>6}  on {cores} cores"
    )
    for name, used in (("batched", cpu_batched), ("single", cpu_single)):
        total = sum(used.values())
        print(
            f"{name:<20} {used['clients']:>9.3f} {used['gunicorn']:>9.3f} "
            f"{used['postgresql']:>9.3f} {total:>6.3f}  at most {cores * 1000 / total:,.0f}/s"
        )


if __name__ == "__main__":
    main()
