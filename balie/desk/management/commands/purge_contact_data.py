"""Delete customers' contact data whose retention date has passed. Run it daily from cron:

    15 3 * * *  balie purge_contact_data          # enqueue; a `db_worker` purges
    15 3 * * *  balie purge_contact_data --now    # or purge in this process

Running it twice, or on several machines at once, deletes nothing twice and writes no empty
audit rows.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from balie.desk.tasks import purge_contact_data


class Command(BaseCommand):
    help = "Empty the contact data of warm hand-overs past their retention date."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Purge in this process instead of handing it to a task worker.",
        )

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            count = purge_contact_data.call()
            self.stdout.write(f"Purged the contact data of {count} hand-over(s).")
            return
        result = purge_contact_data.enqueue()
        self.stdout.write(f"Enqueued purge_contact_data as task {result.id} ({result.status}).")
