"""prepared_rows: rows of hand-written SQL, prepared on PostgreSQL, with Django's errors."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.test import TestCase

from balie.lib.sql import prepared_rows


class PreparedRowsTests(TestCase):
    def test_the_same_rows_each_time(self) -> None:
        for _ in range(3):  # planned the first time, then run as prepared
            self.assertEqual(prepared_rows("SELECT CAST(%s AS bigint) + 1", [41]), [(42,)])

    def test_a_database_error_is_djangos(self) -> None:
        """So that an outage is a 503 (balie.middleware), as with Django's own cursors."""
        with self.assertRaises(DatabaseError), transaction.atomic():
            prepared_rows("SELECT * FROM no_such_table WHERE 1 = %s", [1])
