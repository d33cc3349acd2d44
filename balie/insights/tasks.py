"""Background work for the evaluations (django-tasks): ask who is due, and e-mail each new
invitation once.

`send_evaluations()` runs every hour (`balie send_evaluations` from cron). Each e-mail goes
out at most once, also when several workers run at the same moment: `emailed_at` is set by a
conditional UPDATE in the same transaction as the sending. A racing worker's UPDATE waits for
the first and then finds nothing left to set, so it skips. If sending fails, the UPDATE is
rolled back and a later run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from balie.cohorts.calendar import absolute_url
from balie.insights import actions
from balie.insights.models import Invitation
from balie.lib import mail

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """Some e-mails of a run could not be sent; a later run tries them again."""


@task()
def send_evaluations() -> dict[str, int]:
    """Create the invitations that are due and e-mail the ones not e-mailed yet. Safe to run
    as often as you like, by as many workers as you like."""
    now = timezone.now()
    invited = actions.invite_due(now)
    emailed, failed = send_invitation_emails(now)
    if failed:
        raise MailNotSent(f"{failed} evaluation e-mail(s) not sent", invited, emailed)
    return {"invited": invited, "emailed": emailed}


def send_invitation_emails(now: datetime) -> tuple[int, int]:
    """E-mail each open invitation of the last `actions.WINDOW` that has not been e-mailed.
    Returns (sent, failed)."""
    pending = (
        Invitation.objects.filter(
            emailed_at__isnull=True,
            answered_at__isnull=True,
            created_at__gt=now - actions.WINDOW,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user", "module", "meeting", "station__event", "cohort")
        .order_by("pk")
    )
    sent = failed = 0
    for invitation in pending:
        try:
            if _send_once(invitation, now):
                sent += 1
        except Exception:
            # Rolled back with the e-mail: a later run tries again.
            logger.exception("Could not e-mail evaluation invitation %s", invitation.pk)
            failed += 1
    return sent, failed


def _send_once(invitation: Invitation, now: datetime) -> bool:
    with transaction.atomic():
        marked = Invitation.objects.filter(pk=invitation.pk, emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not marked:
            return False
        _message(invitation).send()
    return True


def _message(invitation: Invitation) -> EmailMessage:
    person = invitation.user
    context = {
        "person": person,
        "invitation": invitation,
        "url": absolute_url(reverse("insights:evaluate", args=[invitation.pk])),
    }
    return mail.message("insights/emails/invitation", context, to=person)
