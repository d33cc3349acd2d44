"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the statement tables: a stored
statement never changes, whatever code or person tries (TRUNCATE, used by test set-ups and a
full restore, is not a row change and stays possible)."""

from django.db import migrations

TABLES = ["lrs_statement", "lrs_statementagent", "lrs_statementactivity"]

CREATE = """
CREATE OR REPLACE FUNCTION lrs_statements_never_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a stored xAPI statement never changes (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_never_change BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION lrs_statements_never_change();\n"
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_never_change ON {table};\n" for table in TABLES)
DROP += "DROP FUNCTION IF EXISTS lrs_statements_never_change();"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("lrs", "0001_statements")]
    operations = [migrations.RunPython(forwards, backwards)]
