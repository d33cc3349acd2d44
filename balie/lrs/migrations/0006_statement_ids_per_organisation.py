"""Statement ids are unique per organisation (Communication 2.1.2: a 409 only for the
organisation's own ids), and a voiding statement names the organisation of what it voids.

Existing voiding statements void the statement of that id that was stored (ids were unique
until now), else one of their own organisation. On PostgreSQL the never-change trigger is off
for that one UPDATE, inside this migration's transaction."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE lrs_statement AS v SET voids_organisation_id = coalesce(
    (SELECT t.organisation_id FROM lrs_statement AS t WHERE t.statement_id = v.voids),
    v.organisation_id
) WHERE v.voids IS NOT NULL
"""


def name_voided_organisations(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE lrs_statement DISABLE TRIGGER lrs_statement_never_change")
    schema_editor.execute(FILL)
    if postgresql:  # the new foreign key's checks first: ALTER TABLE wants none pending
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE lrs_statement ENABLE TRIGGER lrs_statement_never_change")


class Migration(migrations.Migration):

    dependencies = [
        ('lrs', '0005_cmi5_sessions'),
        ('orgs', '0005_single_sign_on'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='statement',
            name='lrs_statement_registration',
        ),
        migrations.RemoveIndex(
            model_name='statement',
            name='lrs_statement_voids',
        ),
        migrations.RemoveIndex(
            model_name='statement',
            name='lrs_statement_refers_to',
        ),
        migrations.AddField(
            model_name='statement',
            name='voids_organisation',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.organisation'),
        ),
        migrations.RunPython(name_voided_organisations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='statement',
            name='organisation',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.organisation', verbose_name='organisation'),
        ),
        migrations.AlterField(
            model_name='statement',
            name='statement_id',
            field=models.UUIDField(verbose_name='statement id'),
        ),
        migrations.AddIndex(
            model_name='statement',
            index=models.Index(condition=models.Q(('registration__isnull', False)), fields=['registration'], name='lrs_statement_registration'),
        ),
        migrations.AddIndex(
            model_name='statement',
            index=models.Index(condition=models.Q(('voids__isnull', False)), fields=['voids', 'voids_organisation'], name='lrs_statement_voids'),
        ),
        migrations.AddIndex(
            model_name='statement',
            index=models.Index(condition=models.Q(('refers_to__isnull', False)), fields=['refers_to'], name='lrs_statement_refers_to'),
        ),
        migrations.AddConstraint(
            model_name='statement',
            constraint=models.UniqueConstraint(fields=('organisation', 'statement_id'), name='lrs_statement_id_per_organisation'),
        ),
    ]
