"""Writing statements: the one place where Statement rows (and their index rows, and the
deliveries to forwarders) are inserted. Both `/xapi/` and `record.record()` come here.

The statements given must already be valid xAPI (the API validates them first; `record` builds
them). Storing is idempotent by statement id: the same content again is accepted without a
second row; other content under a stored id raises `Conflict`. Two requests that store the same
id at the same moment meet at the unique constraint: the loser compares again and is accepted
or refused like a late request.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from balie.lrs.models import (
    VOIDED,
    Activity,
    Attachment,
    Delivery,
    Forwarder,
    Relation,
    Statement,
    StatementActivity,
    StatementAgent,
)
from balie.orgs.models import Organisation

DEFAULT_VERSION = "1.0.0"  # what a statement without `version` is stored as (Data 2.4.10)


class Conflict(Exception):
    """A statement id that is stored already, with other content."""


def digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def agent_key(agent: dict[str, Any]) -> str:
    """The inverse functional identifier of an agent or identified group, as one string."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"].lower()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        account = agent["account"]
        return f"account:{account['homePage']}|{account['name']}"
    return ""  # an anonymous group: members only


def agent_hash(agent: dict[str, Any]) -> str:
    return digest(agent_key(agent))


def _agents(statement: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """The agents that `agent=` matches (direct: actor and object) and, with `related_agents`,
    every agent the statement names (related: those, the authority, the context's instructor
    and team, group members and what a sub-statement names)."""

    def with_members(agent: dict[str, Any], relation: str) -> Iterator[tuple[dict, str]]:
        if agent_key(agent):
            yield agent, relation
        for member in agent.get("member", []):
            yield member, Relation.RELATED

    for agent, relation in with_members(statement["actor"], Relation.DIRECT):
        yield agent, relation
        if relation == Relation.DIRECT:
            yield agent, Relation.RELATED
    target = statement["object"]
    if target.get("objectType") in ("Agent", "Group"):
        for agent, relation in with_members(target, Relation.DIRECT):
            yield agent, relation
            if relation == Relation.DIRECT:
                yield agent, Relation.RELATED
    if target.get("objectType") == "SubStatement":
        for agent, _ in _agents(target):
            yield agent, Relation.RELATED
    context = statement.get("context", {})
    for key in ("instructor", "team"):
        if key in context:
            for agent, _ in with_members(context[key], Relation.RELATED):
                yield agent, Relation.RELATED
    if "authority" in statement:
        for agent, _ in with_members(statement["authority"], Relation.RELATED):
            yield agent, Relation.RELATED


def _activities(statement: dict[str, Any], *, top: bool = True) -> Iterator[tuple[str, str]]:
    """Like `_agents`: the object (direct) and every activity the statement names."""
    target = statement["object"]
    if target.get("objectType", "Activity") == "Activity":
        if top:
            yield target["id"], Relation.DIRECT
        yield target["id"], Relation.RELATED
    if target.get("objectType") == "SubStatement":
        for activity_id, _ in _activities(target, top=False):
            yield activity_id, Relation.RELATED
    for group in statement.get("context", {}).get("contextActivities", {}).values():
        for activity in group if isinstance(group, list) else [group]:
            yield activity["id"], Relation.RELATED


def canonical(statement: dict[str, Any], *, untimed: bool = False) -> str:
    """The content that makes two statements the same, for the idempotence check: what the LRS
    adds (stored, authority, version; the timestamp when the client gave none) does not
    count."""
    added = {"stored", "authority", "version"} | ({"timestamp"} if untimed else set())
    content = {k: v for k, v in statement.items() if k not in added}
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def _with_activity_lists(statement: dict[str, Any]) -> dict[str, Any]:
    """A copy of `statement` whose context activities are lists, also where the client gave a
    single activity: the LRS returns them as lists (Data 2.4.6.2), in a sub-statement too."""
    copy = dict(statement)
    context = copy.get("context", {})
    if "contextActivities" in context:
        copy["context"] = {
            **context,
            "contextActivities": {
                key: group if isinstance(group, list) else [group]
                for key, group in context["contextActivities"].items()
            },
        }
    if copy["object"].get("objectType") == "SubStatement":
        copy["object"] = _with_activity_lists(copy["object"])
    return copy


def _forwarders_for(organisation: Organisation) -> list[Forwarder]:
    ids = []
    current: Organisation | None = organisation
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return list(Forwarder.objects.filter(organisation_id__in=ids, is_active=True))


def store(
    statements: Iterable[dict[str, Any]],
    *,
    organisation: Organisation,
    authority: dict[str, Any],
    client_id: int | None = None,
    attachments: dict[str, tuple[str, bytes]] | None = None,
) -> list[uuid.UUID]:
    """Store `statements` (valid xAPI; ids added where missing) for `organisation` and return
    their ids in order; `attachments` maps a sha2 to (content type, content). Runs inside the
    caller's transaction when there is one."""
    now = timezone.now()
    prepared: list[dict[str, Any]] = []
    untimed: set[str] = set()
    for given in statements:
        statement = _with_activity_lists(given)
        statement["id"] = (
            str(uuid.UUID(statement["id"])) if "id" in statement else str(uuid.uuid4())
        )
        if "timestamp" not in statement:
            untimed.add(statement["id"])
            statement["timestamp"] = now.isoformat()
        statement["stored"] = now.isoformat()
        statement["authority"] = authority
        statement.setdefault("version", DEFAULT_VERSION)
        prepared.append(statement)
    ids = [uuid.UUID(s["id"]) for s in prepared]
    if len(set(ids)) != len(ids):
        raise ValueError("the same statement id twice in one request")
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _insert(prepared, untimed, organisation, client_id, attachments or {}, now)
            break
        except IntegrityError:
            if attempt == 2:  # a second clash cannot be the race that the retry is for
                raise
    return ids


def _insert(prepared, untimed, organisation, client_id, attachments, now) -> None:
    ids = [uuid.UUID(s["id"]) for s in prepared]
    stored = {
        row.statement_id: row.payload
        for row in Statement.objects.filter(statement_id__in=ids).only("statement_id", "payload")
    }
    fresh = []
    for statement, statement_id in zip(prepared, ids, strict=True):
        if statement_id in stored:
            is_untimed = statement["id"] in untimed
            if canonical(stored[statement_id], untimed=is_untimed) != canonical(
                statement, untimed=is_untimed
            ):
                raise Conflict(str(statement_id))
            continue
        fresh.append(statement)
    if not fresh:
        return
    rows = Statement.objects.bulk_create(
        [_row(s, organisation=organisation, client_id=client_id) for s in fresh]
    )
    agents, activities = _index_rows(rows)
    StatementAgent.objects.bulk_create(agents)
    StatementActivity.objects.bulk_create(activities)
    Activity.objects.bulk_create(
        _definitions(fresh, organisation),
        update_conflicts=True,
        unique_fields=["organisation", "activity_hash"],
        update_fields=["activity_id", "definition"],
    )
    Attachment.objects.bulk_create(
        [
            Attachment(organisation=organisation, sha2=sha2, content_type=kind, content=content)
            for sha2, (kind, content) in attachments.items()
        ],
        ignore_conflicts=True,
    )
    Delivery.objects.bulk_create(
        Delivery(forwarder=forwarder, statement=row, next_attempt_at=now)
        for forwarder in _forwarders_for(organisation)
        for row in rows
    )


def index_entries(statement: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (hash, relation) pairs of the agents and of the activities that `statement` names:
    its StatementAgent and StatementActivity rows."""
    agents = {(agent_hash(agent), relation) for agent, relation in _agents(statement)}
    activities = {(digest(activity), relation) for activity, relation in _activities(statement)}
    return agents, activities


def _index_rows(rows: list[Statement]) -> tuple[list[StatementAgent], list[StatementActivity]]:
    agents, activities = [], []
    for row in rows:
        agent_entries, activity_entries = index_entries(row.payload)
        agents += [
            StatementAgent(statement=row, agent_hash=h, relation=r) for h, r in agent_entries
        ]
        activities += [
            StatementActivity(statement=row, activity_hash=h, relation=r)
            for h, r in activity_entries
        ]
    return agents, activities


def _definitions(statements: list[dict[str, Any]], organisation: Organisation) -> list[Activity]:
    """The canonical definitions that the Activities resource returns, updated with those the
    statements give (Data 2.4.4.1.s4.b3): see `merge_definition`."""
    given: dict[str, dict[str, Any]] = {}
    for statement in statements:
        for activity in _defined_activities(statement):
            given[activity["id"]] = merge_definition(
                given.get(activity["id"], {}), activity["definition"]
            )
    if not given:
        return []
    stored = dict(
        Activity.objects.filter(
            organisation=organisation, activity_hash__in=[digest(i) for i in given]
        ).values_list("activity_hash", "definition")
    )
    return [
        Activity(
            organisation=organisation,
            activity_id=activity_id,
            activity_hash=digest(activity_id),
            definition=merge_definition(stored.get(digest(activity_id), {}), definition),
        )
        for activity_id, definition in given.items()
    ]


def merge_definition(stored: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A definition given later replaces each property it has, except that its language maps
    (name, description) add to the stored ones: a statement in Dutch does not remove the
    English name that an earlier one gave (Data 3.2.s4.b3: preserve names not included)."""
    merged = {**stored, **given}
    for key in ("name", "description"):
        if isinstance(stored.get(key), dict) and isinstance(given.get(key), dict):
            merged[key] = {**stored[key], **given[key]}
    return merged


def _defined_activities(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    candidates = [target] if kind == "Activity" else []
    for group in statement.get("context", {}).get("contextActivities", {}).values():
        candidates.extend(group if isinstance(group, list) else [group])
    yield from (activity for activity in candidates if activity.get("definition"))
    if kind == "SubStatement":
        yield from _defined_activities(target)


def _row(statement: dict[str, Any], *, organisation: Organisation, client_id: int | None):
    target = statement["object"]
    is_activity = target.get("objectType", "Activity") == "Activity"
    refers_to = None
    if target.get("objectType") == "StatementRef":
        refers_to = uuid.UUID(target["id"])
    registration = statement.get("context", {}).get("registration")
    return Statement(
        statement_id=uuid.UUID(statement["id"]),
        organisation=organisation,
        client_id=client_id,
        verb_id=statement["verb"]["id"],
        activity_id=target["id"] if is_activity else "",
        registration=uuid.UUID(registration) if registration else None,
        voids=refers_to if statement["verb"]["id"] == VOIDED else None,
        refers_to=refers_to,
        timestamp=_when(statement["timestamp"]),
        stored=_when(statement["stored"]),
        payload=statement,
    )


def _when(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment
