"""A staff member's privacy rights: everything Balie holds on them, exported on request, and
erased on request (GDPR/AVG art. 15, 17 and 20; QUALITY.md A1 and A2).

`REGISTRY` says, for every model field that points at a person (and for the account itself),
how to EXPORT the rows of that person and how to ERASE them:

- DELETE: the rows are only theirs (progress, notes, invitations, …) and go;
- KEEP: the row belongs to the team or the library (a cohort's attendance, a carousel station,
  a past hand-over's slot) and keeps pointing at the account, which is ANONYMISED: team figures
  stay right and nobody can tell who it was from Balie;
- or an erase of its own (a free slot is withdrawn, a local block forgets the colleague).

`NOT_ABOUT_STAFF` names the models that look personal but hold no staff member, and why. A test
(`balie/tests/test_privacy.py`) enumerates every model: a field that points at a person, or a
personal field, that is in neither list fails it — so a model added later cannot be forgotten.

This module belongs to the project package: it reads every app, and no app imports it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils import timezone

from balie.carousel.models import CarouselEvent, SignUp
from balie.desk.models import Slot
from balie.learning.models import LocalBlock
from balie.orgs.models import DirectoryEntry, User
from balie.security.audit import events_of, forget_actor, record_event
from balie.security.models import AuditAction

security_log = logging.getLogger("balie.security")

FORMAT = "balie.privacy-export/1"
ERASED_NAME = "Verwijderde medewerker"
ERASED_DOMAIN = "balie.invalid"

DELETE = "delete"
KEEP = "keep"

# Field names that hold a person's identity wherever they appear. A model with one of them must
# be in the registry or in NOT_ABOUT_STAFF.
PERSONAL_FIELD_NAMES = frozenset(
    {"email", "full_name", "first_name", "last_name", "contact", "phone", "address", "birth_date"}
)


def erased_email(pk: int) -> str:
    return f"erased-{pk}@{ERASED_DOMAIN}"


@dataclass(frozen=True)
class Person:
    """Who is erased, as they were before: the account is anonymised during the erasure."""

    pk: int
    email: str
    full_name: str


@dataclass(frozen=True)
class Part:
    """How one field that points at a person holds their data.

    `rows(user)` are the rows of that person through this field; `fields` the values the
    export shows of each row (lookups for `QuerySet.values`), or `export` a function of its
    own. `erase` is DELETE, KEEP, or a function `(user, person) -> rows changed`."""

    label: str  # "app_label.ModelName"
    field: str  # the field that points at the person; "id" for the account itself
    fields: tuple[str, ...]
    erase: str | Callable[[User, Person], int]
    why: str
    export: Callable[[User], list[dict[str, Any]]] | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def key(self) -> str:
        return f"{self.label}.{self.field}"

    @property
    def how(self) -> str:
        return self.erase if isinstance(self.erase, str) else self.erase.__name__.strip("_")

    def rows(self, user: User) -> models.QuerySet:
        model = self.model
        manager = model._base_manager  # also an Assignment that was cancelled
        if self.field == "id":
            return manager.filter(pk=user.pk)
        return manager.filter(**{self.field: user}).order_by("pk")

    def exported(self, user: User) -> list[dict[str, Any]]:
        if self.export is not None:
            return self.export(user)
        return list(self.rows(user).values(*self.fields))

    def erased(self, user: User, person: Person) -> int:
        if self.erase == KEEP:
            return 0
        if self.erase == DELETE:
            return self.rows(user).delete()[1].get(self.label, 0)
        return self.erase(user, person)


# --- exports and erasures of their own ---------------------------------------------------


def _account(user: User) -> list[dict[str, Any]]:
    row = User.objects.filter(pk=user.pk).values(
        "id",
        "email",
        "full_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
        "invited_at",
        "privacy_accepted_at",
        "language",
    )[0]
    row["groups"] = sorted(user.groups.values_list("name", flat=True))
    return [row]


def _anonymise_account(user: User, person: Person) -> int:
    """The account stays, so that the rows kept (attendance, a cohort's adviser, a past
    hand-over's colleague) still count; nothing in it says who it was."""
    user.email = erased_email(user.pk)
    user.full_name = ERASED_NAME
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    # Also ends every session: a session is valid only with the hash of the password.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return 1


def _directory_entries(user: User) -> list[dict[str, Any]]:
    rows = []
    for entry in (
        DirectoryEntry.objects.filter(person=user)
        .select_related("library", "branch")
        .prefetch_related("topics")
        .order_by("pk")
    ):
        rows.append(
            {
                "library": entry.library.name,
                "branch": entry.branch.name if entry.branch else None,
                "role_title": entry.role_title,
                "topics": [topic.name for topic in entry.topics.all()],
                "how_to_reach": entry.how_to_reach,
                "when": entry.when,
                "note": entry.note,
                "updated_at": entry.updated_at,
            }
        )
    return rows


def _named_in_local_blocks(user: User) -> list[dict[str, Any]]:
    return list(
        LocalBlock.colleagues.through.objects.filter(user=user)
        .order_by("pk")
        .values(
            library=models.F("localblock__library__name"),
            module=models.F("localblock__module__title"),
        )
    )


def _forget_as_colleague(user: User, person: Person) -> int:
    """The block is the library's; it only stops naming them as a colleague to ask."""
    return LocalBlock.colleagues.through.objects.filter(user=user).delete()[0]


def _signups(user: User) -> list[dict[str, Any]]:
    rows = []
    for signup in (
        SignUp.objects.filter(user=user)
        .select_related("event")
        .prefetch_related("free_rounds", "chosen_stations")
        .order_by("pk")
    ):
        rows.append(
            {
                "event": signup.event.title,
                "date": signup.event.date,
                "free_rounds": [str(r) for r in signup.free_rounds.all()],
                "chosen_stations": [s.topic for s in signup.chosen_stations.all()],
                "created_at": signup.created_at,
                "present": signup.present,
            }
        )
    return rows


def _withdraw_signups(user: User, person: Person) -> int:
    """Like withdrawing: a carousel still to come must be planned again without them."""
    events = SignUp.objects.filter(user=user).values("event_id")
    CarouselEvent.objects.filter(
        pk__in=events, planned_at__isnull=False, date__gte=timezone.localdate()
    ).update(plan_outdated=True)
    return SignUp.objects.filter(user=user).delete()[1].get("carousel.SignUp", 0)


def _withdraw_free_slots(user: User, person: Person) -> int:
    """Free time they offered goes, so that nobody books a customer with them. A slot with a
    hand-over stays: it is the customer's appointment and a level-4 figure."""
    return (
        Slot.objects.filter(colleague=user, handover__isnull=True).delete()[1].get("desk.Slot", 0)
    )


def _admin_log(user: User) -> list[dict[str, Any]]:
    """What they changed in the management site: when, which kind of record, which action. Not
    the record's name: that may be another person's."""
    return [
        {
            "action_time": row["action_time"],
            "model": f"{row['content_type__app_label']}.{row['content_type__model']}",
            "object_id": row["object_id"],
            "action": {1: "added", 2: "changed", 3: "deleted"}.get(row["action_flag"], ""),
        }
        for row in LogEntry.objects.filter(user=user)
        .order_by("pk")
        .values(
            "action_time",
            "content_type__app_label",
            "content_type__model",
            "object_id",
            "action_flag",
        )
    ]


def _unname_in_admin_log(user: User, person: Person) -> int:
    """The management site's history is the administrators' audit trail and stays; where it
    names the person (their account, their roles), the name and address are replaced."""
    changed = 0
    for old, new in ((person.full_name, ERASED_NAME), (person.email, erased_email(person.pk))):
        if not old:
            continue
        for column in ("object_repr", "change_message"):
            changed += LogEntry.objects.filter(**{f"{column}__contains": old}).update(
                **{column: Replace(column, Value(old), Value(new))}
            )
    return changed


# --- the registry ----------------------------------------------------------------------

REGISTRY: tuple[Part, ...] = (
    Part(
        "orgs.Membership",
        "user",
        ("organisation__name", "organisation__kind", "role", "specialism", "branch__name", "since"),
        DELETE,
        "Their roles: without them the anonymised account sees and counts nowhere.",
    ),
    Part(
        "orgs.DirectoryEntry",
        "person",
        (),
        DELETE,
        "Their entry in 'wie doet wat'.",
        export=_directory_entries,
    ),
    Part(
        "learning.ModuleProgress",
        "user",
        ("module__code", "module__title", "started_at", "completed_at", "seconds"),
        DELETE,
        "Only the learner's: their completions leave the team's time-on-task figures.",
    ),
    Part(
        "learning.StepProgress",
        "user",
        (
            "step__module__title",
            "step__title",
            "seen_at",
            "seconds",
            "choice__text",
            "answered_at",
            "attempts",
            "ever_correct",
        ),
        DELETE,
        "Only the learner's.",
    ),
    Part(
        "learning.StepVisit",
        "user",
        (
            "id",
            "step__module__title",
            "step__title",
            "shown_at",
            "credited_seconds",
            "last_beat_at",
        ),
        DELETE,
        "Only the learner's.",
    ),
    Part(
        "learning.Note",
        "user",
        ("step__module__title", "step__title", "body", "revision", "updated_at"),
        DELETE,
        "Their own text; nobody else reads it.",
    ),
    Part(
        "learning.LocalBlock",
        "updated_by",
        ("library__name", "module__title", "how_we_do_it", "activities", "partners", "updated_at"),
        KEEP,
        "The block is the library's text; it keeps the anonymised account as its last writer.",
    ),
    Part(
        "learning.LocalBlock",
        "colleagues",
        (),
        _forget_as_colleague,
        "Named as a colleague to ask: the block stops naming them.",
        export=_named_in_local_blocks,
    ),
    Part(
        "cohorts.Cohort",
        "adviser",
        ("name", "library__name", "starts_on", "ends_on"),
        KEEP,
        "The cohort is the team's; its adviser becomes the anonymised account.",
    ),
    Part(
        "cohorts.Cohort",
        "manager",
        ("name", "library__name", "starts_on", "ends_on"),
        KEEP,
        "As for the adviser.",
    ),
    Part(
        "cohorts.Participant",
        "user",
        ("cohort__name", "cohort__library__name", "cohort__programme__title", "added_at"),
        KEEP,
        "The cohort's size and attendance figures stay right; the place is the anonymised "
        "account's. An inactive account gets no reminders or evaluations.",
    ),
    Part(
        "cohorts.AgendaItem",
        "presenter",
        ("meeting__cohort__name", "meeting__title", "title", "minutes"),
        KEEP,
        "The meeting's agenda is the team's.",
    ),
    Part(
        "cohorts.Attendance",
        "user",
        (
            "meeting__cohort__name",
            "meeting__title",
            "meeting__starts_at",
            "status",
            "recorded_at",
            "caught_up_at",
        ),
        KEEP,
        "Attendance counts of the meeting stay right.",
    ),
    Part(
        "cohorts.Attendance",
        "recorded_by",
        ("meeting__cohort__name", "meeting__title", "recorded_at"),
        KEEP,
        "Someone else's attendance that they tapped: that person's row. Exported without "
        "who or what.",
    ),
    Part(
        "cohorts.CalendarFeed",
        "user",
        ("created_at",),
        DELETE,
        "Their feed; the secret address is not exported (it opens the feed).",
    ),
    Part(
        "cohorts.ReminderSent",
        "user",
        ("meeting__cohort__name", "meeting__title", "kind", "sequence", "sent_at"),
        DELETE,
        "Which e-mails were sent to them.",
    ),
    Part(
        "carousel.Station",
        "host",
        ("event__title", "event__date", "topic", "room"),
        KEEP,
        "The carousel's station; its host becomes the anonymised account.",
    ),
    Part(
        "carousel.SignUp",
        "user",
        (),
        _withdraw_signups,
        "Their sign-ups, free rounds and wishes; a coming carousel must be planned again.",
        export=_signups,
    ),
    Part(
        "carousel.SignUp",
        "signed_up_by",
        ("event__title", "event__date", "created_at"),
        KEEP,
        "Sign-ups they made for a colleague: that colleague's. Exported without who.",
    ),
    Part(
        "carousel.Assignment",
        "user",
        (
            "event__title",
            "event__date",
            "round__starts_at",
            "round__ends_at",
            "station__topic",
            "group",
            "cancelled",
        ),
        DELETE,
        "Their places in the schedule.",
    ),
    Part(
        "desk.Offer",
        "owner",
        ("library__name", "name", "kind"),
        KEEP,
        "The offer is the library's; its owner becomes the anonymised account.",
    ),
    Part(
        "desk.Slot",
        "colleague",
        ("library__name", "place", "starts_at", "minutes", "cancelled"),
        _withdraw_free_slots,
        "Free slots go; a slot with a hand-over stays (the customer's appointment, L4 "
        "figures). The hand-over itself is the customer's data and is not exported.",
    ),
    Part(
        "insights.Invitation",
        "user",
        (
            "kind",
            "subject_key",
            "module__title",
            "meeting__title",
            "station__topic",
            "wave",
            "created_at",
            "emailed_at",
            "answered_at",
        ),
        DELETE,
        "Whether they were asked and answered. The answers (Response) are anonymous.",
    ),
    Part(
        "admin.LogEntry",
        "user",
        (),
        _unname_in_admin_log,
        "The management site's audit trail stays, with the anonymised account; where it "
        "names the person, the name and address are replaced.",
        export=_admin_log,
    ),
    Part(
        "lrs.Account",
        "user",
        ("name",),
        DELETE,
        "The opaque name under which their learning events appear in xAPI statements. The "
        "statements stay (the library's learning record); without this row nobody can tell "
        "whose they were.",
    ),
    Part(
        "scorm.Attempt",
        "user",
        ("package__step__title", "data", "session_seconds", "earlier_seconds", "updated_at"),
        DELETE,
        "Their place in a SCORM package (where they were, its saved state, score and time): "
        "only the learner's.",
    ),
    Part(
        "scorm.Registration",
        "user",
        ("package__step__title", "registration", "created_at", "satisfied_at"),
        DELETE,
        "Their enrolment in a cmi5 course (the registration id their statements in it carry); "
        "the statements stay under the deleted opaque account. Its launch sessions go with "
        "the account (lrs.Cmi5Session).",
    ),
    Part(
        "scorm.Package",
        "uploaded_by",
        ("step__title", "uploaded_at"),
        KEEP,
        "A national package stays; it keeps pointing at the anonymised account.",
    ),
    Part(
        "security.TwoFactor",
        "user",
        ("created_at", "last_used_at"),
        DELETE,
        "Their authenticator's secret and recovery codes; not exported (they open the account).",
    ),
    Part(
        "security.AuditEvent",
        "actor",
        (),
        forget_actor,
        "The audit log is the organisation's trail and stays; who did it is forgotten (the "
        "actor becomes empty, the one change the log allows).",
        export=events_of,
    ),
    Part(
        "socialaccount.SocialAccount",
        "user",
        ("provider", "uid", "extra_data", "date_joined", "last_login"),
        DELETE,
        "Their link to their library's own account (the provider's subject, and the address it "
        "was matched on); no tokens are stored.",
    ),
    Part(
        "account.EmailAddress",
        "user",
        ("email", "verified", "primary"),
        DELETE,
        "django-allauth's list of a person's addresses; Balie keeps the address on the account "
        "and leaves this empty.",
    ),
    # Last: the erasures above still find the person by the account's old name.
    Part(
        "orgs.User",
        "id",
        (),
        _anonymise_account,
        "The account: anonymised, not deleted, so that the rows kept still count.",
        export=_account,
    ),
)

# Models that look personal (or may be asked about) but hold no staff member.
NOT_ABOUT_STAFF: dict[str, str] = {
    "desk.Referral": "The tally has no field for the customer, for free text or for who tapped.",
    "insights.Response": "Evaluation answers are stored without the person (only the library, "
    "the subject and the Monday of the week): they cannot be linked to anyone, so they are "
    "neither exported nor erased, and the team's figures stay right.",
    "desk.HandOver": "A customer's first name and contact, not a staff member's: kept only with "
    "consent and emptied by `balie purge_contact_data` after the retention date.",
    "desk.DeskSettings": "The library's own phone number, for the appointment card.",
    "desk.Intake": "A count of intakes and where people came from: no personal fields.",
    "personas.Persona": "Fictional portraits; no real person.",
}


# --- export and erasure ------------------------------------------------------------------


def export(user: User) -> dict[str, Any]:
    """Everything Balie holds on `user`, as plain data: per model and field, their rows."""
    data: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for part in REGISTRY:
        data.setdefault(part.label, {})[part.field] = part.exported(user)
    return {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "person": {"id": user.pk, "email": user.email, "full_name": user.full_name},
        "explanation": {part.key: f"{part.how}: {part.why}" for part in REGISTRY},
        "data": data,
    }


def export_json(user: User, *, by: str) -> str:
    """The export as one JSON document; the export is logged (who was exported, by whom)."""
    document = json.dumps(export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    security_log.info("privacy export: person=%s by=%r", user.pk, by)
    record_event(AuditAction.PRIVACY_EXPORT, obj=user)
    return document


def erase(user: User, *, by: str) -> dict[str, int]:
    """Delete what is only theirs and anonymise the account, in one transaction. Answers the
    rows changed per model and field. Running it again changes nothing more."""
    person = Person(user.pk, user.email, user.full_name)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        counts = {part.key: part.erased(user, person) for part in REGISTRY}
        record_event(AuditAction.PRIVACY_ERASE, object_type="orgs.user", object_id=person.pk)
    security_log.info("privacy erasure: person=%s by=%r", person.pk, by)
    return counts


def text_columns(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
    ]


def mentions(text: str) -> list[tuple[str, Any, str]]:
    """Where `text` still appears in any text column of any model: (model, pk, column). For
    the check after an erasure: free text that others wrote may name the person."""
    found = []
    if not text:
        return found
    for model in apps.get_models():
        columns = text_columns(model)
        if not columns:
            continue
        query = Q()
        for column in columns:
            query |= Q(**{f"{column}__icontains": text})
        for row in model._base_manager.filter(query).order_by("pk").values("pk", *columns):
            for column in columns:
                if text.lower() in str(row[column] or "").lower():
                    found.append((model._meta.label, row["pk"], column))
    return found
