"""Faults (QUALITY.md I3, J1, J4): Balie served by gunicorn on a database of its own, written
to from several threads with plain HTTP, then

- the master and its workers SIGKILLed in the middle of the writes, and started again: every
  write the client saw confirmed is stored, no row is half-written, SQLite's integrity check
  is ok, resending the unconfirmed writes stores each exactly once, and the burst itself
  answered no "database is locked";
- (on PostgreSQL) the database restarted under load — a PRIVATE PostgreSQL instance, never the
  shared one: requests may fail during the outage only, the same gunicorn recovers by itself
  (`CONN_HEALTH_CHECKS`), and every acknowledged write is stored.

No browser: the writes are the same requests the benchmarks (`bench/player.py`,
`bench/desk.py`) make. Each test has its own server and database, so the order of the tests
does not matter; they are marked `faults` to run or leave them out together.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from balie.serving import ROOT
from tests_e2e.conftest import Server
from tests_e2e.postgres import PrivatePostgres, private_cluster

sys.path.insert(0, str(ROOT / "bench"))
from harness import Client  # noqa: E402 — the benchmarks' kept-alive client

pytestmark = pytest.mark.faults

LEARNER = "jeroen@helmond-peel.example"  # also desk staff at Helmond-Peel in the demo
WRITES_PER_SECOND = 24  # QUALITY.md J4: a burst of ~20 writes/s


class Database:
    """Direct reads of the served database, to check what really is stored."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env.get("BALIE_DATABASE_URL", "")
        self.sqlite_path = Path(env["BALIE_VAR_DIR"]) / "balie.sqlite3"

    def rows(self, sql: str, *params: object) -> list[tuple]:
        if self.url:
            with psycopg.connect(self.url, autocommit=True) as connection:
                return connection.execute(sql.replace("?", "%s"), params).fetchall()
        connection = sqlite3.connect(self.sqlite_path, timeout=20)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def notes(self) -> dict[int, tuple[int, str]]:
        """The learner's notes: step id → (revision, body)."""
        return {
            step: (revision, body)
            for step, revision, body in self.rows(
                "SELECT n.step_id, n.revision, n.body FROM learning_note n "
                "JOIN orgs_user u ON u.id = n.user_id WHERE u.email = ?",
                LEARNER,
            )
        }

    def referrals(self) -> dict[str, tuple]:
        """Every referral: client id (hex) → (need, offer id, warm, channel, withdrawn)."""
        return {
            uuid.UUID(str(client_id)).hex: (need, offer, bool(warm), channel, bool(withdrawn))
            for client_id, need, offer, warm, channel, withdrawn in self.rows(
                "SELECT client_id, need, offer_id, warm, channel, withdrawn FROM desk_referral"
            )
        }

    def integrity(self) -> str:
        connection = sqlite3.connect(self.sqlite_path)
        try:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()


def note_body(step: int, revision: int) -> str:
    """A body that says which save it is, and long enough that a torn write would show."""
    return f"Stap {step}, versie {revision}. " + "Wat ik aan de balie anders ga doen. " * 40


@dataclass
class Writes:
    """What the writing threads sent and what the server confirmed."""

    notes_sent: dict[int, int] = field(default_factory=dict)  # step → highest revision sent
    notes_confirmed: dict[int, int] = field(default_factory=dict)  # step → highest confirmed
    taps_sent: set[str] = field(default_factory=set)
    taps_confirmed: set[str] = field(default_factory=set)
    statuses: list[tuple[float, int]] = field(default_factory=list)  # (time, status; 0 = error)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0  # requests sent and not yet answered

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        with self.lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def record(self, status: int) -> None:
        with self.lock:
            self.statuses.append((time.monotonic(), status))

    def server_errors(self, since: float = 0, until: float = float("inf")) -> list[int]:
        return [s for t, s in self.statuses if since <= t <= until and s >= 500]

    def confirmed(self) -> int:
        return sum(1 for _, s in self.statuses if 200 <= s < 300)


class Learner:
    """The demo learner, logged in once; each thread gets its own connection with the same
    session, as tabs of one browser would."""

    def __init__(self, port: int) -> None:
        self.port = port
        first = Client(port)
        first.log_in(LEARNER)
        self.cookies = dict(first.cookies)
        _, page = first.request("GET", "/leren/")
        module = re.search(r'href="/leren/modules/(\d+)/"', page).group(1)
        first.request("GET", f"/leren/modules/{module}/")
        _, step_page = first.request("GET", first.last_location)
        self.steps = sorted({int(s) for s in re.findall(r"/leren/stappen/(\d+)/", step_page)})
        _, tally = first.request("GET", "/doorverwijzen/")
        offer = re.search(r'data-offer="(\d+)"', tally) or re.search(
            r'name="offer" value="(\d+)"', tally
        )
        branch = re.search(r'<option value="(\d+)"[^>]*>', tally)
        self.offer = int(offer.group(1))
        self.branch = int(branch.group(1)) if branch else None

    def client(self) -> Client:
        client = Client(self.port)
        client.connection.timeout = 10
        client.cookies = dict(self.cookies)
        return client

    def tap_body(self, client_id: str) -> dict:
        return {
            "client_id": client_id,
            "need": "digid",
            "offer": self.offer,
            "warm": True,
            "branch": self.branch,
            "channel": "desk",
            "tapped_at": datetime.now(UTC).isoformat(),
        }


def save_note(learner: Learner, client: Client, writes: Writes, step: int, rev: int) -> int:
    with writes.lock:
        writes.notes_sent[step] = max(rev, writes.notes_sent.get(step, 0))
    with writes.sending():
        status, _ = client.request(
            "POST",
            f"/leren/stappen/{step}/aantekening/",
            {"body": note_body(step, rev), "revision": rev},
        )
    writes.record(status)
    if status == 200:
        with writes.lock:
            writes.notes_confirmed[step] = max(rev, writes.notes_confirmed.get(step, 0))
    return status


def tap(learner: Learner, client: Client, writes: Writes, client_id: str) -> int:
    with writes.lock:
        writes.taps_sent.add(client_id)
    with writes.sending():
        status, _ = client.request(
            "POST", "/doorverwijzen/tellen", json_body=learner.tap_body(client_id)
        )
    writes.record(status)
    if status in (200, 201):
        with writes.lock:
            writes.taps_confirmed.add(client_id)
    return status


def write_loop(learner: Learner, writes: Writes, stop: threading.Event, kind: str, step: int):
    """One thread: note saves with rising revisions on one step, or taps with new ids, paced
    so that all threads together make about WRITES_PER_SECOND writes a second."""
    client = learner.client()
    pause = 4 / WRITES_PER_SECOND
    revision = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            if kind == "note":
                revision += 1
                save_note(learner, client, writes, step, revision)
            else:
                tap(learner, client, writes, str(uuid.uuid4()))
        except OSError:  # the server is gone: this write is unconfirmed
            writes.record(0)
            client = learner.client()
        stop.wait(max(0.0, pause - (time.monotonic() - started)))


@contextlib.contextmanager
def writing(learner: Learner, writes: Writes) -> Iterator[None]:
    """Two threads saving notes (each on its own step) and two tapping the tally."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=write_loop, args=(learner, writes, stop, kind, step))
        for kind, step in [
            ("note", learner.steps[0]),
            ("note", learner.steps[1]),
            ("tap", 0),
            ("tap", 0),
        ]
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def server_env(var: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BALIE_VAR_DIR": str(var),
        "BALIE_SECRET_KEY": uuid.uuid4().hex * 2,
        "BALIE_DATABASE_URL": database_url,
        "BALIE_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "balie.settings",
    }


@pytest.fixture
def served(tmp_path) -> Iterator[Server]:
    """A server on a database of its own: SQLite in a temporary folder, or, when the tests run
    on PostgreSQL, a new database on that server (as `tests_e2e/conftest.py` chooses)."""
    postgres_url = os.environ.get("BALIE_DATABASE_URL", "")
    database = f"balie_p7e_{uuid.uuid4().hex[:8]}"
    admin_url = postgres_url.rsplit("/", 1)[0] + "/postgres"
    url = ""
    if postgres_url:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        url = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    balie = Server(env=server_env(tmp_path, url), log=tmp_path / "server.log")
    try:
        balie.prepare()
        balie.start()
        yield balie
    finally:
        balie.stop()
        if postgres_url:
            with psycopg.connect(admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_a_server_killed_mid_write_keeps_every_confirmed_write(served: Server) -> None:
    learner = Learner(served.port)
    writes = Writes()
    db = Database(served.env)
    referrals_before = set(db.referrals())

    with writing(learner, writes):
        time.sleep(3)  # the burst (J4)
        burst_end = time.monotonic()
        burst = [s for t, s in writes.statuses if t <= burst_end]
        time.sleep(0.5)
        while writes.in_flight == 0:  # kill while a write is on its way
            time.sleep(0.001)
        in_flight = writes.in_flight
        served.stop()  # SIGKILL to the master and its workers, mid-write
        killed_at = time.monotonic()
        time.sleep(0.5)  # writes keep coming at a dead server
    log = served.output()

    # J4: the burst answered no server error and no "database is locked".
    assert len(burst) >= 40, f"only {len(burst)} writes in the burst"
    assert writes.server_errors(until=killed_at) == []
    assert "database is locked" not in log
    assert writes.confirmed() > 0
    unconfirmed = sum(1 for t, s in writes.statuses if t >= killed_at - 0.05 and s == 0)
    assert unconfirmed > 0, "no write was refused after the kill: the kill came too late"

    # I3: the database survived the kill whole.
    if not db.url:
        assert db.integrity() == "ok"
    notes = db.notes()
    stored = {k: v for k, v in db.referrals().items() if k not in referrals_before}
    for step, confirmed in writes.notes_confirmed.items():
        revision, body = notes[step]
        assert confirmed <= revision <= writes.notes_sent[step]
        assert body == note_body(step, revision), "a note is not the body of its revision"
    confirmed_taps = {uuid.UUID(c).hex for c in writes.taps_confirmed}
    sent_taps = {uuid.UUID(c).hex for c in writes.taps_sent}
    assert confirmed_taps <= set(stored), "a confirmed tap is lost"
    assert set(stored) <= sent_taps
    full = ("digid", learner.offer, True, "desk", False)
    assert all(row == full for row in stored.values()), "a tap is stored half"
    # Stored but never confirmed: the kill came between the commit and the answer.
    stored_unconfirmed = len(set(stored) - confirmed_taps) + sum(
        notes[step][0] > writes.notes_confirmed.get(step, 0) for step in writes.notes_sent
    )

    # Started again: resending every unconfirmed write stores each exactly once.
    served.start()
    client = learner.client()
    for client_id in writes.taps_sent - writes.taps_confirmed:
        assert tap(learner, client, writes, client_id) in (200, 201)
    for client_id in list(writes.taps_sent)[:5]:  # and a confirmed one sent again is one tap
        assert tap(learner, client, writes, client_id) == 200
    for step, revision in writes.notes_sent.items():
        assert save_note(learner, client, writes, step, revision) == 200
    stored = {k: v for k, v in db.referrals().items() if k not in referrals_before}
    assert set(stored) == sent_taps
    assert all(row == full for row in stored.values())
    assert len(db.rows("SELECT client_id FROM desk_referral")) == len(referrals_before) + len(
        sent_taps
    )
    notes = db.notes()
    for step, revision in writes.notes_sent.items():
        assert notes[step] == (revision, note_body(step, revision))
    if not db.url:
        assert db.integrity() == "ok"
    print(  # noqa: T201 — the figures this test is run for (pytest -s)
        f"\n[faults] {db.url and 'postgresql' or 'sqlite'}: {len(burst)} writes in "
        f"3 s, {writes.confirmed()} confirmed in all, {in_flight} in flight at the kill, "
        f"{stored_unconfirmed} stored but unconfirmed, "
        f"{len(confirmed_taps)} taps confirmed before the kill, {len(stored)} stored after "
        f"the resends ({len(sent_taps - confirmed_taps)} were unconfirmed), notes at "
        f"revisions {sorted(writes.notes_sent.values())}"
    )


# --- PostgreSQL restarted under load (J1) ----------------------------------------------------


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with private_cluster("balie-p7e-pg-") as cluster:
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as connection:
            connection.execute('CREATE DATABASE "balie_faults"')
        yield cluster


def test_the_app_recovers_from_a_postgresql_restart_by_itself(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    served = Server(
        env=server_env(tmp_path, private_postgres.url("balie_faults")),
        log=tmp_path / "server.log",
    )
    try:
        served.prepare()
        served.start()
        gunicorn = served.process.pid
        learner = Learner(served.port)
        writes = Writes()
        db = Database(served.env)
        with writing(learner, writes):
            time.sleep(2)
            outage_start = time.monotonic()
            private_postgres.restart()
            back_up = time.monotonic()
            recovered = None
            deadline = back_up + 20
            while recovered is None and time.monotonic() < deadline:
                time.sleep(0.1)
                recovered = next(
                    (t for t, s in writes.statuses if t > back_up and 200 <= s < 300), None
                )
            time.sleep(3)  # and then it keeps working
        end = time.monotonic()

        assert recovered is not None, "no write succeeded within 20 s of the restart"
        assert served.process.poll() is None and served.process.pid == gunicorn
        before = writes.server_errors(until=outage_start)
        during = [s for t, s in writes.statuses if outage_start <= t <= recovered and s >= 500]
        after = [s for t, s in writes.statuses if recovered < t <= end and s != 0 and s >= 400]
        assert before == []
        assert after == [], "requests still fail after the database came back"
        ok_after = sum(1 for t, s in writes.statuses if t > recovered and 200 <= s < 300)
        assert ok_after >= 20
        with urllib.request.urlopen(f"{served.url}/health/ready", timeout=5) as ready:
            assert ready.status == 200

        stored = db.referrals()
        confirmed_taps = {uuid.UUID(c).hex for c in writes.taps_confirmed}
        assert confirmed_taps <= set(stored), "an acknowledged tap is lost"
        notes = db.notes()
        for step, confirmed in writes.notes_confirmed.items():
            revision, body = notes[step]
            assert confirmed <= revision
            assert body == note_body(step, revision)
        print(  # noqa: T201 — the figures this test is run for (pytest -s)
            f"\n[faults] postgresql restart: {writes.confirmed()} writes confirmed, "
            f"{len(confirmed_taps)} taps all stored; restart took "
            f"{back_up - outage_start:.2f} s, first success {recovered - back_up:.2f} s later; "
            f"{len(during)} server errors during the outage, none before or after "
            f"({ok_after} successful writes after recovery); gunicorn not restarted; "
            f"{json.dumps(sorted({s for _, s in writes.statuses}))} statuses seen"
        )
    finally:
        served.stop()
