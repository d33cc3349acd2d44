"""The LRS side of cmi5 (the cmi5 specification, Quartz): launching an AU, the one-time fetch
URL, the AU's token, and the rules for what an AU may record.

The scorm app (the LMS side: course structure, registrations, moveOn) reaches this module the
way it reaches `record`: with plain values, never a statement table.

- `launch()` writes, in one transaction, what the LMS must before an AU starts: the
  `LMS.LaunchData` state document, the learner's `cmi5LearnerPreferences` agent profile (when
  there is none), the `launched` statement, and `abandoned` for an earlier session of the same
  registration that never sent `terminated`. It returns the session with its fetch code.
- `fetch` (POST, once) answers `{"auth-token": ...}`: HTTP Basic credentials whose user name is
  the session id. The secret is made at that moment and only its hash is stored; a second
  fetch gets error 1.
- With that token, `/xapi/` accepts statements for the session's actor and registration only,
  in the cmi5 order (initialized first, terminated last, no verb twice, passed or failed once,
  completed and passed once per registration, the score against masteryScore), never a
  voiding statement or an LMS verb; documents only for the AU's own activity, actor and
  registration, and `LMS.LaunchData` read-only. Anything else is 403.
- After an AU's statements are stored, `au_statements_stored` is sent, so that the LMS can
  decide moveOn; `satisfied()` records what it decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from balie.lrs import record, store
from balie.lrs.agents import parse_agent_param
from balie.lrs.http import Forbidden, hash_secret
from balie.lrs.models import VOIDED, Account, Cmi5Session, Document, Statement
from balie.orgs.models import User

ADL = "http://adlnet.gov/expapi/verbs"
W3ID = "https://w3id.org/xapi/adl/verbs"
LAUNCHED = f"{ADL}/launched"
INITIALIZED = f"{ADL}/initialized"
COMPLETED = f"{ADL}/completed"
PASSED = f"{ADL}/passed"
FAILED = f"{ADL}/failed"
TERMINATED = f"{ADL}/terminated"
ABANDONED = f"{W3ID}/abandoned"
WAIVED = f"{W3ID}/waived"
SATISFIED = f"{W3ID}/satisfied"
AU_VERBS = (INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED)
CMI5 = "https://w3id.org/xapi/cmi5"
CATEGORY = f"{CMI5}/context/categories/cmi5"
MOVE_ON_CATEGORY = f"{CMI5}/context/categories/moveon"
SESSION_ID = f"{CMI5}/context/extensions/sessionid"
MASTERY_SCORE = f"{CMI5}/context/extensions/masteryscore"
LAUNCH_MODE = f"{CMI5}/context/extensions/launchmode"
LAUNCH_URL = f"{CMI5}/context/extensions/launchurl"
MOVE_ON = f"{CMI5}/context/extensions/moveon"
LAUNCH_PARAMETERS = f"{CMI5}/context/extensions/launchparameters"
BLOCK_TYPE = f"{CMI5}/activitytype/block"
COURSE_TYPE = f"{CMI5}/activitytype/course"
LAUNCH_DATA = "LMS.LaunchData"
PREFERENCES = "cmi5LearnerPreferences"
# The fetch URL works once, and only soon after the launch; the token lasts a working day.
FETCH_WITHIN = timedelta(minutes=30)
TOKEN_LASTS = timedelta(hours=12)

# Sent after an AU's statements are stored (outside the transaction): user, registration
# (UUID), session_id (UUID), launched_at.
au_statements_stored = Signal()


@dataclass(frozen=True)
class AuLaunch:
    """What the LMS launches: one AU of a course, for one registration."""

    activity_id: str  # Balie's id of the AU (never the publisher's)
    publisher_id: str
    title: str
    move_on: str
    mastery_score: str  # "" when the course gives none
    launch_parameters: str
    entitlement_key: str
    launch_url: str  # absolute, without the cmi5 parameters
    return_url: str


@dataclass(frozen=True)
class Launched:
    session_id: uuid.UUID
    fetch_code: str
    actor: dict[str, Any]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _statement(
    actor: dict[str, Any], verb: str, display: str, target: dict[str, Any], **parts: Any
) -> dict[str, Any]:
    statement = {
        "actor": actor,
        "verb": {"id": verb, "display": {"en-US": display}},
        "object": target,
        "version": record.XAPI_VERSION,
        **parts,
    }
    return statement


def _context(
    registration: uuid.UUID, session_id: uuid.UUID, publisher_id: str, **extensions: Any
) -> dict[str, Any]:
    return {
        "registration": str(registration),
        "contextActivities": {
            "category": [{"objectType": "Activity", "id": CATEGORY}],
            "grouping": [{"objectType": "Activity", "id": publisher_id}],
        },
        "extensions": {SESSION_ID: str(session_id), **extensions},
    }


def _now_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _put_document(
    organisation_id: int,
    *,
    kind: str,
    activity_id: str,
    actor: dict,
    registration: str,
    document_id: str,
    content: dict,
    only_if_missing: bool = False,
) -> None:
    body = json.dumps(content).encode()
    key = {
        "organisation_id": organisation_id,
        "kind": kind,
        "activity_hash": store.digest(activity_id) if activity_id else "",
        "agent_hash": store.agent_hash(actor),
        "registration": registration,
        "document_hash": store.digest(document_id),
    }
    fields = {
        "document_id": document_id,
        "content": body,
        "content_type": "application/json",
        "etag": hashlib.sha1(body, usedforsecurity=False).hexdigest(),
        "updated": timezone.now(),
    }
    if only_if_missing:
        Document.objects.get_or_create(**key, defaults=fields)
    else:
        Document.objects.update_or_create(**key, defaults=fields)


def _launch_data(au: AuLaunch, registration: uuid.UUID, session_id: uuid.UUID) -> dict:
    context = _context(registration, session_id, au.publisher_id)
    del context["registration"]
    del context["contextActivities"]["category"]
    data: dict[str, Any] = {
        "contextTemplate": context,
        "launchMode": "Normal",
        "moveOn": au.move_on,
        "returnURL": au.return_url,
    }
    if au.launch_parameters:
        data["launchParameters"] = au.launch_parameters
    if au.mastery_score:
        data["masteryScore"] = float(Decimal(au.mastery_score))
    if au.entitlement_key:
        data["entitlementKey"] = {"courseStructure": au.entitlement_key}
    return data


def _preferences(user: User) -> dict:
    first = "en-US" if getattr(user, "language", "") == "en" else "nl-NL"
    other = "nl-NL" if first == "en-US" else "en-US"
    return {"languagePreference": f"{first},{other}", "audioPreference": "on"}


def _abandon(session: Cmi5Session, actor: dict, at: datetime) -> dict[str, Any]:
    """The LMS's `abandoned` for a session that ended without `terminated`: its duration is
    the time from the launch to the AU's last statement."""
    last = session.last_statement_at or session.launched_at
    seconds = int((last - session.launched_at).total_seconds())
    statement = _statement(
        actor,
        ABANDONED,
        "abandoned",
        {"objectType": "Activity", "id": session.activity_id},
        id=str(record.statement_id(f"{session.session_id} abandoned")),
        result={"duration": record.duration(seconds)},
        context=_context(session.registration, session.session_id, session.publisher_id),
        timestamp=_now_iso(at),
    )
    return statement


@transaction.atomic
def launch(user: User, *, registration: uuid.UUID, au: AuLaunch) -> Launched:
    """Everything the LMS records before an AU starts (see the module's docstring)."""
    organisation = record._organisation(user)  # noqa: SLF001 - the same rule as record's
    if organisation is None:
        raise PermissionError("a learner without an organisation launches nothing")
    account, _ = Account.objects.get_or_create(user=user)
    actor = record.actor_of(account.name)
    now = timezone.now()
    statements = []
    open_sessions = Cmi5Session.objects.select_for_update().filter(
        account=account, registration=registration, terminated_at=None, abandoned_at=None
    )
    for earlier in open_sessions:
        statements.append(_abandon(earlier, actor, now))
        earlier.abandoned_at = now
        earlier.save(update_fields=["abandoned_at"])
    code = secrets.token_urlsafe(32)
    session = Cmi5Session.objects.create(
        fetch_hash=_sha256(code),
        organisation=organisation,
        account=account,
        registration=registration,
        activity_id=au.activity_id,
        publisher_id=au.publisher_id,
        move_on=au.move_on,
        mastery_score=Decimal(au.mastery_score) if au.mastery_score else None,
        launched_at=now,
    )
    _put_document(
        organisation.pk,
        kind=Document.Kind.STATE,
        activity_id=au.activity_id,
        actor=actor,
        registration=str(registration),
        document_id=LAUNCH_DATA,
        content=_launch_data(au, registration, session.session_id),
    )
    _put_document(
        organisation.pk,
        kind=Document.Kind.AGENT_PROFILE,
        activity_id="",
        actor=actor,
        registration="",
        document_id=PREFERENCES,
        content=_preferences(user),
        only_if_missing=True,
    )
    extensions: dict[str, Any] = {
        LAUNCH_MODE: "Normal",
        LAUNCH_URL: au.launch_url,
        MOVE_ON: au.move_on,
    }
    if au.mastery_score:
        extensions[MASTERY_SCORE] = float(Decimal(au.mastery_score))
    if au.launch_parameters:
        extensions[LAUNCH_PARAMETERS] = au.launch_parameters
    statements.append(
        _statement(
            actor,
            LAUNCHED,
            "launched",
            {
                "objectType": "Activity",
                "id": au.activity_id,
                "definition": {"name": {record.LANGUAGE: au.title}},
            },
            id=str(record.statement_id(f"{session.session_id} launched")),
            context=_context(registration, session.session_id, au.publisher_id, **extensions),
            timestamp=_now_iso(now),
        )
    )
    store.store(statements, organisation=organisation, authority=record.balie_agent())
    return Launched(session_id=session.session_id, fetch_code=code, actor=actor)


@dataclass(frozen=True)
class Satisfaction:
    """A block or the course whose moveOn rules the learner has met."""

    activity_id: str  # Balie's id of the block or course
    publisher_id: str
    title: str
    is_course: bool


def satisfied(
    user: User, *, registration: uuid.UUID, session_id: uuid.UUID | None, of: list[Satisfaction]
) -> None:
    """Record `satisfied` for each of `of`, once per registration (the statement id follows
    from the registration and the object). Outside an AU session (at registration) the
    statements get a session id of their own."""
    organisation = record._organisation(user)  # noqa: SLF001
    if organisation is None or not of:
        return
    account, _ = Account.objects.get_or_create(user=user)
    actor = record.actor_of(account.name)
    session = session_id or record.statement_id(f"{registration} satisfied at registration")
    now = timezone.now()
    statements = [
        _statement(
            actor,
            SATISFIED,
            "satisfied",
            {
                "objectType": "Activity",
                "id": item.activity_id,
                "definition": {
                    "type": COURSE_TYPE if item.is_course else BLOCK_TYPE,
                    "name": {record.LANGUAGE: item.title},
                },
            },
            id=str(record.statement_id(f"{registration} satisfied {item.activity_id}")),
            context=_context(registration, session, item.publisher_id),
            timestamp=_now_iso(now),
        )
        for item in of
    ]
    known = set(
        Statement.objects.filter(
            statement_id__in=[uuid.UUID(s["id"]) for s in statements]
        ).values_list("statement_id", flat=True)
    )
    fresh = [s for s in statements if uuid.UUID(s["id"]) not in known]
    if fresh:
        store.store(fresh, organisation=organisation, authority=record.balie_agent())


def verbs_by_activity(registration: uuid.UUID) -> dict[str, set[str]]:
    """For each activity of the registration: the cmi5 verbs that stand for it (completed,
    passed, failed, waived, satisfied; voided ones do not count). One query."""
    wanted = (COMPLETED, PASSED, FAILED, WAIVED, SATISFIED)
    rows = (
        Statement.objects.filter(registration=registration, verb_id__in=wanted)
        .not_voided()
        .values_list("activity_id", "verb_id")
    )
    found: dict[str, set[str]] = {}
    for activity_id, verb_id in rows:
        found.setdefault(activity_id, set()).add(verb_id.rsplit("/", 1)[-1])
    return found


# --- The fetch URL ----------------------------------------------------------------------


def _fetch_error(code: str, text: str) -> JsonResponse:
    """cmi5 8.2.3: errors are 200 with an error code (1: used or expired, 2: security)."""
    return _cors(JsonResponse({"error-code": code, "error-text": text}))


def _cors(response: HttpResponse) -> HttpResponse:
    """The AU may run on another origin (the package files' own)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@login_not_required
def fetch(request: HttpRequest, code: str) -> HttpResponse:
    """The one-time fetch URL of a launch: POST only; the first answer carries the token."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        return _cors(response)
    if request.method != "POST":
        response = _cors(HttpResponse(status=405))
        response["Allow"] = "POST, OPTIONS"
        return response
    session = Cmi5Session.objects.filter(fetch_hash=_sha256(code)).first()
    if session is None:
        return _fetch_error("2", "This fetch URL is not known.")
    now = timezone.now()
    if session.abandoned_at or session.terminated_at or now - session.launched_at > FETCH_WITHIN:
        return _fetch_error("1", "This launch has expired; launch the AU again.")
    secret = secrets.token_urlsafe(32)
    taken = Cmi5Session.objects.filter(pk=session.pk, fetched_at=None).update(
        fetched_at=now, secret_hash=hash_secret(secret)
    )
    if not taken:
        return _fetch_error("1", "The authorization token has already been returned.")
    token = base64.b64encode(f"{session.session_id}:{secret}".encode()).decode()
    return _cors(JsonResponse({"auth-token": token}))


# --- The AU's credential ----------------------------------------------------------------


class AuCredential:
    """What a request with an AU's token may do, in the place of an xAPI `Client`: write its
    own statements and documents, read its own documents, nothing else."""

    may_read = True
    may_write = True
    pk = None  # stored statements have no client

    def __init__(self, session: Cmi5Session) -> None:
        self.session = session
        self.organisation = session.organisation
        self.actor = record.actor_of(session.account.name)

    @property
    def rate_key(self) -> str:
        return f"cmi5:{self.session.pk}"

    def authority(self) -> dict[str, Any]:
        return record.balie_agent()

    def organisation_ids(self) -> list[int]:
        return []  # a query by an AU finds nothing: it may read no statements


def authenticate(user_name: str, secret: str) -> AuCredential | None:
    """The credential of a session whose token this is, while the token lasts."""
    try:
        session_id = uuid.UUID(user_name)
    except ValueError:
        return None
    session = (
        Cmi5Session.objects.select_related("organisation", "account")
        .filter(session_id=session_id, fetched_at__isnull=False, abandoned_at=None)
        .first()
    )
    if session is None or not hmac.compare_digest(session.secret_hash, hash_secret(secret)):
        return None
    if timezone.now() - session.launched_at > TOKEN_LASTS:
        return None
    return AuCredential(session)


def check_document(
    credential: AuCredential, *, kind: str, params: dict[str, str], method: str
) -> None:
    """Documents: the AU's own state (LMS.LaunchData read-only), and reading the learner's
    agent profile and its own activity profile."""
    session = credential.session
    if "activityId" in params and params["activityId"] != session.activity_id:
        raise Forbidden("an AU's token reaches its own activity only")
    if "agent" in params and store.agent_key(parse_agent_param(params["agent"])) != (
        store.agent_key(credential.actor)
    ):
        raise Forbidden("an AU's token reaches its own learner only")
    if kind == Document.Kind.STATE:
        if params.get("registration", "").lower() != str(session.registration):
            raise Forbidden("an AU's token reaches its own registration only")
        if method != "GET" and params.get("stateId", LAUNCH_DATA) == LAUNCH_DATA:
            raise Forbidden("LMS.LaunchData is the LMS's; an AU reads it only")
    elif method != "GET":
        raise Forbidden("an AU may not change this profile")


# --- The AU's statements ----------------------------------------------------------------


def _is_defined(statement: dict[str, Any]) -> bool:
    categories = statement.get("context", {}).get("contextActivities", {}).get("category", [])
    categories = categories if isinstance(categories, list) else [categories]
    return any(activity.get("id") == CATEGORY for activity in categories)


def _scaled(statement: dict[str, Any]) -> float | None:
    score = statement.get("result", {}).get("score", {})
    return score.get("scaled") if isinstance(score, dict) else None


def _check_defined(
    session: Cmi5Session, statement: dict[str, Any], seen: list[str], before: set[str]
) -> None:
    verb = statement["verb"]["id"]
    name = verb.rsplit("/", 1)[-1]
    result = statement.get("result", {})
    if verb not in AU_VERBS:
        raise Forbidden(f"{name} is the LMS's verb; an AU may not send it")
    if statement["object"].get("id") != session.activity_id:
        raise Forbidden("a cmi5 defined statement is about the AU: use the launch's activityId")
    extensions = statement.get("context", {}).get("extensions", {})
    if extensions.get(SESSION_ID) != str(session.session_id):
        raise Forbidden("the statement does not carry this session's id")
    if verb in seen:
        raise Forbidden(f"{name} was sent already in this session")
    if verb != INITIALIZED and INITIALIZED not in seen:
        raise Forbidden("the first statement of a session is initialized")
    if verb in (PASSED, FAILED) and {PASSED, FAILED} & set(seen):
        raise Forbidden("a session has one passed or one failed, not both")
    if verb in (COMPLETED, PASSED) and name in before:
        raise Forbidden(f"{name} was sent already in this registration")
    if verb == FAILED and "passed" in before:
        raise Forbidden("failed cannot follow passed in a registration")
    if verb == COMPLETED and result.get("completion") is not True:
        raise Forbidden("completed needs result.completion true")
    if verb in (PASSED, FAILED):
        if result.get("success") is not (verb == PASSED):
            raise Forbidden(f"{name} needs result.success {str(verb == PASSED).lower()}")
        scaled, mastery = _scaled(statement), session.mastery_score
        if scaled is not None and mastery is not None:
            if verb == PASSED and Decimal(str(scaled)) < mastery:
                raise Forbidden("passed with a score below the masteryScore")
            if verb == FAILED and Decimal(str(scaled)) >= mastery:
                raise Forbidden("failed with a score at or above the masteryScore")


def _check(session: Cmi5Session, statements: list[dict[str, Any]], before: set[str]) -> list[str]:
    """The verbs of the session after `statements`, or Forbidden for the first that breaks
    the rules (then none of them is stored)."""
    seen = list(session.verbs)
    actor_key = store.agent_key(record.actor_of(session.account.name))
    for statement in statements:
        if session.terminated_at is not None or TERMINATED in seen:
            raise Forbidden("this AU session has ended (terminated)")
        if statement["verb"]["id"] == VOIDED:
            raise Forbidden("an AU may not void statements")
        if store.agent_key(statement["actor"]) != actor_key:
            raise Forbidden("the actor is not the learner this AU was launched for")
        registration = statement.get("context", {}).get("registration", "")
        if str(registration).lower() != str(session.registration):
            raise Forbidden("the registration is not the one this AU was launched with")
        if _is_defined(statement):
            _check_defined(session, statement, seen, before)
            seen.append(statement["verb"]["id"])
        elif INITIALIZED not in seen:
            raise Forbidden("the first statement of a session is initialized")
    return seen


def save_statements(
    credential: AuCredential,
    statements: list[dict[str, Any]],
    attachments: dict[str, tuple[str, bytes]],
) -> list[uuid.UUID]:
    """Store an AU's statements if they keep the cmi5 rules (all or none), then tell the LMS.
    A statement sent again (the same id) is not judged again: the store compares it."""
    with transaction.atomic():
        session = (
            Cmi5Session.objects.select_for_update()
            .select_related("account", "organisation")
            .get(pk=credential.session.pk)
        )
        if session.abandoned_at is not None:
            raise Forbidden("this AU session was abandoned")
        given = [uuid.UUID(s["id"]) for s in statements if "id" in s]
        known = set(
            Statement.objects.filter(statement_id__in=given).values_list("statement_id", flat=True)
        )
        fresh = [s for s in statements if "id" not in s or uuid.UUID(s["id"]) not in known]
        before = verbs_by_activity(session.registration).get(session.activity_id, set())
        seen = _check(session, fresh, before)
        ids = store.store(
            statements,
            organisation=session.organisation,
            authority=record.balie_agent(),
            attachments=attachments,
        )
        now = timezone.now()
        session.verbs = seen
        if fresh:
            session.last_statement_at = now
        if INITIALIZED in seen and session.initialized_at is None:
            session.initialized_at = now
        if TERMINATED in seen and session.terminated_at is None:
            session.terminated_at = now
        session.save(
            update_fields=["verbs", "last_statement_at", "initialized_at", "terminated_at"]
        )
    if fresh:
        au_statements_stored.send(
            sender=Cmi5Session,
            user=session.account.user,
            registration=session.registration,
            session_id=session.session_id,
            launched_at=session.launched_at,
        )
    return ids
