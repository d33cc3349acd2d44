"""Restore a backup made by `balie backup` into the configured database.

Stop the app servers and task workers first. SQLite: the backup is copied in page by page with
SQLite's backup API (the database's WAL is respected). PostgreSQL: `pg_restore --clean` replaces
every table of Balie by the backup's.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from balie.management.commands.backup import postgres_arguments


class Command(BaseCommand):
    help = "Replace the database's contents by a backup (stop Balie first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask; replace the data without a question."
        )

    def handle(self, *args, source: Path, yes: bool, **options) -> None:
        if not source.is_file():
            raise CommandError(f"{source} is not a file.")
        if not yes:
            answer = input("This replaces all data in the database by the backup. Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        connection.close()
        if connection.vendor == "sqlite":
            backup = sqlite3.connect(source)
            try:
                sound = backup.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise CommandError(f"{source} is damaged; nothing restored.")
            target = sqlite3.connect(connection.settings_dict["NAME"])
            with target:
                backup.backup(target)
            target.close()
            backup.close()
        elif connection.vendor == "postgresql":
            arguments, env = postgres_arguments(connection.settings_dict)
            listed = subprocess.run(["pg_restore", "--list", str(source)], capture_output=True)
            if listed.returncode != 0:
                raise CommandError(f"{source} is not a Balie backup; nothing restored.")
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", *arguments, str(source)],
                env=env,
                check=True,
            )
        else:
            raise CommandError(f"No restore for {connection.vendor} databases.")
        self.stdout.write(f"Restored {source}.")
