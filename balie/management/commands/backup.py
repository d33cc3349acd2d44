"""Back up Balie's database while it runs.

SQLite: `VACUUM INTO` writes a consistent, compact copy from one read transaction — never a
`cp` of a live file, which can catch a half-written page. PostgreSQL: `pg_dump` in its custom
format (restore with `balie restore`). Run it from cron; keep the copies elsewhere.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from balie.security.audit import record_event
from balie.security.models import AuditAction


def postgres_arguments(settings: dict) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore, and the environment with the password."""
    options = ["--dbname", settings["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            options += [flag, str(settings[key])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return options, env


class Command(BaseCommand):
    help = "Write a consistent backup of the database to a file, while Balie runs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination", type=Path)

    def handle(self, *args, destination: Path, **options) -> None:
        if destination.exists():
            raise CommandError(f"{destination} exists; choose a new file name.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            connection.connection.execute("VACUUM INTO ?", (str(destination),))
            check = sqlite3.connect(destination).execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise CommandError(f"The backup failed its integrity check: {check}")
        elif connection.vendor == "postgresql":
            arguments, env = postgres_arguments(connection.settings_dict)
            subprocess.run(
                ["pg_dump", "--format=custom", "--file", str(destination), *arguments],
                env=env,
                check=True,
            )
        else:
            raise CommandError(f"No backup for {connection.vendor} databases.")
        record_event(
            AuditAction.BACKUP, details={"file": destination.name, "database": connection.vendor}
        )
        self.stdout.write(f"Backup written to {destination}.")
