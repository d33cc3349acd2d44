"""Verbs of the evaluations: who is asked which questionnaire, and the answer.

- `invite_due(now)` asks each person once per subject: after a module they completed, a team
  meeting they were at, each carousel station they visited, and the self-assessment at the
  start of their cohort and 3 and 6 months later. Only for what happened in the last
  `WINDOW`, so that switching the feature on does not flood anyone. Idempotent and safe when
  two workers run it at once: the unique (user, subject) constraint lets one insert through.
- `invite_for_module(user, module)` asks at once, right after the module is done.
- `answer(invitation, cleaned_data)` writes the anonymous `Response` and marks the invitation
  answered, once. The response keeps the library, the subject and the Monday of the week;
  `answered_at` is kept to that same Monday, so that the two tables cannot be matched by time.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from balie.carousel.models import Assignment
from balie.cohorts.calendar import DEFAULT_LENGTH
from balie.cohorts.models import Attendance, AttendanceStatus, Participant
from balie.desk.models import Need, Offer
from balie.insights.models import Invitation, Kind, Response, Wave
from balie.learning.models import Module, ModuleProgress
from balie.orgs.models import Organisation, Role, User

# Only what happened this recently is evaluated.
WINDOW = dt.timedelta(days=30)
# The quiz asks about at most this many needs.
QUIZ_SIZE = 4


class AlreadyAnswered(Exception):
    """This questionnaire was answered before; an answer is given once."""


@dataclass(frozen=True)
class Subject:
    """One thing to ask one person about."""

    user_id: int
    kind: str
    key: str
    fields: tuple[tuple[str, object], ...] = ()


def subject_key(kind: str, *parts: object) -> str:
    return ":".join([kind, *(str(part) for part in parts)])


# --- Who is asked ------------------------------------------------------------------------


def invite_due(now: dt.datetime) -> int:
    """Create the invitations that are due at `now` and do not exist yet. Returns how many
    were created (by this call: a racing worker's count does not include them twice)."""
    subjects = [
        *_completed_modules(now),
        *_attended_meetings(now),
        *_self_assessments(now),
        *_visited_stations(now),
    ]
    if not subjects:
        return 0
    # Only a shortcut: the unique constraint is what keeps each invitation single. A subject
    # is asked about after it happened, so its invitation is never older than the window.
    existing = set(
        Invitation.objects.filter(created_at__gte=now - WINDOW - dt.timedelta(days=2)).values_list(
            "user_id", "subject_key"
        )
    )
    created = 0
    for subject in subjects:
        if (subject.user_id, subject.key) in existing:
            continue
        if _create(subject) is not None:
            created += 1
    return created


def invite_for_module(user: User, module: Module) -> Invitation:
    """The invitation to evaluate `module`, made now if the learner has not got one yet (the
    learner should not wait for the hourly run). The module must be done."""
    subject = Subject(
        user.pk, Kind.MODULE, subject_key(Kind.MODULE, module.pk), (("module_id", module.pk),)
    )
    invitation = Invitation.objects.filter(user=user, subject_key=subject.key).first()
    if invitation is None:
        invitation = _create(subject)
    if invitation is None:  # another request made it a moment ago
        invitation = Invitation.objects.get(user=user, subject_key=subject.key)
    return invitation


def _create(subject: Subject) -> Invitation | None:
    """Insert one invitation; None when another worker inserted it first."""
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                user_id=subject.user_id,
                kind=subject.kind,
                subject_key=subject.key,
                **dict(subject.fields),
            )
    except IntegrityError:
        return None


def _completed_modules(now: dt.datetime) -> list[Subject]:
    rows = (
        ModuleProgress.objects.filter(
            completed_at__gt=now - WINDOW,
            completed_at__lte=now,
            user__is_active=True,
            user__memberships__organisation__kind=Organisation.Kind.LIBRARY,
        )
        .values_list("user_id", "module_id")
        .distinct()
    )
    return [
        Subject(
            user_id, Kind.MODULE, subject_key(Kind.MODULE, module_id), (("module_id", module_id),)
        )
        for user_id, module_id in rows
    ]


def _attended_meetings(now: dt.datetime) -> list[Subject]:
    """Those marked present at a meeting that ended (a meeting without an end lasts
    DEFAULT_LENGTH) and was not cancelled."""
    rows = (
        Attendance.objects.filter(
            status=AttendanceStatus.PRESENT,
            meeting__cancelled=False,
            meeting__starts_at__isnull=False,
            user__is_active=True,
        )
        .annotate(ended_at=Coalesce("meeting__ends_at", F("meeting__starts_at") + DEFAULT_LENGTH))
        .filter(ended_at__gt=now - WINDOW, ended_at__lte=now)
        .values_list("user_id", "meeting_id")
    )
    return [
        Subject(
            user_id,
            Kind.MEETING,
            subject_key(Kind.MEETING, meeting_id),
            (("meeting_id", meeting_id),),
        )
        for user_id, meeting_id in rows
    ]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the last day of the month when that month is shorter."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, month_calendar.monthrange(year, month)[1])
    )


def _self_assessments(now: dt.datetime) -> list[Subject]:
    """Each participant of a cohort, at its start and 3 and 6 months later."""
    today = timezone.localdate(now)
    since = today - WINDOW
    earliest_start = add_months(since, -max(Wave.values)) - dt.timedelta(days=3)
    rows = Participant.objects.filter(
        cohort__starts_on__gte=earliest_start, cohort__starts_on__lte=today, user__is_active=True
    ).values_list("user_id", "cohort_id", "cohort__starts_on")
    subjects = []
    for user_id, cohort_id, starts_on in rows:
        for wave in Wave.values:
            if since < add_months(starts_on, wave) <= today:
                subjects.append(
                    Subject(
                        user_id,
                        Kind.SELF,
                        subject_key(Kind.SELF, cohort_id, wave),
                        (("cohort_id", cohort_id), ("wave", wave)),
                    )
                )
    return subjects


def _visited_stations(now: dt.datetime) -> list[Subject]:
    """Each participant of a carousel, once per station they were scheduled at, after the
    round of that visit has ended."""
    today = timezone.localdate(now)
    rows = (
        Assignment.objects.filter(
            event__date__gte=today - WINDOW, event__date__lte=today, user__is_active=True
        )
        .order_by()
        .values("user_id", "station_id", "event__date")
        .annotate(last_end=Max("round__ends_at"))
    )
    zone = timezone.get_default_timezone()
    subjects = []
    for row in rows:
        ended_at = dt.datetime.combine(row["event__date"], row["last_end"], tzinfo=zone)
        if now - WINDOW < ended_at <= now:
            station_id = row["station_id"]
            subjects.append(
                Subject(
                    row["user_id"],
                    Kind.STATION,
                    subject_key(Kind.STATION, station_id),
                    (("station_id", station_id),),
                )
            )
    return subjects


# --- The answer -------------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def library_of(invitation: Invitation) -> Organisation | None:
    """Whose answer this is: the library of the cohort, the meeting or the carousel, else the
    person's own library."""
    if invitation.cohort_id:
        return invitation.cohort.library
    if invitation.meeting_id:
        return invitation.meeting.cohort.library
    if invitation.station_id:
        organiser = invitation.station.event.organiser
        if organiser.kind == Organisation.Kind.LIBRARY:
            return organiser
    return person_library(invitation.user)


def person_library(user: User) -> Organisation | None:
    """The library a person works in (as a learner first, when they hold several roles)."""
    libraries = sorted(
        (m.role != Role.LEARNER, m.pk, m.organisation)
        for m in user.active_memberships
        if m.organisation.kind == Organisation.Kind.LIBRARY
    )
    return libraries[0][2] if libraries else None


def quiz_needs(library: Organisation) -> tuple[list[Offer], list[str]]:
    """The library's active offers, and up to QUIZ_SIZE needs that one of them fits — in the
    national order of needs, so that the start and the later waves ask the same questions."""
    offers = list(Offer.objects.filter(library=library, is_active=True))
    needs = [need for need in Need.values if any(offer.fits(need) for offer in offers)]
    return offers, needs[:QUIZ_SIZE]


@transaction.atomic
def answer(invitation: Invitation, cleaned_data: dict) -> Response:
    """Store the answers without the person and mark the invitation answered. A second
    answer (also one sent at the same moment) raises AlreadyAnswered and stores nothing."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related(
            "user", "cohort__library", "meeting__cohort__library", "station__event__organiser"
        )
        .get(pk=invitation.pk)
    )
    if invitation.answered_at is not None:
        raise AlreadyAnswered
    library = library_of(invitation)
    if library is None:
        raise ValueError(f"Invitation {invitation.pk}: the person works at no library")
    monday = week_of(timezone.localdate())
    marked = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
        answered_at=timezone.make_aware(dt.datetime.combine(monday, dt.time()))
    )
    if not marked:
        raise AlreadyAnswered
    quiz = cleaned_data.get("quiz")
    response = Response(
        library=library,
        kind=invitation.kind,
        module_id=invitation.module_id,
        meeting_id=invitation.meeting_id,
        cohort_id=invitation.cohort_id
        or (invitation.meeting.cohort_id if invitation.meeting_id else None),
        wave=invitation.wave,
        station_id=invitation.station_id,
        submitted_on=monday,
        rating=cleaned_data.get("rating"),
        time_verdict=cleaned_data.get("time_verdict") or "",
        comment=(cleaned_data.get("comment") or "").strip(),
        knows_colleagues=cleaned_data.get("knows_colleagues"),
        recognises_signals=cleaned_data.get("recognises_signals"),
        quiz_right=sum(1 for need, offer in quiz if offer is not None and offer.fits(need))
        if quiz
        else None,
        quiz_total=len(quiz) if quiz else None,
    )
    response.full_clean()
    response.save()
    return response
