"""Send statements on to the organisations' external LRSs. Run it every minute from cron:

    * * * * *  balie forward_statements          # enqueue; a `db_worker` sends them
    * * * * *  balie forward_statements --now    # or send them in this process

Running it twice, or on several machines at once, never sends one batch twice at the same time;
what is not delivered is tried again after a back-off.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from balie.lrs.tasks import forward_statements


class Command(BaseCommand):
    help = "Send the statements that are due to the organisations' external LRSs."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Send them in this process instead of handing it to a task worker.",
        )

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            result = forward_statements.call()
            self.stdout.write(
                f"Delivered {result['delivered']} statement(s); "
                f"{result['failed_batches']} batch(es) to try again later."
            )
            return
        result = forward_statements.enqueue()
        self.stdout.write(f"Enqueued forward_statements as task {result.id} ({result.status}).")
