"""Locust scenarios for `bench/load.py` (QUALITY.md S0, S2, S3, S7, S8). Each request carries the
name of its scenario; requests named "setup: …" and "login" prepare a user and are not scenarios.

- floor:              GET /health/live — a minimal Django view through the whole middleware stack
- step page:          a learner opens a module step (rotating over every step they can see)
- heartbeat:          time on task for the step last shown (form POST with its visit token)
- note save:          a note on that step, with a growing revision (form POST)
- tally tap:          a desk worker logs one referral (JSON POST, a new client_id each time)
- library dashboard:  a manager's library dashboard, default period
- statement post:     a library's authoring tool POSTs 50 xAPI statements (S4), HTTP Basic with
                      the bench clients of `national.py` (tool-000 …)

With BENCH_SHAPE (set by `load.py --shape`):

- steady (default):   the scenarios above at a fixed number of users, measured after the ramp-up
- burst (S1):         a cohort arriving at once: each user logs in ("S1 login", the real password
                      hash) and opens "Mijn leertraject" ("S1 my learning"), once; with the floor
- spike (S11):        the steady mix at U users, 3 × U within 10 s, back to U: every sample
                      keeps its moment, so `load.py` can show p95 per 10 s and the recovery

The accounts are the benchmark logins of `bench/national.py` (learner0@bench.example …,
manager0@bench.example …), handed out in turn. Settings come from the environment:
BENCH_ACCOUNTS (per role, default 10), BENCH_PASSWORD, BENCH_WAIT ("min,max" seconds between
tasks, default "0.1,0.5"), BENCH_SAMPLES (a JSON file for every response time and status,
written when the test stops; `load.py` reads it) and BENCH_WORKER_PIDS (the gunicorn workers,
whose CPU time over the measured window goes into that file).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import time
import uuid
from datetime import UTC, datetime

from locust import HttpUser, LoadTestShape, between, constant, events, task

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "10"))
PASSWORD = os.environ.get("BENCH_PASSWORD", "balie-demo")
WAIT = [float(s) for s in os.environ.get("BENCH_WAIT", "0.1,0.5").split(",")]
SAMPLES = os.environ.get("BENCH_SAMPLES", "")
WORKERS = [int(pid) for pid in os.environ.get("BENCH_WORKER_PIDS", "").split(",") if pid]
SHAPE = os.environ.get("BENCH_SHAPE", "steady")
SPIKE_USERS = int(os.environ.get("BENCH_SPIKE_USERS", "20"))
TICKS = os.sysconf("SC_CLK_TCK")
SETUP = ("setup", "login")

learners = itertools.cycle(range(ACCOUNTS))
managers = itertools.cycle(range(ACCOUNTS))
desk_workers = itertools.cycle(reversed(range(ACCOUNTS)))  # other learners than the players
tools = itertools.cycle(range(ACCOUNTS))  # bench libraries whose xAPI client posts

# Every response: times (ms) and status codes by name; measuring starts once all users run.
recorded: dict = {
    "times": {},
    "statuses": {},
    "exceptions": {},
    "setup_times": {},
    "timeline": [],  # spike only: (seconds since start, name, ms)
}
window = {"started": time.time(), "stopped": None, "cpu_seconds": None}
_cpu_at_start = 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes (the gunicorn workers) so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime
    return total / TICKS


@events.request.add_listener
def on_request(name, response_time, response, exception, **_kwargs) -> None:
    if name.startswith(SETUP):
        recorded["setup_times"].setdefault(name, []).append(response_time)
        return
    recorded["times"].setdefault(name, []).append(response_time)
    if SHAPE == "spike":
        recorded["timeline"].append((time.time() - window["started"], name, response_time))
    status = str(getattr(response, "status_code", 0) or 0)
    statuses = recorded["statuses"].setdefault(name, {})
    statuses[status] = statuses.get(status, 0) + 1
    if exception is not None and not getattr(response, "status_code", 0):
        recorded["exceptions"][name] = recorded["exceptions"].get(name, 0) + 1


@events.spawning_complete.add_listener
def on_spawned(user_count, **_kwargs) -> None:
    """Measure from here: the ramp-up (and the logins in it) is not the fixed load. A burst and
    a spike are measured whole: their ramp is what they measure."""
    if SHAPE != "steady":
        return
    global _cpu_at_start
    _cpu_at_start = cpu_seconds(WORKERS)
    recorded["times"].clear()
    recorded["statuses"].clear()
    recorded["exceptions"].clear()
    window["started"] = time.time()
    window["users"] = user_count


@events.test_stop.add_listener
def on_stop(**_kwargs) -> None:
    window["stopped"] = time.time()
    if WORKERS:
        window["cpu_seconds"] = cpu_seconds(WORKERS) - _cpu_at_start
    if SAMPLES:
        with open(SAMPLES, "w") as out:
            json.dump({**recorded, "window": window}, out)


class BalieUser(HttpUser):
    abstract = True
    wait_time = between(*WAIT)

    def log_in(self, email: str, name: str = "login") -> None:
        self.client.get("/inloggen/", name="setup: login page")
        response = self.client.post(
            "/inloggen/",
            {
                "username": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            allow_redirects=False,
            name=name,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {email} answered {response.status_code}")

    def post(self, path: str, name: str, **kwargs):
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        return self.client.post(path, headers=headers, name=name, **kwargs)


class Floor(BalieUser):
    """S0: the floor, measured in the same run under the same load."""

    weight = 2

    @task
    def floor(self) -> None:
        self.client.get("/health/live", name="floor")


STEPS: list[str] = []  # every step a benchmark learner sees; the same for each of them


class Learner(BalieUser):
    """S2/S3: a learner going through module steps, with heartbeats and note saves."""

    weight = 10

    def on_start(self) -> None:
        self.log_in(f"learner{next(learners)}@bench.example")
        if not STEPS:
            page = self.client.get("/leren/", name="setup: my learning").text
            modules = sorted(set(re.findall(r'href="/leren/modules/(\d+)/"', page)), key=int)
            found: set[str] = set()
            for module in modules:
                step_page = self.client.get(f"/leren/modules/{module}/", name="setup: module").text
                found.update(re.findall(r'href="/leren/stappen/(\d+)/"', step_page))
            STEPS[:] = sorted(found, key=int)
            if not STEPS:
                raise RuntimeError("the learner sees no steps")
        self.position = hash(self) % len(STEPS)
        self.step, self.token, self.shown = "", "", 0.0
        self.step_page()

    @task(3)
    def step_page(self) -> None:
        self.position = (self.position + 1) % len(STEPS)
        step = STEPS[self.position]
        response = self.client.get(f"/leren/stappen/{step}/", name="step page")
        found = re.search(r'data-visit-token="([^"]+)"', response.text or "")
        if found:
            self.step, self.token, self.shown = step, found.group(1), time.monotonic()

    @task(3)
    def heartbeat(self) -> None:
        if not self.token:
            return
        self.post(
            f"/leren/stappen/{self.step}/tijd/",
            "heartbeat",
            data={"token": self.token, "active_seconds": int(time.monotonic() - self.shown)},
        )

    @task(1)
    def note_save(self) -> None:
        if not self.step:
            return
        self.post(
            f"/leren/stappen/{self.step}/aantekening/",
            "note save",
            data={
                "body": f"Aantekening {uuid.uuid4().hex[:8]}",
                "revision": time.time_ns() // 1000,
            },
        )


class DeskWorker(BalieUser):
    """S7: taps on the referral tally, as the browser sends them."""

    weight = 4

    def on_start(self) -> None:
        self.log_in(f"learner{next(desk_workers)}@bench.example")
        page = self.client.get("/doorverwijzen/", name="setup: tally page").text
        offer = re.search(r'data-offer="(\d+)"', page) or re.search(
            r'name="offer" value="(\d+)"', page
        )
        branch = re.search(r'<option value="(\d+)"[^>]*>', page)
        if not offer:
            raise RuntimeError("no offer on the tally page")
        self.offer = int(offer.group(1))
        self.branch = int(branch.group(1)) if branch else None

    @task
    def tally_tap(self) -> None:
        self.post(
            "/doorverwijzen/tellen",
            "tally tap",
            json={
                "client_id": str(uuid.uuid4()),
                "need": "digid",
                "offer": self.offer,
                "warm": True,
                "branch": self.branch,
                "channel": "desk",
                "tapped_at": datetime.now(UTC).isoformat(),
            },
        )


class Manager(BalieUser):
    """S8: a manager looking at their library's dashboard."""

    weight = 2

    def on_start(self) -> None:
        self.log_in(f"manager{next(managers)}@bench.example")
        response = self.client.get("/inzicht/", allow_redirects=False, name="setup: insights")
        self.dashboard = response.headers.get("Location", "")
        if response.status_code != 302 or not self.dashboard:
            raise RuntimeError(f"/inzicht/ answered {response.status_code}")

    @task
    def library_dashboard(self) -> None:
        self.client.get(self.dashboard, name="library dashboard")


class AuthoringTool(HttpUser):
    """S4: an e-learning authoring tool of a library sends its learners' statements, 50 at a
    time, as xAPI clients do."""

    weight = 2
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        number = next(tools)
        library = f"bench-{number:03d}"
        secret = base64.b64encode(f"tool-{number:03d}:tool-secret-{number:03d}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {secret}",
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }
        self.library = library

    @task
    def statement_post(self) -> None:
        now = datetime.now(UTC).isoformat()
        course = f"https://elearning.example/{self.library}/courses/{uuid.uuid4().int % 40}"
        batch = [
            {
                "id": str(uuid.uuid4()),
                "actor": {
                    "objectType": "Agent",
                    "account": {"homePage": "https://balie.example", "name": str(uuid.uuid4())},
                },
                "verb": {
                    "id": "http://adlnet.gov/expapi/verbs/experienced",
                    "display": {"en-US": "experienced"},
                },
                "object": {"objectType": "Activity", "id": f"{course}/slides/{n}"},
                "context": {"contextActivities": {"parent": [{"id": course}]}},
                "timestamp": now,
            }
            for n in range(50)
        ]
        self.client.post(
            "/xapi/statements", data=json.dumps(batch), headers=self.headers, name="statement post"
        )


class Arrival(BalieUser):
    """S1: one of a cohort that logs in at the same time, then opens "Mijn leertraject". Once:
    afterwards the user only waits."""

    weight = 50
    wait_time = constant(3600)

    def on_start(self) -> None:
        self.log_in(f"learner{next(learners)}@bench.example", name="S1 login")
        self.client.get("/leren/", name="S1 my learning")

    @task
    def wait(self) -> None:
        """Nothing more: the burst is the login and the first page."""


if SHAPE == "spike":

    class Spike(LoadTestShape):
        """S11: U users for 30 s, 3 × U within 10 s and held for 30 s, then U again for 60 s."""

        def tick(self):
            now = self.get_run_time()
            if now < 30:
                return SPIKE_USERS, SPIKE_USERS
            if now < 70:
                return 3 * SPIKE_USERS, SPIKE_USERS / 5  # the 2 × U extra within 10 s
            if now < 130:
                return SPIKE_USERS, 3 * SPIKE_USERS
            return None
