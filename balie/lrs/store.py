"""Writing statements: the one place where Statement rows (and their index rows, and the
deliveries to forwarders) are inserted. Both `/xapi/` and `record.record()` come here.

The statements given must already be valid xAPI (the API validates them first; `record` builds
them). Storing is idempotent by statement id: the same content again is accepted without a
second row; other content under a stored id raises `Conflict`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from balie.lrs.models import (
    VOIDED,
    Delivery,
    Forwarder,
    Relation,
    Statement,
    StatementActivity,
    StatementAgent,
)
from balie.orgs.models import Organisation

VERSION = "1.0.3"


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
    """Every agent a statement names, with its relation: actor and object are direct; the
    authority, the context's instructor and team, group members and what a sub-statement
    names are related."""

    def with_members(agent: dict[str, Any], relation: str) -> Iterator[tuple[dict, str]]:
        if agent_key(agent):
            yield agent, relation
        for member in agent.get("member", []):
            yield member, Relation.RELATED

    yield from with_members(statement["actor"], Relation.DIRECT)
    target = statement["object"]
    if target.get("objectType") in ("Agent", "Group"):
        yield from with_members(target, Relation.DIRECT)
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
    target = statement["object"]
    if target.get("objectType", "Activity") == "Activity":
        yield target["id"], Relation.DIRECT if top else Relation.RELATED
    if target.get("objectType") == "SubStatement":
        for activity_id, _ in _activities(target, top=False):
            yield activity_id, Relation.RELATED
    for group in statement.get("context", {}).get("contextActivities", {}).values():
        for activity in group if isinstance(group, list) else [group]:
            yield activity["id"], Relation.RELATED


def canonical(statement: dict[str, Any]) -> str:
    """The content that makes two statements the same, for the idempotence check: what the LRS
    adds (stored, authority, version) does not count."""
    content = {k: v for k, v in statement.items() if k not in ("stored", "authority", "version")}
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


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
) -> list[uuid.UUID]:
    """Store `statements` (valid xAPI; ids added where missing) for `organisation` and return
    their ids in order. Runs inside the caller's transaction when there is one."""
    now = timezone.now()
    prepared: list[dict[str, Any]] = []
    for given in statements:
        statement = dict(given)
        statement["id"] = (
            str(uuid.UUID(statement["id"])) if "id" in statement else str(uuid.uuid4())
        )
        statement.setdefault("timestamp", now.isoformat())
        statement["stored"] = now.isoformat()
        statement["authority"] = authority
        statement["version"] = VERSION
        prepared.append(statement)
    ids = [uuid.UUID(s["id"]) for s in prepared]
    if len(set(ids)) != len(ids):
        raise ValueError("the same statement id twice in one request")
    with transaction.atomic():
        stored = {
            row.statement_id: row.payload
            for row in Statement.objects.filter(statement_id__in=ids).only(
                "statement_id", "payload"
            )
        }
        fresh = []
        for statement, statement_id in zip(prepared, ids, strict=True):
            if statement_id in stored:
                if canonical(stored[statement_id]) != canonical(statement):
                    raise Conflict(str(statement_id))
                continue
            fresh.append(statement)
        rows = Statement.objects.bulk_create(
            [_row(s, organisation=organisation, client_id=client_id) for s in fresh]
        )
        if rows and rows[0].pk is None:  # backends that do not return ids (none we use)
            rows = list(Statement.objects.filter(statement_id__in=[r.statement_id for r in rows]))
        agents, activities = [], []
        for row in rows:
            seen_agents = set()
            for agent, relation in _agents(row.payload):
                key = (agent_hash(agent), relation)
                if key not in seen_agents:
                    seen_agents.add(key)
                    agents.append(
                        StatementAgent(statement=row, agent_hash=key[0], relation=relation)
                    )
            seen_activities = set()
            for activity_id, relation in _activities(row.payload):
                key = (digest(activity_id), relation)
                if key not in seen_activities:
                    seen_activities.add(key)
                    activities.append(
                        StatementActivity(statement=row, activity_hash=key[0], relation=relation)
                    )
        StatementAgent.objects.bulk_create(agents)
        StatementActivity.objects.bulk_create(activities)
        if rows:
            Delivery.objects.bulk_create(
                Delivery(forwarder=forwarder, statement=row, next_attempt_at=now)
                for forwarder in _forwarders_for(organisation)
                for row in rows
            )
    return ids


def _row(statement: dict[str, Any], *, organisation: Organisation, client_id: int | None):
    target = statement["object"]
    is_activity = target.get("objectType", "Activity") == "Activity"
    voids = None
    if statement["verb"]["id"] == VOIDED and target.get("objectType") == "StatementRef":
        voids = uuid.UUID(target["id"])
    registration = statement.get("context", {}).get("registration")
    return Statement(
        statement_id=uuid.UUID(statement["id"]),
        organisation=organisation,
        client_id=client_id,
        verb_id=statement["verb"]["id"],
        activity_id=target["id"] if is_activity else "",
        registration=uuid.UUID(registration) if registration else None,
        voids=voids,
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
