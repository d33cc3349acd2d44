"""What the HTTP benchmarks share: a fresh database with the demo, Balie served by gunicorn as
in production, a kept-alive client with a cookie jar, and the report against the floor."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from balie.serving import ROOT, BalieServer

PASSWORD = "balie-demo"  # noqa: S105 — the demo logins' published password
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Client:
    """A kept-alive HTTP connection with a cookie jar just big enough for Django."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.last_location = ""

    def request(
        self, method: str, path: str, form: dict | None = None, json_body: object = None
    ) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None or json_body is not None:
            if json_body is not None:
                body = json.dumps(json_body)
                headers["Content-Type"] = "application/json"
            else:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.connection.port}/"
            headers["Origin"] = f"http://127.0.0.1:{self.connection.port}"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a kept-alive connection that sat idle: open a new one.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        self.last_location = response.getheader("Location", "")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def timed(
        self, method: str, path: str, form: dict | None = None, json_body: object = None
    ) -> float:
        started = time.perf_counter()
        status, _ = self.request(method, path, form, json_body)
        elapsed = time.perf_counter() - started
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}")
        return elapsed

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        self.request("GET", "/inloggen/")
        status, _ = self.request(
            "POST",
            "/inloggen/",
            {
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
        )
        assert status == 302, f"login of {email} failed"


class Served(BalieServer):
    """A fresh database (SQLite in a temporary folder, or `database_url`) with the demo."""

    def __init__(self, database_url: str = "") -> None:
        self.var = Path(tempfile.mkdtemp(prefix="balie-bench-"))
        self.database = "postgresql" if database_url else "sqlite"
        env = {
            **os.environ,
            "BALIE_VAR_DIR": str(self.var),
            "BALIE_DATABASE_URL": database_url,
            "BALIE_SECRET_KEY": "bench-" + "x" * 50,
            "BALIE_LOG_LEVEL": "WARNING",
            # A few benchmark accounts play many users, faster than any person: the per-user
            # rate limits (a cache counter each) would refuse them. Their cost is not measured.
            "BALIE_RATE_LIMITS": "false",
        }
        super().__init__(
            env,
            options=["--worker-class", "gthread", "--timeout", "120", "--keep-alive", "75"],
        )

    def python(self, script: Path, *args: str) -> None:
        """Run a script that sets up Django itself, on this database."""
        subprocess.run([sys.executable, str(script), *args], env=self.env, check=True, cwd=ROOT)

    @contextlib.contextmanager
    def serving(self, workers: int = 2, threads: int = 4) -> Iterator[Client]:
        """gunicorn with `workers` gthread workers of `threads` threads; yields a client once
        it answers. While it serves, `self.process` is the gunicorn master."""
        self.start(workers, threads)
        try:
            yield Client(self.port)
        finally:
            self.stop()

    def worker_peak_rss_kb(self) -> dict[int, int]:
        """Each gunicorn worker's peak resident memory so far (VmHWM, kB), by process id: the
        children of the master. Call it while serving."""
        return {
            pid: int(fields.get("VmHWM", "0 kB").split()[0])
            for pid, fields in _processes()
            if self.process and fields.get("PPid", "").strip() == str(self.process.pid)
        }

    def cpu_seconds(self, database: str) -> dict[str, float]:
        """CPU time (user + system) used so far by this process (the benchmark's clients), the
        gunicorn workers, and the PostgreSQL backends connected to `database`. Read before and
        after a burst, the difference tells where each request's CPU goes, which other load on
        the machine changes far less than it changes the throughput."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        used = {"clients": own.ru_utime + own.ru_stime, "gunicorn": 0.0, "postgresql": 0.0}
        for pid, fields in _processes():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended
            seconds = (int(stat[11]) + int(stat[12])) / CLOCK_TICKS  # utime, stime
            if self.process and fields.get("PPid", "").strip() == str(self.process.pid):
                used["gunicorn"] += seconds
            elif command.startswith("postgres: ") and f" {database} " in command:
                used["postgresql"] += seconds
        return used


def _processes() -> Iterator[tuple[int, dict[str, str]]]:
    """Every process's id and /proc status fields, skipping those that end meanwhile."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        yield (
            int(status.parent.name),
            dict(line.split(":", 1) for line in text.splitlines() if ":" in line),
        )


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "requests": len(ordered),
    }


def report(name: str, header: str, results: dict[str, list[float]], extra: dict) -> None:
    """Print the table (each scenario also as a ratio to `results["floor"]`) and keep it as
    JSON in bench/results/."""
    floor = statistics.median(results["floor"])
    scenarios = {
        scenario: {**summary(samples), "ratio_to_floor": statistics.median(samples) / floor}
        for scenario, samples in results.items()
    }
    print(header)
    width = max(12, *(len(s) for s in scenarios))
    print(f"{'scenario':<{width}} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}")
    for scenario, figures in scenarios.items():
        print(
            f"{scenario:<{width}} {figures['median_ms']:>10.2f} {figures['p95_ms']:>8.2f} "
            f"{figures['ratio_to_floor']:>8.2f}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = out / f"{name}-{extra.get('database', 'x')}-{stamp}.json"
    path.write_text(json.dumps({**extra, "scenarios": scenarios}, indent=2))
