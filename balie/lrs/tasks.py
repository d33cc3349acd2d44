"""Background work of the statement store (django-tasks).

- `forward_statements()`: run every minute (`balie forward_statements` from cron); sends the
  statements due to each organisation's external LRS (see `forward.py`). Safe to run twice, or
  on several machines at once: workers lock different batches, and a batch sent twice is
  harmless because the remote LRS knows the statement ids.
"""

from __future__ import annotations

from django_tasks import task

from balie.lrs import forward


@task()
def forward_statements() -> dict[str, int]:
    """Send what is due now. Returns the statements delivered and the batches that failed."""
    return forward.forward_due()
