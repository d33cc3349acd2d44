"""The appointment card gets an unguessable address (step 3 of 3: required and unique)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0004_handover_card_token_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="handover",
            name="card_token",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
