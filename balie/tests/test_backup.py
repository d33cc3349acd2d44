"""A backup taken while Balie runs restores to the same data (QUALITY.md I2)."""

from __future__ import annotations

import sqlite3
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase

from balie.orgs.actions import add_person
from balie.orgs.models import User


class BackupRestoreTests(TransactionTestCase):
    def setUp(self) -> None:
        self.folder = Path(tempfile.mkdtemp())
        self.kept = add_person(email="kept@hp.test", full_name="In de back-up")

    def test_a_backup_restores_the_data_as_it_was(self) -> None:
        backup = self.folder / "balie.backup"
        call_command("backup", str(backup), stdout=StringIO())
        if connection.vendor == "sqlite":
            copy = sqlite3.connect(backup)
            self.assertEqual(copy.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            emails = {row[0] for row in copy.execute("SELECT email FROM orgs_user")}
            self.assertEqual(emails, set(User.objects.values_list("email", flat=True)))
            copy.close()

        add_person(email="later@hp.test", full_name="Na de back-up")
        call_command("restore", str(backup), "--yes", stdout=StringIO())

        self.assertTrue(User.objects.filter(email="kept@hp.test").exists())
        self.assertFalse(User.objects.filter(email="later@hp.test").exists())

    def test_it_never_overwrites_an_existing_file(self) -> None:
        existing = self.folder / "old.backup"
        existing.write_text("keep me")
        with self.assertRaises(CommandError):
            call_command("backup", str(existing), stdout=StringIO())
        self.assertEqual(existing.read_text(), "keep me")

    def test_a_damaged_backup_restores_nothing(self) -> None:
        damaged = self.folder / "damaged.backup"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
        with self.assertRaises(CommandError):
            call_command("restore", str(damaged), "--yes", stdout=StringIO())
        self.assertTrue(User.objects.filter(email="kept@hp.test").exists())
