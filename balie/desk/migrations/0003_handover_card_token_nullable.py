"""The appointment card gets an unguessable address (step 1 of 3: the column, empty)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_desksettings_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="handover",
            name="card_token",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="handover",
            name="card_mailed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
