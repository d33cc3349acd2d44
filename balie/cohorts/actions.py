"""Verbs that change cohorts, meetings and attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from balie.cohorts import tasks
from balie.cohorts.models import (
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Cohort,
    Material,
    Meeting,
    MeetingKind,
    MeetingTemplate,
    Outcome,
    Participant,
)
from balie.learning.models import Module, Programme, Theme
from balie.lrs import record
from balie.orgs.accounts import awaits_activation, invite_on_commit
from balie.orgs.actions import add_person, grant_role
from balie.orgs.models import Organisation, Role, User

# The four meetings of the national course, for a programme without templates of its own.
DEFAULT_MEETINGS = [
    (MeetingKind.KICK_OFF, "Aftrap: leervragen en planning", []),
    (
        MeetingKind.CHILDREN,
        "BoekStart en de Bibliotheek op school bij ons",
        [Theme.BOEKSTART, Theme.DBOS],
    ),
    (MeetingKind.SOCIAL_DOMAIN, "Het sociaal domein bij ons: wie doet wat", [Theme.SOCIAAL_DOMEIN]),
    (MeetingKind.AGREEMENTS, "Teamafspraken en evaluatie", []),
]


class StaleEdit(Exception):
    """Someone else changed the meeting since this edit began."""


@transaction.atomic
def start_cohort(
    programme: Programme,
    *,
    library: Organisation,
    name: str,
    adviser: User,
    manager: User | None,
    starts_on: date,
    participants: list[User],
) -> Cohort:
    """Start a cohort with its participants and one meeting for each of the programme's
    meeting templates (or the national four)."""
    cohort = Cohort(
        programme=programme,
        library=library,
        name=name,
        adviser=adviser,
        manager=manager,
        starts_on=starts_on,
    )
    cohort.full_clean()
    cohort.save()
    add_participants(cohort, participants)
    templates = list(
        MeetingTemplate.objects.filter(programme=programme).prefetch_related("preparation")
    )
    if templates:
        for number, template in enumerate(templates, start=1):
            meeting = Meeting.objects.create(
                cohort=cohort,
                position=number,
                kind=template.kind,
                title=template.title,
                purpose=template.purpose,
            )
            meeting.preparation.set(template.preparation.all())
        return cohort
    for number, (kind, title, themes) in enumerate(DEFAULT_MEETINGS, start=1):
        meeting = Meeting.objects.create(cohort=cohort, position=number, kind=kind, title=title)
        meeting.preparation.set(Module.objects.filter(programme=programme, theme__in=themes))
    return cohort


def add_participants(cohort: Cohort, people: list[User]) -> None:
    outsiders = [
        p for p in people if not p.memberships.filter(organisation=cohort.library).exists()
    ]
    if outsiders:
        raise ValidationError(
            _("%(names)s do not work at %(library)s.")
            % {"names": ", ".join(str(p) for p in outsiders), "library": cohort.library}
        )
    Participant.objects.bulk_create(
        [Participant(cohort=cohort, user=person) for person in people], ignore_conflicts=True
    )


@dataclass(frozen=True)
class ImportRow:
    name: str
    email: str
    branch: Organisation | None


@transaction.atomic
def import_participants(cohort: Cohort, rows: list[ImportRow]) -> int:
    """Add the people of a checked CSV file: new people become front-office staff of the
    library and get an invitation by e-mail (once; nobody with a password gets one). All rows
    or none."""
    people = []
    for row in rows:
        person = User.objects.filter(email=row.email).first()
        if person is None:
            person = add_person(email=row.email, full_name=row.name)
        if not person.memberships.filter(organisation=cohort.library).exists():
            grant_role(person, organisation=cohort.library, role=Role.LEARNER, branch=row.branch)
        if awaits_activation(person):  # new, or imported before and not yet activated
            invite_on_commit(person)
        people.append(person)
    before = cohort.participants.count()
    add_participants(cohort, people)
    return cohort.participants.count() - before


@transaction.atomic
def update_meeting(meeting: Meeting, *, version: int, **fields) -> Meeting:
    """Change a meeting that was read at `version`. If someone else saved it since, nothing
    is saved and StaleEdit says so. Calendar clients see a new SEQUENCE."""
    preparation = fields.pop("preparation", None)
    agenda: list[AgendaItem] | None = fields.pop("agenda", None)
    changed = Meeting.objects.filter(pk=meeting.pk, version=version)
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.full_clean(exclude=["preparation"])
    if not changed.update(
        **fields, version=F("version") + 1, sequence=F("sequence") + 1, updated_at=timezone.now()
    ):
        raise StaleEdit
    if preparation is not None:
        meeting.preparation.set(preparation)
    if agenda is not None:
        meeting.agenda.all().delete()
        for position, item in enumerate(agenda, start=1):
            item.meeting = meeting
            item.position = position
        AgendaItem.objects.bulk_create(agenda)
    meeting.refresh_from_db()
    tasks.invite_on_commit(meeting)
    return meeting


@transaction.atomic
def cancel_meeting(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        cancelled=True,
        sequence=F("sequence") + 1,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    meeting.refresh_from_db()
    tasks.invite_on_commit(meeting)


@transaction.atomic
def record_attendance(
    meeting: Meeting, person: User, *, status: str, revision: int, by: User
) -> Attendance:
    """Record a tap on the adviser's tablet. Taps are numbered on the tablet; one that
    arrives after a newer one (a retry after a Wi-Fi drop) changes nothing. Becoming present
    records an `attended` statement; a correction away from present voids it."""
    now = timezone.now()
    attendance, created = Attendance.objects.select_for_update().get_or_create(
        meeting=meeting,
        user=person,
        defaults={"status": status, "revision": revision, "recorded_at": now, "recorded_by": by},
    )
    was_present = not created and attendance.status == AttendanceStatus.PRESENT
    if not created and revision > attendance.revision:
        attendance.status = status
        attendance.revision = revision
        attendance.recorded_at = now
        attendance.recorded_by = by
        attendance.save(update_fields=["status", "revision", "recorded_at", "recorded_by"])
    is_present = attendance.status == AttendanceStatus.PRESENT
    if is_present != was_present:
        record.attendance(
            person, [(meeting_activity(meeting), meeting.starts_at or now)], present=is_present
        )
    return attendance


def meeting_activity(meeting: Meeting) -> record.Activity:
    programme = record.Activity(record.Kind.PROGRAMME, meeting.cohort.programme_id)
    return record.Activity(record.Kind.MEETING, meeting.pk, meeting.title, parent=programme)


@transaction.atomic
def add_outcome(meeting: Meeting, *, kind: str, text: str) -> Outcome:
    outcome = Outcome(meeting=meeting, kind=kind, text=text)
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def add_material(meeting: Meeting, *, title: str, url: str = "", file=None) -> Material:
    material = Material(meeting=meeting, title=title, url=url)
    if file is not None:
        material.file.save(file.name, file, save=False)
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def mark_caught_up(attendance: Attendance, *, at: datetime | None = None) -> None:
    Attendance.objects.filter(pk=attendance.pk, caught_up_at__isnull=True).update(
        caught_up_at=at or timezone.now()
    )
