"""Background work of the desk (django-tasks).

- `purge_contact_data()`: run daily (`balie purge_contact_data` from cron); empties the first
  name and contact of hand-overs whose retention date has passed and writes the audit trail.
  Safe to run twice, or on two machines at once: nothing is deleted or counted twice.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from balie.desk import handover_actions


@task()
def purge_contact_data() -> int:
    """Purge what is due now. Returns how many hand-overs were emptied."""
    return sum(handover_actions.purge_contact_data(timezone.now()).values())
