"""Hand-written SQL that runs often enough for its planning to count."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection


def prepared_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` (psycopg's `%s` placeholders); on PostgreSQL as a prepared statement of
    the connection, which plans it once, not at every request.

    Django's cursors bind parameters on the client and prepare nothing, so this takes psycopg's
    own cursor, with server-side binding, on Django's connection and in its transaction; a
    database error comes out as Django's (an outage is then a 503, see
    `balie.middleware.DatabaseUnavailableMiddleware`). Server-side binding sends each value with
    its type, and None as an untyped NULL: give such a parameter its type in the SQL
    (`CAST(%s AS bigint)`). These queries are not in Django's query log (`connection.queries`,
    `assertNumQueries`)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # As Django's own cursor() does: a reused connection is checked once per request
    # (CONN_HEALTH_CHECKS), and replaced when the database went away in between.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if cursor.description else []
