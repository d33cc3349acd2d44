"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit log, whatever code or person
tries. The one exception: an update that only empties the actor (a privacy erasure, or the
person's account deleted: ON DELETE SET NULL). TRUNCATE, used by test set-ups and a full
restore, is not a row change and stays possible."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION security_audit_events_never_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an audit event never changes (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER security_auditevent_never_change BEFORE UPDATE OR DELETE ON security_auditevent
    FOR EACH ROW EXECUTE FUNCTION security_audit_events_never_change();
"""

DROP = """
DROP TRIGGER IF EXISTS security_auditevent_never_change ON security_auditevent;
DROP FUNCTION IF EXISTS security_audit_events_never_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_two_factor_and_audit_log")]
    operations = [migrations.RunPython(forwards, backwards)]
