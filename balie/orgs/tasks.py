"""E-mails about accounts, sent in the background (django-tasks; `balie db_worker` runs them):
the invitation with its activation link, and the link to choose a new password.

An invitation goes out once per request for one: the worker claims it by moving the person's
`invited_at` from the value the asker saw to now, in the transaction that sends it; a second
worker (an import run twice, a double click on "send again") finds the value moved and skips.
If sending fails, the claim is rolled back and the task fails, to be run again.

The links are made by the worker, so that no token waits in the task queue."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from balie.lib import mail
from balie.orgs.accounts import awaits_activation, invitation_tokens
from balie.orgs.models import User


@task()
def send_invitation(person_id: int, seen: str | None = None) -> bool:
    """Send the invitation, unless someone sent one since the asker saw `seen` (the person's
    `invited_at` then, as ISO 8601; None: never invited). Returns whether it went out."""
    person = User.objects.filter(pk=person_id).first()
    if person is None or not awaits_activation(person):
        return False
    unsent = User.objects.filter(pk=person_id)
    unsent = unsent.filter(invited_at=datetime.fromisoformat(seen)) if seen else unsent
    with transaction.atomic():
        if not unsent.filter(invited_at__isnull=seen is None).update(invited_at=timezone.now()):
            return False
        link = _link("activate", person, invitation_tokens.make_token(person))
        _message("invitation", person, link=link, days=settings.BALIE_INVITATION_DAYS).send()
    return True


@task()
def send_password_reset(person_id: int) -> bool:
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.has_usable_password():
        return False
    link = _link("password_reset_confirm", person, default_token_generator.make_token(person))
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    _message("password_reset", person, link=link, hours=hours).send()
    return True


def _link(view: str, person: User, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return settings.BALIE_SITE_URL.rstrip("/") + reverse(view, args=[uid, token])


def _message(template: str, person: User, **context) -> EmailMessage:
    context = {"person": person, "login_url": settings.BALIE_SITE_URL, **context}
    return mail.message(f"orgs/emails/{template}", context, to=person)
