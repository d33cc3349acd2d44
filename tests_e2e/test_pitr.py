"""Point-in-time recovery, rehearsed (QUALITY.md: backups are only as good as the last restore
that worked): a private PostgreSQL with WAL archiving and Balie's schema, a base backup, good
writes, then "the mistake" (a library deleted by hand, a bad row added), and a recovery to the
moment just before it — following the steps of docs/backup.md, with the same commands.

Marked `faults` with the other tests that run a private PostgreSQL; it runs in the PostgreSQL
suite only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import psycopg
import pytest

from tests_e2e.postgres import PrivatePostgres, private_cluster

pytestmark = pytest.mark.faults


def balie(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BALIE_DATABASE_URL": database_url, "BALIE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "balie", *args], env=env, capture_output=True, text=True, timeout=300
    )


def sql(cluster: PrivatePostgres, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(cluster.url("balie_pitr"), autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def add_library(cluster: PrivatePostgres, slug: str) -> None:
    sql(
        cluster,
        "INSERT INTO orgs_organisation (kind, name, slug, place, parent_id) "
        "VALUES ('library', %s, %s, '', NULL)",
        slug.title(),
        slug,
    )


def slugs(cluster: PrivatePostgres) -> set[str]:
    return {slug for (slug,) in sql(cluster, "SELECT slug FROM orgs_organisation")}


def test_a_mistake_is_undone_by_recovering_to_the_moment_before_it() -> None:
    with private_cluster("balie-pitr-") as cluster:
        archive = cluster.folder("wal-archive")
        # docs/backup.md, step 1: archive every WAL segment.
        cluster.configure(
            wal_level="replica",
            archive_mode="on",
            archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
        )
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as connection:
            connection.execute('CREATE DATABASE "balie_pitr"')
        migrated = balie(cluster.url("balie_pitr"), "migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
        add_library(cluster, "voor-de-basisbackup")

        # Step 2: a base backup (nightly).
        base = cluster.directory / "base"
        cluster.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
            "-D", str(base), "-X", "fetch", "--checkpoint=fast",
        )  # fmt: skip

        # The day goes on: good writes after the base backup.
        add_library(cluster, "na-de-basisbackup")
        (target,) = sql(cluster, "SELECT now()::text")[0]
        time.sleep(1.1)
        # The mistake.
        sql(cluster, "DELETE FROM orgs_organisation WHERE slug = 'voor-de-basisbackup'")
        add_library(cluster, "de-fout")
        (segment,) = sql(cluster, "SELECT pg_walfile_name(pg_current_wal_lsn())")[0]
        sql(cluster, "SELECT pg_switch_wal()")
        wait_for(lambda: (archive / segment).exists(), f"WAL segment {segment} archived")
        assert slugs(cluster) >= {"na-de-basisbackup", "de-fout"}

        # Step 3: recover — stop, put the base backup in place, replay the archive to `target`.
        cluster.pg_ctl("-m", "fast", "-w", "stop")
        shutil.rmtree(cluster.data)
        subprocess.run(["cp", "-a", str(base), str(cluster.data)], check=True)
        cluster.configure(
            restore_command=f"cp {archive}/%f %p",
            recovery_target_time=target,
            recovery_target_action="promote",
        )
        (cluster.data / "recovery.signal").touch()
        shutil.chown(cluster.data / "recovery.signal", "postgres", "postgres")
        cluster.start()
        wait_for(lambda: sql(cluster, "SELECT NOT pg_is_in_recovery()")[0][0], "recovery to finish")

        # Everything written before the target is back, nothing after it.
        found = slugs(cluster)
        assert {"voor-de-basisbackup", "na-de-basisbackup"} <= found
        assert "de-fout" not in found
        # Balie finds its schema complete, and the database takes writes again.
        checked = balie(cluster.url("balie_pitr"), "migrate", "--check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        add_library(cluster, "na-het-herstel")
        log = (cluster.directory / "postgres.log").read_text()
        assert "recovery stopping before commit" in log, log[-2000:]
