"""Balie's own learning events as xAPI statements: the one door from the other apps into the
statement store. `learning`, `cohorts`, `carousel` and `scorm` import this module and nothing
else of `lrs`, so they describe an event in plain values — a person, a `Verb`, an `Activity`
(kind, Balie id, name, parent) and the moment it happened — and never see a statement table.

`record()` builds valid xAPI 1.0.3 statements and stores them with `store.store()` inside the
caller's transaction: a statement exists exactly when its event does, none lost, none doubled.
docs/xapi-profile.md is the profile these statements follow; change the two together.

- The statement id is a uuid5 of the event's identity: the person's opaque account, the verb,
  the activity and, for an event that happens more than once, what tells the times apart (the
  try number). Recording the same event again stores nothing new; when it was stored before
  with other content (the module was renamed since, a demo replay), the first one stands.
- The actor is the person's opaque `Account`, never an e-mail address or a name: erasing the
  person deletes the account, and their statements stay without anyone knowing whose they were.
- A statement belongs to the person's library (their first library role, else their first
  organisation), so that the forwarders of that library and the organisations above it get it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from django.conf import settings
from django.utils import timezone

from balie.lrs import store
from balie.lrs.models import VOIDED, Account, Relation, Statement, StatementAgent, is_voided
from balie.orgs.models import Membership, Organisation, User

# Fixed for ever: every statement id Balie has made depends on it.
NAMESPACE = uuid.UUID("3051ccb2-b7b3-4d58-8d34-7d20ff4469c6")
# The profile's own IRIs (its verb, its category) are part of the profile and never configured;
# only the activity ids live under the configurable BALIE_XAPI_IRI_BASE.
PROFILE = "https://balie.nl/xapi"
ADL = "http://adlnet.gov/expapi"
PLATFORM = "Balie"
LANGUAGE = "nl-NL"
XAPI_VERSION = "1.0.3"


class Verb(Enum):
    """The verbs of the profile: (IRI, display in English, display in Dutch)."""

    STARTED = (f"{ADL}/verbs/attempted", "attempted", "is begonnen aan")
    EXPERIENCED = (f"{ADL}/verbs/experienced", "experienced", "heeft bekeken")
    ANSWERED = (f"{ADL}/verbs/answered", "answered", "heeft beantwoord")
    COMPLETED = (f"{ADL}/verbs/completed", "completed", "heeft afgerond")
    NOTED = (f"{PROFILE}/verbs/noted", "took a note at", "heeft een notitie gemaakt bij")
    ATTENDED = (f"{ADL}/verbs/attended", "attended", "was aanwezig bij")
    INTERACTED = (f"{ADL}/verbs/interacted", "interacted with", "heeft gewerkt met")
    PASSED = (f"{ADL}/verbs/passed", "passed", "is geslaagd voor")
    FAILED = (f"{ADL}/verbs/failed", "failed", "is gezakt voor")

    def __init__(self, iri: str, en: str, nl: str) -> None:
        self.iri = iri
        self.display = {"en-US": en, "nl-NL": nl}


class Kind(Enum):
    """The kinds of activity: (the path of their ids, the activity type from the ADL vocabulary)."""

    PROGRAMME = ("programmes", f"{ADL}/activities/course")
    MODULE = ("modules", f"{ADL}/activities/module")
    LESSON = ("steps", f"{ADL}/activities/lesson")
    MEDIA = ("steps", f"{ADL}/activities/media")
    LINK = ("steps", f"{ADL}/activities/link")
    QUESTION = ("steps", f"{ADL}/activities/cmi.interaction")
    MEETING = ("meetings", f"{ADL}/activities/meeting")
    CAROUSEL = ("carousels", f"{ADL}/activities/meeting")
    STATION = ("carousel-stations", f"{ADL}/activities/meeting")
    # The parts of a SCORM package step: a SCO, a question in it, a learning objective.
    SCO = ("steps", f"{ADL}/activities/lesson")
    INTERACTION = ("steps", f"{ADL}/activities/cmi.interaction")
    OBJECTIVE = ("steps", f"{ADL}/activities/objective")

    def __init__(self, path: str, type_iri: str) -> None:
        self.path = path
        self.type_iri = type_iri


@dataclass(frozen=True)
class Activity:
    """Something in Balie that a person does something with. `name` may stay empty for an
    activity that only appears as context (a module's programme): its id says enough."""

    kind: Kind
    pk: int
    name: str = ""
    parent: Activity | None = None
    # A part of the object with that pk (a SCO's question: "sco/<id>/interactions/<id>"),
    # already percent-encoded; and a question's SCORM interaction type.
    part: str = ""
    interaction_type: str = ""

    @property
    def key(self) -> str:
        """The activity in a statement's identity: independent of the configured IRI base."""
        return f"{self.kind.path}/{self.pk}" + (f"/{self.part}" if self.part else "")

    @property
    def iri(self) -> str:
        base = settings.BALIE_XAPI_IRI_BASE.rstrip("/")
        return f"{base}/{self.key}"

    def as_object(self) -> dict[str, Any]:
        """Without a name, the id only: a definition without its name would replace the full
        one that the Activities resource keeps (the last definition given wins)."""
        if not self.name:
            return {"objectType": "Activity", "id": self.iri}
        definition: dict[str, Any] = {"type": self.kind.type_iri, "name": {LANGUAGE: self.name}}
        if self.kind is Kind.QUESTION:
            definition["interactionType"] = "choice"
        elif self.kind is Kind.INTERACTION and self.interaction_type:
            definition["interactionType"] = self.interaction_type
        return {"objectType": "Activity", "id": self.iri, "definition": definition}


@dataclass(frozen=True)
class Result:
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    seconds: int | None = None  # time on task, sent as an ISO 8601 duration
    score: dict[str, float] | None = None  # xAPI's raw, min, max, scaled

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name in ("success", "completion", "response", "score"):
            if getattr(self, name) is not None:
                result[name] = getattr(self, name)
        if self.seconds is not None:
            result["duration"] = duration(self.seconds)
        return result


@dataclass(frozen=True)
class Event:
    """One thing a person did. `at` comes from the event's own row (not from the clock when it
    is recorded), so that recording it again gives the same statement. `occurrence` tells
    apart the times an event happens more than once (a knowledge check's tries)."""

    verb: Verb
    activity: Activity
    at: datetime
    result: Result | None = None
    occurrence: str = ""


def record(user: User, events: Iterable[Event]) -> None:
    """Store a statement for each of `events` of `user`, in the caller's transaction. One call
    per action: the account, the organisation and each table are read or written once."""
    events = list(events)
    if not events:
        return
    organisation = _organisation(user)
    if organisation is None:  # nobody to attribute it to: no role anywhere
        return
    actor = _actor(user)
    _store([build_statement(actor, event) for event in events], organisation)


def attendance(user: User, visits: Sequence[tuple[Activity, datetime]], *, present: bool) -> None:
    """Attendance that can be corrected. Present: an `attended` statement for each activity
    of `visits` (with the moment it took place), unless one stands already. Not present: every
    `attended` statement of the person for those activities that stands is voided, by a
    voiding statement whose id follows from the voided one. Present again after a correction
    is a new statement: the count of earlier ones is part of its identity."""
    if not visits:
        return
    organisation = _organisation(user)
    if organisation is None:
        return
    actor = _actor(user)
    earlier = _attended_before(actor, [activity.iri for activity, _ in visits], organisation)
    now = timezone.now()
    statements = []
    for activity, at in visits:
        mine = earlier.get(activity.iri, [])
        standing = [statement_id for statement_id, voided in mine if not voided]
        if present and not standing:
            event = Event(Verb.ATTENDED, activity, at, occurrence=f"#{len(mine)}")
            statements.append(build_statement(actor, event))
        if not present:
            statements.extend(_voiding(statement_id, at=now) for statement_id in standing)
    _store(statements, organisation)


def duration(seconds: int) -> str:
    """Seconds as an ISO 8601 duration: 3725 → "PT1H2M5S"."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n]
    return "PT" + ("".join(parts) or "0S")


def statement_id(identity: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, identity)


# --- building blocks ---------------------------------------------------------------------


def _home_page() -> str:
    return settings.BALIE_SITE_URL.rstrip("/")


def balie_agent() -> dict[str, Any]:
    """Balie itself: the authority of its statements and the actor of its voiding ones."""
    return {"objectType": "Agent", "account": {"homePage": _home_page(), "name": PLATFORM}}


def _actor(user: User) -> dict[str, Any]:
    account, _ = Account.objects.get_or_create(user=user)
    return actor_of(account.name)


def actor_of(account_name: object) -> dict[str, Any]:
    """The agent of a person in statements: their opaque account, never who they are."""
    return {"objectType": "Agent", "account": {"homePage": _home_page(), "name": str(account_name)}}


def _organisation(user: User) -> Organisation | None:
    """The person's first library, else their first organisation; with the organisations
    above it loaded, so that finding the forwarders costs no query per level."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organisation__parent__parent")
        .order_by("pk")
    )
    libraries = [m for m in memberships if m.organisation.kind == Organisation.Kind.LIBRARY]
    chosen = libraries or memberships
    return chosen[0].organisation if chosen else None


def build_statement(actor: dict[str, Any], event: Event) -> dict[str, Any]:
    """The statement of `event` by `actor`, as `record` stores it (before the store adds
    `stored` and `authority`). Also used by the national-scale data generator."""
    identity = " ".join(
        part
        for part in (actor["account"]["name"], event.verb.iri, event.activity.key, event.occurrence)
        if part
    )
    statement = {
        "id": str(statement_id(identity)),
        "actor": actor,
        "verb": {"id": event.verb.iri, "display": event.verb.display},
        "object": event.activity.as_object(),
        "context": _context(event.activity),
        "timestamp": event.at.astimezone(UTC).isoformat(),
        "version": XAPI_VERSION,
    }
    if event.result is not None:
        statement["result"] = event.result.as_dict()
    return statement


def _context(activity: Activity) -> dict[str, Any]:
    """The parent (a step's module, a module's programme, a station's carousel), the grouping
    (a step's programme) and the profile as category."""
    activities: dict[str, Any] = {
        "category": [{"objectType": "Activity", "id": f"{PROFILE}/profile"}]
    }
    if activity.parent is not None:
        activities["parent"] = [activity.parent.as_object()]
        if activity.parent.parent is not None:
            activities["grouping"] = [activity.parent.parent.as_object()]
    return {"platform": PLATFORM, "language": LANGUAGE, "contextActivities": activities}


def _voiding(voided: str, *, at: datetime) -> dict[str, Any]:
    return {
        "id": str(statement_id(f"voids {voided}")),
        "actor": balie_agent(),
        "verb": {"id": VOIDED, "display": {"en-US": "voided", "nl-NL": "heeft ingetrokken"}},
        "object": {"objectType": "StatementRef", "id": voided},
        "timestamp": at.astimezone(UTC).isoformat(),
        "version": XAPI_VERSION,
    }


def _attended_before(
    actor: dict[str, Any], iris: list[str], organisation: Organisation
) -> dict[str, list[tuple[str, bool]]]:
    """Per activity: the ids of the person's earlier `attended` statements in `organisation`
    (whose ids are its own), and whether each is voided. One query."""
    mine = StatementAgent.objects.filter(
        agent_hash=store.agent_hash(actor), relation=Relation.DIRECT
    ).values("statement_id")
    rows = (
        Statement.objects.filter(
            organisation=organisation, verb_id=Verb.ATTENDED.iri, activity_id__in=iris, pk__in=mine
        )
        .annotate(voided=is_voided())
        .order_by("pk")
        .values_list("activity_id", "statement_id", "voided")
    )
    earlier: dict[str, list[tuple[str, bool]]] = {}
    for activity_id, statement_id_, voided in rows:
        earlier.setdefault(activity_id, []).append((str(statement_id_), voided))
    return earlier


def _store(statements: list[dict[str, Any]], organisation: Organisation) -> None:
    """Store them; one that was stored before with other content keeps its first version."""
    if not statements:
        return
    try:
        store.store(statements, organisation=organisation, authority=balie_agent())
    except store.Conflict:  # rare: a replay after a rename. Then the others one by one.
        for statement in statements:
            try:
                store.store([statement], organisation=organisation, authority=balie_agent())
            except store.Conflict:
                continue
