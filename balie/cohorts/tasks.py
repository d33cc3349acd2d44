"""Background work for meetings: invitations and reminders by e-mail (django-tasks).

Each e-mail goes out at most once per person, also when several workers run at the same
moment: the ReminderSent row is inserted first, in the same transaction as the sending. A
second worker's insert of the same row waits for the first and then fails on the unique
constraint, so it skips. If sending fails, the row is rolled back and a later run tries
again.

- `send_invitations(meeting_id)`: enqueue after a meeting is planned, changed or cancelled
  (use `invite_on_commit`). A changed meeting (higher SEQUENCE) gets a new invitation; a
  cancelled one a cancellation, to the people who were invited before.
- `send_due_reminders()`: run every hour (`manage.py send_reminders` from cron); sends the
  reminder 7 days and 1 day before each meeting that is not cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django_tasks import task

from balie.cohorts import calendar
from balie.cohorts.models import Meeting, Participant, ReminderKind, ReminderSent
from balie.lib import mail
from balie.orgs.models import User

logger = logging.getLogger(__name__)

ICS_FILENAME = "bijeenkomst.ics"
# A reminder goes out when the meeting is this far ahead; a run that was missed can
# still send it up to a day later (but never after the meeting has begun).
REMINDERS = {
    ReminderKind.WEEK_BEFORE: timedelta(days=7),
    ReminderKind.DAY_BEFORE: timedelta(days=1),
}
CATCH_UP = timedelta(days=1)
# The rows of reminders carry no SEQUENCE: each reminder goes out once per meeting, even if
# the meeting changes afterwards (the change itself brings a new invitation).
REMINDER_SEQUENCE = 0


class MailNotSent(Exception):
    """Some e-mails of a run could not be sent; a later run tries them again."""


@dataclass(frozen=True)
class Letter:
    template: str  # cohorts/emails/<template>_subject.txt and _body.txt
    kind: str  # ReminderKind
    sequence: int
    context: dict


@task()
def send_invitations(meeting_id: int) -> int:
    """Invite everyone of the meeting's cohort (participants, adviser, manager), with the
    .ics attached. Returns the number of e-mails sent."""
    meeting = _meeting(meeting_id)
    if meeting is None or meeting.starts_at is None or meeting.starts_at <= timezone.now():
        return 0
    invited_before = set(
        ReminderSent.objects.filter(
            meeting=meeting, kind=ReminderKind.INVITATION, sequence__lt=meeting.sequence
        ).values_list("user_id", flat=True)
    )
    people = recipients(meeting)
    if meeting.cancelled:
        # Only who knew about the meeting hears that it is off.
        people = [person for person in people if person.pk in invited_before]
        template = "cancellation"
    else:
        template = "invitation"
    letters = {
        person.pk: Letter(
            template=template,
            kind=ReminderKind.INVITATION,
            sequence=meeting.sequence,
            context={"changed": person.pk in invited_before},
        )
        for person in people
    }
    return _send_all(meeting, people, letters)


@task()
def send_due_reminders() -> dict[str, int]:
    """Send the reminders that are due now. Safe to run as often as you like, by as many
    workers as you like: each reminder goes out once."""
    now = timezone.now()
    sent: dict[str, int] = {}
    failures = 0
    for kind, meeting, people in due_reminders(now):
        letter = Letter(
            template="reminder", kind=kind, sequence=REMINDER_SEQUENCE, context={"kind": kind}
        )
        try:
            count = _send_all(meeting, people, {person.pk: letter for person in people})
        except MailNotSent as error:
            failures += 1
            count = int(error.args[1])
        sent[kind] = sent.get(kind, 0) + count
    if failures:
        raise MailNotSent(f"Reminders of {failures} meeting(s) not (all) sent", sent)
    return sent


def due_reminders(now: datetime) -> list[tuple[str, Meeting, list[User]]]:
    """(kind, meeting, people) for every reminder that is due at `now`, sent or not."""
    due = []
    for kind, ahead in REMINDERS.items():
        meetings = (
            calendar.with_calendar_data(
                Meeting.objects.filter(
                    cancelled=False,
                    starts_at__gt=max(now, now + ahead - CATCH_UP),
                    starts_at__lte=now + ahead,
                )
            )
            .select_related("cohort__manager")
            .prefetch_related(_participants())
        )
        due += [
            (kind, meeting, recipients(meeting)) for meeting in meetings.order_by("starts_at", "pk")
        ]
    return due


def invite_on_commit(meeting: Meeting) -> None:
    """Enqueue the invitations once the surrounding transaction has committed (so that a
    worker sees the saved meeting, and nothing goes out for a change that was rolled back)."""
    meeting_id = meeting.pk
    transaction.on_commit(lambda: send_invitations.enqueue(meeting_id))


def recipients(meeting: Meeting) -> list[User]:
    """The participants, the adviser and the manager of the meeting's cohort: active, with an
    e-mail address, each once."""
    cohort = meeting.cohort
    people = [place.user for place in cohort.participants.all()]
    people += [cohort.adviser] + ([cohort.manager] if cohort.manager else [])
    unique: dict[int, User] = {}
    for person in people:
        if person.is_active and person.email and person.pk not in unique:
            unique[person.pk] = person
    return sorted(unique.values(), key=lambda person: (person.full_name, person.pk))


def _participants() -> Prefetch:
    return Prefetch("cohort__participants", Participant.objects.select_related("user"))


def _meeting(meeting_id: int) -> Meeting | None:
    meetings = calendar.with_calendar_data(Meeting.objects.filter(pk=meeting_id))
    return meetings.prefetch_related(_participants()).select_related("cohort__manager").first()


def _send_all(meeting: Meeting, people: list[User], letters: dict[int, Letter]) -> int:
    sent = 0
    failed = 0
    for person in people:
        letter = letters[person.pk]
        try:
            if _send_once(meeting, person, letter):
                sent += 1
        except Exception:
            # The row was rolled back with the e-mail: a later run tries again.
            logger.exception(
                "Could not send %s for meeting %s to %s", letter.kind, meeting.pk, person.pk
            )
            failed += 1
    if failed:
        raise MailNotSent(f"{failed} e-mail(s) for meeting {meeting.pk} not sent", sent)
    return sent


def _send_once(meeting: Meeting, person: User, letter: Letter) -> bool:
    """Send one e-mail unless it was sent before. The row goes in first, in the same
    transaction: a racing worker waits for it, then fails on the unique constraint."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                meeting=meeting, user=person, kind=letter.kind, sequence=letter.sequence
            )
            _message(meeting, person, letter).send()
    except IntegrityError:
        return False
    return True


def _message(meeting: Meeting, person: User, letter: Letter) -> EmailMessage:
    cohort = meeting.cohort
    ends_at = meeting.ends_at or meeting.starts_at + calendar.DEFAULT_LENGTH
    event = calendar.meeting_event(meeting)
    context = {
        "person": person,
        "meeting": meeting,
        "cohort": cohort,
        "adviser": cohort.adviser,
        "starts_at": meeting.starts_at,
        "ends_at": ends_at,
        "location": event.location,
        "agenda": list(meeting.agenda.all()),
        "modules": list(meeting.preparation.all()),
        "url": calendar.meeting_url(meeting),
        **letter.context,
    }
    message = mail.message(
        f"cohorts/emails/{letter.template}", context, to=person, reply_to=cohort.adviser
    )
    with mail.dutch():
        ics = calendar.meeting_ics(meeting, for_user=person)
    method = "CANCEL" if meeting.cancelled else "PUBLISH"
    message.attach(ICS_FILENAME, ics, f"text/calendar; method={method}")
    return message
