"""A PostgreSQL 15 cluster of a test's own (initdb in a temporary folder, run as the `postgres`
system user), for the tests that restart, archive or recover a database: the shared server is
never disturbed."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from balie.serving import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class PrivatePostgres:
    """A PostgreSQL 15 cluster of this test alone, so that restarting it disturbs nobody."""

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def run(self, program: str, *args: str, timeout: int = 120) -> str:
        """Run one of PostgreSQL's programs as the postgres user; its output."""
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return done.stdout

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), *args, timeout=60)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def configure(self, **settings: str) -> None:
        """Add settings to postgresql.conf (before a start)."""
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in settings.items())

    def start(self) -> None:
        self.pg_ctl(
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
            "-l",
            str(self.directory / "postgres.log"),
            "-w",
            "start",
        )

    def restart(self) -> None:
        """Stop (fast: open connections are cut) and start again, logging to the same file."""
        self.pg_ctl("-m", "fast", "-w", "stop")
        self.start()

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.pg_ctl("-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def folder(self, name: str) -> Path:
        """A folder inside the cluster's directory that the postgres user owns."""
        path = self.directory / name
        path.mkdir()
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)
        return path


@contextlib.contextmanager
def private_cluster(prefix: str) -> Iterator[PrivatePostgres]:
    """An initialised and started private cluster, removed afterwards; skips the test where
    that cannot be done (not on PostgreSQL, not root, no server binaries)."""
    if not os.environ.get("BALIE_DATABASE_URL"):
        pytest.skip("a private PostgreSQL runs with the PostgreSQL suite (BALIE_DATABASE_URL)")
    if os.geteuid() != 0:
        pytest.skip("a private PostgreSQL needs root (runuser -u postgres)")
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip(f"PostgreSQL 15 server binaries are not in {PG_BIN}")
    try:
        postgres_user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("there is no postgres system user")
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    os.chown(directory, postgres_user.pw_uid, postgres_user.pw_gid)
    cluster = PrivatePostgres(directory)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
