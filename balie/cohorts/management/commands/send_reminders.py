"""Send the meeting reminders that are due. Run it every hour from cron:

    0 * * * *  balie send_reminders          # enqueue; a `db_worker` sends them
    0 * * * *  balie send_reminders --now    # or send them in this process

Running it twice, or on several machines at once, sends each reminder once.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from balie.cohorts.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send the reminders of meetings 7 days and 1 day ahead (each once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now",
            action="store_true",
            help="Send them in this process instead of handing them to a task worker.",
        )

    def handle(self, *args, now: bool = False, **options) -> None:
        if now:
            sent = send_due_reminders.call()
            total = sum(sent.values())
            self.stdout.write(f"Sent {total} reminder(s): {sent}")
            return
        result = send_due_reminders.enqueue()
        self.stdout.write(f"Enqueued send_due_reminders as task {result.id} ({result.status}).")
