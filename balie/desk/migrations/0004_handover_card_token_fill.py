"""The appointment card gets an unguessable address (step 2 of 3: one for every existing
hand-over; their old card addresses, by number, are gone)."""

import uuid

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor) -> None:
    HandOver = apps.get_model("desk", "HandOver")
    pending = HandOver.objects.filter(card_token__isnull=True).only("pk")
    while batch := list(pending[:BATCH]):
        for handover in batch:
            handover.card_token = uuid.uuid4()
        HandOver.objects.bulk_update(batch, ["card_token"])


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0003_handover_card_token_nullable"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
