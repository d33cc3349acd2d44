"""Balie served by gunicorn as in production, on a port of its own, for the browser tests
(tests_e2e/conftest.py) and the benchmarks (bench/harness.py): the database prepared with the
demo, the server in a process group of its own, killed at once (master and workers) to stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

# The folder above the package: the checkout, where the tests and benchmarks run.
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BalieServer:
    """`env` is the environment of every command (BALIE_VAR_DIR, BALIE_DATABASE_URL, ...);
    gunicorn's and Django's output is appended to `log`; `options` go to gunicorn."""

    def __init__(
        self, env: dict[str, str], *, log: Path = Path(os.devnull), options: Sequence[str] = ()
    ) -> None:
        self.env = env
        self.log = log
        self.options = list(options)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own command line
            [sys.executable, "-m", "balie", *args],
            env=self.env,
            check=True,
            cwd=ROOT,
            capture_output=True,
        )

    def load_demo(self) -> float:
        """Migrate and load the demo; returns the seconds it took."""
        started = time.monotonic()
        self.manage("migrate", "--noinput")
        self.manage("load_demo")
        return time.monotonic() - started

    def start(self, workers: int = 2, threads: int = 4) -> None:
        """gunicorn with `workers` workers of `threads` threads; returns once /health/ready
        answers."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "balie.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    str(threads),
                    *self.options,
                ],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() kills master and workers
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("Balie did not start within 30 seconds")

    def stop(self) -> None:
        """Kill the master and its workers at once, as if the machine lost power, and wait
        until nothing answers on the port any more."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("the old server still answers after it was killed")

    def output(self) -> str:
        return self.log.read_text(errors="replace")
