"""Delete customers' contact data whose retention date has passed, in this process. Run it daily
from cron:

    15 3 * * *  balie purge_contact_data

It needs no task worker: a purge that waits for a worker that is not running would never happen.
Running it twice, or on several machines at once, deletes nothing twice and writes no empty
audit rows. `/health/ready` reports contact data that are still there a day after their date.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from balie.desk.handover_actions import purge_contact_data


class Command(BaseCommand):
    help = "Empty the contact data of warm hand-overs past their retention date (no worker needed)."

    def add_arguments(self, parser) -> None:
        # Cron lines of earlier versions say `--now`; purging in this process is what it did.
        parser.add_argument("--now", action="store_true", help="The default; accepted.")

    def handle(self, *args, **options) -> None:
        counts = purge_contact_data(timezone.now())
        self.stdout.write(
            f"Purged the contact data of {sum(counts.values())} hand-over(s) "
            f"in {len(counts)} library(ies)."
        )
