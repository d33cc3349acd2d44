"""What `/health/ready` checks besides the database: the work that must not stop without anyone
noticing. Each problem is one short word for a monitor to match:

- `purge_overdue`: a customer's contact data are still there a day after their retention date
  (the daily `balie purge_contact_data` has stopped);
- `task_queue_stalled`: a task has waited longer than BALIE_TASK_MAX_WAIT_MINUTES for a worker
  (no `balie db_worker` runs, so invitations and reminders are not sent).

Both are indexed lookups: the load balancer may ask every few seconds.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from balie.desk.models import HandOver

# The purge runs daily: contact data a day past their date have been missed by a run.
PURGE_GRACE = dt.timedelta(days=1)


def problems(now: dt.datetime) -> list[str]:
    found = []
    if HandOver.objects.purge_due(timezone.localdate(now) - PURGE_GRACE).exists():
        found.append("purge_overdue")
    if stalled_tasks(now).exists():
        found.append("task_queue_stalled")
    return found


def stalled_tasks(now: dt.datetime):
    """Tasks ready to run that no worker has taken for too long: waiting since they were
    enqueued, or since the time they were to run after."""
    since = now - dt.timedelta(minutes=settings.BALIE_TASK_MAX_WAIT_MINUTES)
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max(), enqueued_at__lt=since) | Q(run_after__lt=since)
    )
