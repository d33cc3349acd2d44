"""Writing statements: the one place where Statement rows (and their index rows, and the
deliveries to forwarders) are inserted. Both `/xapi/` and `record.record()` come here.

The statements given must already be valid xAPI (the API validates them first; `record` builds
them). Storing is idempotent by statement id within the organisation (ids are unique per
organisation, so no organisation learns or takes another's): the same content again is
accepted without a second row; other content under a stored id raises `Conflict`. The insert
skips stored ids itself (`ON CONFLICT DO NOTHING`), so two requests that store the same id at
the same moment need no retry: the later one waits for the first, skips, and compares.

On PostgreSQL the rows of a request (statements, index rows, deliveries) are one SQL statement
with the values as JSON (one round trip, no ORM object per statement); elsewhere (SQLite, in
the process) an insert per statement and one per index table. The SQL is built from this
module's own names only; every value is a parameter.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from balie.lib.sql import prepared_rows
from balie.lrs.models import (
    VOIDED,
    Activity,
    Attachment,
    Relation,
    Statement,
    organisations_under,
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
    return dumps(content, sort_keys=True).decode()


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """JSON by orjson (fast), else by the standard library: orjson refuses integers beyond
    64 bits, which a statement may carry (in an extension), and which JSON allows."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:
        return json.dumps(
            value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode()


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
    with contextlib.nullcontext() if _alone(prepared, attachments) else transaction.atomic():
        _insert(prepared, untimed, organisation, client_id, attachments or {}, now)
    return ids


def _alone(prepared: list[dict[str, Any]], attachments) -> bool:
    """Whether the write needs no transaction of its own: one statement without attachments,
    outside a transaction, is written on PostgreSQL by one SQL statement, atomic by itself.
    A transaction's BEGIN and COMMIT would be two of the four round trips of a statement POST.
    What may follow the write is a changed activity definition (rare): should that fail, the
    statement is kept, and the next statement that gives the definition (authoring tools send
    it with every one) merges it."""
    return (
        len(prepared) == 1
        and not attachments
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def voided_targets(
    targets: Iterable[uuid.UUID], own: int, visible: list[int]
) -> dict[uuid.UUID, tuple[int, str, bool]]:
    """Which stored statement each voiding target names, as (organisation id, verb, whether
    Balie recorded it): the one of `own` organisation, else the first stored of the `visible`
    ones. Targets that none of them stored are left out: a statement of another organisation
    is not there for them."""
    found: dict[uuid.UUID, tuple[int, str, bool]] = {}
    rows = (
        Statement.objects.filter(organisation_id__in=visible, statement_id__in=list(targets))
        .order_by("pk")
        .values_list("statement_id", "organisation_id", "verb_id", "client_id")
    )
    for statement_id, organisation_id, verb_id, client_id in rows:
        if statement_id not in found or organisation_id == own:
            found[statement_id] = (organisation_id, verb_id, client_id is None)
    return found


def _insert(prepared, untimed, organisation, client_id, attachments, now) -> None:
    """Insert the rows of the statements not stored yet (a stored id is skipped in the
    database, `ON CONFLICT DO NOTHING`, which also settles two requests storing the same id at
    once); then compare the skipped ones with what their organisation stored."""
    voiding = [uuid.UUID(s["object"]["id"]) for s in prepared if s["verb"]["id"] == VOIDED]
    voided_in = {}
    if voiding:
        found = voided_targets(voiding, organisation.pk, organisations_under(organisation.pk))
        voided_in = {target: organisation_id for target, (organisation_id, *_) in found.items()}
    rows = [_row(s, organisation.pk, client_id, voided_in) for s in prepared]
    write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
    forwarded = _forwarded_per_person(organisation, client_id)
    defined = sorted({digest(a["id"]) for s in prepared for a in _defined_activities(s)})
    inserted, stored = write(
        rows,
        [index_entries(s) for s in prepared],
        organisation.pk,
        client_id,
        now,
        forwarded,
        defined,
    )
    _check_repeated([s for s in prepared if s["id"] not in inserted], untimed, organisation)
    fresh = [s for s in prepared if s["id"] in inserted]
    Activity.objects.bulk_create(
        _definitions(fresh, organisation, stored),
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


def _check_repeated(repeated, untimed, organisation) -> None:
    """Statements whose id the organisation stored already: the same content is accepted
    (nothing is written), other content raises `Conflict`."""
    if not repeated:
        return
    stored = dict(
        Statement.objects.filter(
            organisation=organisation, statement_id__in=[s["id"] for s in repeated]
        ).values_list("statement_id", "payload")
    )
    for statement in repeated:
        is_untimed = statement["id"] in untimed
        if canonical(stored[uuid.UUID(statement["id"])], untimed=is_untimed) != canonical(
            statement, untimed=is_untimed
        ):
            raise Conflict(statement["id"])


# The columns of lrs_statement that `_row` fills, in its order, with their types (organisation
# and client are the same for every row of a request and given apart).
COLUMNS = {
    "statement_id": "uuid",
    "verb_id": "text",
    "activity_id": "text",
    "registration": "uuid",
    "voids": "uuid",
    "voids_organisation_id": "bigint",
    "refers_to": "uuid",
    "timestamp": "timestamptz",
    "stored": "timestamptz",
    "payload": "jsonb",
}

# The organisations above an organisation and itself: whose forwarders get its statements.
ABOVE = """up(id) AS (
    SELECT CAST(%s AS bigint) UNION ALL
    SELECT o.parent_id FROM orgs_organisation AS o JOIN up ON o.id = up.id
    WHERE o.parent_id IS NOT NULL
)"""
# Its second parameter: whether a library's or POI's forwarder may have the statements too (see
# `_forwarded_per_person`); the national organisation's forwarders get them all.
DELIVERIES = """INSERT INTO lrs_delivery (forwarder_id, statement_id, attempts, next_attempt_at)
    SELECT f.id, s.id, 0, %s FROM lrs_forwarder AS f CROSS JOIN {statements} AS s
    WHERE f.is_active AND f.organisation_id IN (SELECT id FROM up)
    AND (%s OR f.organisation_id IN (SELECT id FROM orgs_organisation WHERE kind = 'national'))"""


def _forwarded_per_person(organisation: Organisation, client_id: int | None) -> bool:
    """Whether the forwarders of `organisation`'s library and POI get these statements: what a
    tool stored (`client_id`), always; what Balie recorded of a person, only where the library
    recorded its works council's agreement (a branch follows its library), the rule of the
    xAPI clients (`Client.without_agreement_ids`)."""
    if client_id is not None or organisation.works_council_agreed_on is not None:
        return True
    library = organisation.parent_id
    return (
        organisation.kind == Organisation.Kind.BRANCH
        and library is not None
        and Organisation.objects.filter(pk=library, works_council_agreed_on__isnull=False).exists()
    )


def _write_postgresql(
    rows, entries, organisation_id, client_id, now, forwarded, defined
) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """One SQL statement and one round trip for the whole request, prepared (planned once per
    connection): the statement rows from one JSON parameter (`jsonb_to_recordset`: serialised
    once, by orjson, and parsed by PostgreSQL without a value per parameter), and from the rows
    inserted, their index rows and their deliveries. Answers the ids inserted, and the stored
    definitions of the `defined` activity hashes (read in the same statement)."""
    columns = ", ".join(COLUMNS)
    types = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    sql = f"""WITH RECURSIVE {ABOVE},
    s AS (
        INSERT INTO lrs_statement (organisation_id, client_id, {columns})
        SELECT CAST(%s AS bigint), CAST(%s AS bigint), {columns}
        FROM jsonb_to_recordset(%s::jsonb) AS x({types})
        ON CONFLICT (organisation_id, statement_id) DO NOTHING
        RETURNING id, statement_id
    ),
    entries AS (
        SELECT s.id, x.kind, x.hash, x.relation
        FROM jsonb_to_recordset(%s::jsonb) AS x(statement_id uuid, kind text, hash text,
            relation text)
        JOIN s ON s.statement_id = x.statement_id
    ),
    agents AS (
        INSERT INTO lrs_statementagent (statement_id, agent_hash, relation)
        SELECT id, hash, relation FROM entries WHERE kind = 'agent'
    ),
    activities AS (
        INSERT INTO lrs_statementactivity (statement_id, activity_hash, relation)
        SELECT id, hash, relation FROM entries WHERE kind = 'activity'
    ),
    deliveries AS ({DELIVERIES.format(statements="s")})
    SELECT statement_id, NULL, NULL FROM s
    UNION ALL
    SELECT NULL, activity_hash, CAST(definition AS text) FROM lrs_activity
    WHERE organisation_id = %s AND activity_hash = ANY(CAST(%s AS text[]))"""  # noqa: S608 - only this module's names; values are params
    agents, activities = _entries(rows, entries)
    given = dumps([dict(zip(COLUMNS, row, strict=True)) for row in rows])
    index = dumps(
        [
            {"statement_id": statement_id, "kind": kind, "hash": h, "relation": r}
            for kind, found in (("agent", agents), ("activity", activities))
            for statement_id, h, r in found
        ]
    )
    params = [organisation_id, organisation_id, client_id, given.decode(), index.decode()]
    params += [now, forwarded, organisation_id, defined]
    inserted, stored = set(), {}
    for statement_id, activity_hash, definition in prepared_rows(sql, params):
        if statement_id is not None:
            inserted.add(str(statement_id))
        else:
            stored[activity_hash] = json.loads(definition)
    return inserted, stored


def _write_portable(
    rows, entries, organisation_id, client_id, now, forwarded, defined
) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """The same, a statement at a time (SQLite: in the process, without round trips)."""
    inserted: dict[str, int] = {}
    insert = (
        f"INSERT INTO lrs_statement (organisation_id, client_id, {', '.join(COLUMNS)}) "  # noqa: S608
        f"VALUES (%s, %s, {', '.join(['%s'] * len(COLUMNS))}) "
        "ON CONFLICT (organisation_id, statement_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        for row in rows:
            values = [_portable(value) for value in row[:-1]] + [dumps(row[-1]).decode()]
            cursor.execute(insert, [organisation_id, client_id, *values])
            found = cursor.fetchone()
            if found:
                inserted[str(row[0])] = found[0]
        agents, activities = _entries(rows, entries)
        for table, column, kind in (
            ("lrs_statementagent", "agent_hash", agents),
            ("lrs_statementactivity", "activity_hash", activities),
        ):
            cursor.executemany(
                f"INSERT INTO {table} (statement_id, {column}, relation) VALUES (%s, %s, %s)",  # noqa: S608
                [(inserted[str(sid)], h, r) for sid, h, r in kind if str(sid) in inserted],
            )
        if inserted:
            marks = ", ".join(["%s"] * len(inserted))
            cursor.execute(
                f"WITH RECURSIVE {ABOVE} "
                + DELIVERIES.format(statements="lrs_statement")
                + f" AND s.id IN ({marks})",
                [organisation_id, _portable(now), forwarded, *inserted.values()],
            )
    stored = Activity.objects.filter(organisation_id=organisation_id, activity_hash__in=defined)
    return set(inserted), dict(stored.values_list("activity_hash", "definition"))


def _portable(value: Any) -> Any:
    """A value as Django's own fields store it on this database."""
    if isinstance(value, uuid.UUID):
        return value if connection.features.has_native_uuid_field else value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _entries(rows, entries):
    """The index rows as (statement id, hash, relation): of the agents, of the activities."""
    agents, activities = [], []
    for row, (agent_entries, activity_entries) in zip(rows, entries, strict=True):
        agents += [(row[0], h, r) for h, r in agent_entries]
        activities += [(row[0], h, r) for h, r in activity_entries]
    return agents, activities


def index_entries(statement: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (hash, relation) pairs of the agents and of the activities that `statement` names:
    its StatementAgent and StatementActivity rows."""
    agents = {(agent_hash(agent), relation) for agent, relation in _agents(statement)}
    activities = {(digest(activity), relation) for activity, relation in _activities(statement)}
    return agents, activities


def _definitions(
    statements: list[dict[str, Any]], organisation: Organisation, stored: dict[str, dict[str, Any]]
) -> list[Activity]:
    """The canonical definitions that the Activities resource returns, updated with those the
    statements give (Data 2.4.4.1.s4.b3): see `merge_definition`. Only the ones that change.
    `stored` holds the stored definitions by activity hash."""
    given: dict[str, dict[str, Any]] = {}
    for statement in statements:
        for activity in _defined_activities(statement):
            given[activity["id"]] = merge_definition(
                given.get(activity["id"], {}), activity["definition"]
            )
    changed = []
    for activity_id, definition in given.items():
        before = stored.get(digest(activity_id))
        merged = merge_definition(before or {}, definition)
        # Most statements repeat a definition as it is stored: writing it again would cost a
        # round trip and hold the activity's row lock until commit, one request after another.
        if merged != before:
            changed.append(
                Activity(
                    organisation=organisation,
                    activity_id=activity_id,
                    activity_hash=digest(activity_id),
                    definition=merged,
                )
            )
    return changed


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


def _row(statement: dict[str, Any], organisation_id: int, client_id, voided_in) -> tuple:
    """The values of `COLUMNS` for `statement`."""
    target = statement["object"]
    is_activity = target.get("objectType", "Activity") == "Activity"
    refers_to = None
    if target.get("objectType") == "StatementRef":
        refers_to = uuid.UUID(target["id"])
    voids = refers_to if statement["verb"]["id"] == VOIDED else None
    registration = statement.get("context", {}).get("registration")
    return (
        uuid.UUID(statement["id"]),
        statement["verb"]["id"],
        target["id"] if is_activity else "",
        uuid.UUID(registration) if registration else None,
        voids,
        voided_in.get(voids, organisation_id) if voids else None,
        refers_to,
        _when(statement["timestamp"]),
        _when(statement["stored"]),
        statement,
    )


def _when(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"not a timestamp: {text}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment
