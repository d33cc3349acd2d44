"""Benchmark: the module player at demo scale, against a floor in the same run.

Loads the demo into a fresh database, serves Balie with gunicorn as in production, logs in as
a demo learner and times, one request at a time over a kept-alive loopback connection:

- floor:      GET /health/live — a minimal Django view through the whole middleware stack
- player:     GET a module step page (rotating over every step of every module)
- heartbeat:  POST time on task for the step
- note save:  POST a note

Each figure is also given as a ratio to the floor measured in the same run, since absolute
times differ between machines. Usage:

    .venv/bin/python bench/player.py [--requests 400] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEARNER = ("jeroen@helmond-peel.example", "balie-demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A kept-alive HTTP connection with a cookie jar just big enough for Django."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.last_location = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.connection.port}/"
            headers["Origin"] = f"http://127.0.0.1:{self.connection.port}"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        self.last_location = response.getheader("Location", "")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def timed(self, method: str, path: str, form: dict | None = None) -> float:
        started = time.perf_counter()
        status, _ = self.request(method, path, form)
        elapsed = time.perf_counter() - started
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}")
        return elapsed


def collect_steps(client: Client) -> list[str]:
    """Every step of every module on the learner's page, via each module's step list."""
    _, page = client.request("GET", "/leren/")
    steps: set[str] = set()
    for module in sorted(set(re.findall(r'href="/leren/modules/(\d+)/"', page))):
        client.request("GET", f"/leren/modules/{module}/")
        first = client.last_location
        _, step_page = client.request("GET", first)
        steps.update(re.findall(r'href="/leren/stappen/(\d+)/"', step_page))
    return sorted(steps, key=int)


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "requests": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="balie-bench-"))
    env = {
        **os.environ,
        "BALIE_VAR_DIR": str(var),
        "BALIE_DATABASE_URL": args.database_url,
        "BALIE_SECRET_KEY": "bench-" + "x" * 50,
        "BALIE_LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "-m", "balie"]
    started = time.monotonic()
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    subprocess.run([*manage, "load_demo"], env=env, check=True, capture_output=True)
    demo_seconds = time.monotonic() - started

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "balie.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        client = Client(port)
        for _ in range(100):
            try:
                client.request("GET", "/health/live")
                break
            except OSError:
                time.sleep(0.2)
                client = Client(port)
        client.request("GET", "/inloggen/")
        status, _ = client.request(
            "POST",
            "/inloggen/",
            {
                "username": LEARNER[0],
                "password": LEARNER[1],
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        assert status == 302, "login failed"
        steps = collect_steps(client)
        results: dict[str, list[float]] = {
            "floor": [],
            "player": [],
            "heartbeat": [],
            "note_save": [],
        }
        for warmup in range(20):
            client.timed("GET", "/health/live")
            client.timed("GET", f"/leren/stappen/{steps[warmup % len(steps)]}/")
        for i in range(args.requests):
            step = steps[i % len(steps)]
            results["floor"].append(client.timed("GET", "/health/live"))
            started = time.perf_counter()
            status, text = client.request("GET", f"/leren/stappen/{step}/")
            results["player"].append(time.perf_counter() - started)
            token = re.search(r'data-visit-token="([^"]+)"', text).group(1)
            results["heartbeat"].append(
                client.timed(
                    "POST", f"/leren/stappen/{step}/tijd/", {"token": token, "active_seconds": 0}
                )
            )
            results["note_save"].append(
                client.timed(
                    "POST",
                    f"/leren/stappen/{step}/aantekening/",
                    {"body": f"Aantekening {i}", "revision": 10_000 + i},
                )
            )
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # the master and its workers
        server.wait()

    floor = statistics.median(results["floor"])
    report = {
        "database": "postgresql" if args.database_url else "sqlite",
        "workers": args.workers,
        "steps": len(steps),
        "demo_load_seconds": round(demo_seconds, 2),
        "scenarios": {
            name: {**summary(samples), "ratio_to_floor": statistics.median(samples) / floor}
            for name, samples in results.items()
        },
    }
    print(
        f"Database: {report['database']}, {args.workers} gunicorn workers, "
        f"{len(steps)} steps, demo loaded in {demo_seconds:.1f} s"
    )
    print(f"{'scenario':<12} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}")
    for name, figures in report["scenarios"].items():
        print(
            f"{name:<12} {figures['median_ms']:>10.2f} {figures['p95_ms']:>8.2f} "
            f"{figures['ratio_to_floor']:>8.2f}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"player-{report['database']}-{stamp}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
