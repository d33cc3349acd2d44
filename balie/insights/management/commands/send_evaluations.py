"""Ask for the evaluations that are due and e-mail the new invitations. Run it every hour
from cron:

    0 * * * *  balie send_evaluations          # enqueue; a `db_worker` runs it
    0 * * * *  balie send_evaluations --now    # or run it in this process

Running it twice, or on several machines at once, asks and e-mails each person once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from balie.insights.tasks import send_evaluations


class Command(BaseCommand):
    help = "Invite people to the evaluations that are due and e-mail each invitation once."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Run it in this process instead of handing it to a task worker.",
        )

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            done = send_evaluations.call()
            self.stdout.write(
                f"Invited {done['invited']} and e-mailed {done['emailed']} invitation(s)."
            )
            return
        result = send_evaluations.enqueue()
        self.stdout.write(f"Enqueued send_evaluations as task {result.id} ({result.status}).")
