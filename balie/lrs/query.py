"""Reading statements (Communication 2.1.3): the parameters of a statement GET, the page of
statements they select, `more` links that continue the same query, and the three formats.

Every query walks an index and pages by `Statement.id` (keyset), so that a page of one agent's
statements costs the same with a thousand or a million rows: `agent=` joins the
StatementAgent rows of one hash, `activity=` the StatementActivity rows, `verb=`, `registration=`
and the organisation have their own indexes.

Statements that target a matching statement through a StatementRef match too (the spec's
"Filter Conditions for StatementRefs", so a voiding statement is found with what it voided):
they are a second, small part of the same SQL query (by `refers_to`, a partial index), merged
into the page by id. A chain of references is followed `REFERENCE_DEPTH` deep.

The page is one SQL query built here (not the ORM: building the ORM's query cost more than
running it), from this module's own table and column names only; every value is a parameter.
Statement ids are unique per organisation: a client that sees several organisations may see an
id more than once, and `statementId` gives its own organisation's first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from balie.lib.sql import prepared_rows
from balie.lrs.agents import parse_agent_param
from balie.lrs.http import BadRequest
from balie.lrs.models import VISIBLE, Attachment, Client, Relation, Statement
from balie.lrs.store import agent_hash, digest
from balie.lrs.validate import IRI, TIMESTAMP, UUID

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
REFERENCE_DEPTH = 3
FILTERS = frozenset(
    {"agent", "verb", "activity", "registration", "related_activities", "related_agents"}
    | {"since", "until", "limit", "format", "attachments", "ascending"}
)
SINGLE = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
FORMATS = ("exact", "ids", "canonical")
MORE_SALT = "balie.lrs.more"
LANGUAGE_MAPS = frozenset({"display", "name", "description"})


@dataclass(frozen=True)
class StatementQuery:
    params: dict[str, str]  # as given, for the `more` link
    agent: str | None = None  # hashes
    activity: str | None = None
    verb: str | None = None
    registration: uuid.UUID | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    ascending: bool = False
    after: int | None = None  # the last id of the page before

    def matching(self, alias: str) -> tuple[str, str, list[Any]]:
        """The filters that a referenced statement may meet in place of its referrer, on the
        lrs_statement row `alias`: (joins, conditions, their parameters)."""
        joins, conditions, params = [], [], []
        if self.agent:
            joins.append(
                f"JOIN lrs_statementagent AS {alias}_a ON {alias}_a.statement_id = {alias}.id"
                f" AND {alias}_a.agent_hash = %s AND {alias}_a.relation = %s"
            )
            params += [self.agent, Relation.RELATED if self.related_agents else Relation.DIRECT]
        if self.activity:
            joins.append(
                f"JOIN lrs_statementactivity AS {alias}_c ON {alias}_c.statement_id = {alias}.id"
                f" AND {alias}_c.activity_hash = %s AND {alias}_c.relation = %s"
            )
            relation = Relation.RELATED if self.related_activities else Relation.DIRECT
            params += [self.activity, relation]
        if self.verb:
            conditions.append(f"{alias}.verb_id = %s")
            params.append(self.verb)
        if self.registration:
            conditions.append(f"{alias}.registration = %s")
            params.append(_value(self.registration))
        return " ".join(joins), "".join(f" AND {c}" for c in conditions), params

    @property
    def filters(self) -> bool:
        return bool(self.agent or self.activity or self.verb or self.registration)

    def window(self, alias: str) -> tuple[str, list[Any]]:
        """The time and sequence conditions, which apply to the referrer itself; and the
        order and limit of a page."""
        conditions, params = [], []
        if self.since:
            conditions.append(f"{alias}.stored > %s")
            params.append(_value(self.since))
        if self.until:
            conditions.append(f"{alias}.stored <= %s")
            params.append(_value(self.until))
        if self.after is not None:
            conditions.append(f"{alias}.id {'>' if self.ascending else '<'} %s")
            params.append(self.after)
        order = f" ORDER BY {alias}.id {'ASC' if self.ascending else 'DESC'} LIMIT %s"
        return "".join(f" AND {c}" for c in conditions) + order, [*params, self.limit + 1]


def parse(params: QueryDict) -> StatementQuery:
    unknown = sorted(set(params) - FILTERS)
    if unknown:
        raise BadRequest(f"{unknown[0]}: not a parameter of a statement query")
    given = {name: params[name] for name in params}
    fields: dict[str, Any] = {"params": given}
    if "agent" in given:
        fields["agent"] = agent_hash(parse_agent_param(given["agent"]))
    for name in ("verb", "activity"):
        if name in given and not IRI.fullmatch(given[name]):
            raise BadRequest(f"{name}: must be an absolute IRI")
    if "verb" in given:
        fields["verb"] = given["verb"]
    if "activity" in given:
        fields["activity"] = digest(given["activity"])
    if "registration" in given:
        if not UUID.fullmatch(given["registration"]):
            raise BadRequest("registration: must be a UUID")
        fields["registration"] = uuid.UUID(given["registration"])
    flag(given, "attachments")
    fields["related_agents"] = flag(given, "related_agents")
    fields["related_activities"] = flag(given, "related_activities")
    fields["ascending"] = flag(given, "ascending")
    for name in ("since", "until"):
        if name in given:
            fields[name] = moment(given[name], name)
    if "limit" in given:
        if not given["limit"].isdigit():
            raise BadRequest("limit: must be a whole number, 0 or more")
        fields["limit"] = min(int(given["limit"]) or MAX_LIMIT, MAX_LIMIT)
    statement_format(given)
    return StatementQuery(**fields)


def flag(params: dict[str, str] | QueryDict, name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise BadRequest(f"{name}: must be true or false")
    return value == "true"


def statement_format(params: dict[str, str] | QueryDict) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise BadRequest(f"format: must be one of {', '.join(FORMATS)}")
    return value


def moment(text: str, name: str) -> datetime:
    parsed = parse_datetime(text) if TIMESTAMP.fullmatch(text) else None
    if parsed is None:
        raise BadRequest(f"{name}: must be an ISO 8601 timestamp")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """A statement of a page: its place in the order of storing and the statement."""

    pk: int
    payload: dict[str, Any]

    @property
    def stored(self) -> datetime:
        return parse_datetime(self.payload["stored"])


# Whether the lrs_statement row `s` is voided: by a voiding statement that names its id and
# its organisation.
NOT_VOIDED = (
    "NOT EXISTS (SELECT 1 FROM lrs_statement AS v WHERE v.voids = s.statement_id"
    " AND v.voids_organisation_id = s.organisation_id)"
)


def page(query: StatementQuery, client: Client) -> tuple[list[Row], bool]:
    """The statements of one page, and whether there are more."""
    # The standard library's loads: orjson's would turn an integer beyond 64 bits into a
    # float, and the statement is returned as stored.
    found = [Row(pk, json.loads(text)) for pk, text in prepared_rows(*page_sql(query, client))]
    return found[: query.limit], len(found) > query.limit


def page_sql(query: StatementQuery, client: Client) -> tuple[str, list[Any]]:
    """The SQL of a page (one row more than the limit) and its parameters: it walks the
    indexes in the order of the page (agent and activity rows by hash, then by statement) and
    reads only the rows of the page (keyset paging on `Statement.id`)."""
    organisations = _seen("s")
    joins, conditions, params = query.matching("s")
    window, window_params = query.window("s")
    selected = (
        f"SELECT s.id FROM lrs_statement AS s {joins} WHERE 1 = 1{conditions}"  # noqa: S608
        f" AND {organisations} AND {NOT_VOIDED}{window}"
    )
    selected_params = [*params, *window_params]
    if query.filters:
        referring, referring_params = _referring(query)
        selected = (
            f"SELECT id FROM ({selected}) AS matched UNION "  # noqa: S608
            f"SELECT id FROM ({referring} AND {NOT_VOIDED}{window}) AS referring"
        )
        selected_params += [*referring_params, *window_params]
    payload = "payload::text" if connection.vendor == "postgresql" else "payload"
    hidden = client.without_agreement_ids()
    sql = (
        f"WITH {VISIBLE}, hidden(id) AS (SELECT id FROM orgs_organisation"  # noqa: S608
        f" WHERE id IN ({', '.join(['%s'] * len(hidden)) or 'NULL'}))"
        f" SELECT id, {payload} FROM lrs_statement"
        f" WHERE id IN ({selected}) ORDER BY id {'ASC' if query.ascending else 'DESC'}"
    )
    return sql, [*[client.organisation_id] * 4, *hidden, *selected_params]


def _seen(alias: str) -> str:
    """The statements a client sees (`StatementQuerySet.visible_to`): those of the
    `visible` organisations, without what Balie recorded of the people of an organisation
    whose works-council agreement is not recorded (`hidden`)."""
    return (
        f"{alias}.organisation_id IN (SELECT id FROM visible) AND NOT ({alias}.client_id IS NULL"  # noqa: S608
        f" AND {alias}.organisation_id IN (SELECT id FROM hidden))"
    )


def _referring(query: StatementQuery) -> tuple[str, list[Any]]:
    """The statements that target a matching statement through a StatementRef, a chain of
    `REFERENCE_DEPTH` at most: SQL (to be followed by conditions) and its parameters."""
    joins, conditions, params = query.matching("t")
    targeted = (
        f"SELECT t.statement_id FROM lrs_statement AS t {joins}"  # noqa: S608
        f" WHERE 1 = 1{conditions} AND {_seen('t')}"
    )
    targeted_params = params
    chain, chain_params = [], []
    for depth in range(REFERENCE_DEPTH):
        chain.append(f"s.refers_to IN ({targeted})")
        chain_params += targeted_params
        targeted = (
            f"SELECT r{depth}.statement_id FROM lrs_statement AS r{depth}"  # noqa: S608
            f" WHERE {_seen(f'r{depth}')}"
            f" AND r{depth}.refers_to IN ({targeted})"
        )
    sql = (
        "SELECT s.id FROM lrs_statement AS s"  # noqa: S608
        f" WHERE {_seen('s')} AND s.refers_to IS NOT NULL"
        f" AND ({' OR '.join(chain)})"
    )
    return sql, chain_params


def _value(value: Any) -> Any:
    """A value as Django's own fields store it on this database."""
    if isinstance(value, uuid.UUID):
        return value if connection.features.has_native_uuid_field else value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def more_link(query: StatementQuery, last: Row, client: Client) -> str:
    """A relative URL that continues `query` after `last`; only `client` can follow it."""
    token = signing.dumps(
        {"params": query.params, "after": last.pk, "client": client.pk},
        salt=MORE_SALT,
        compress=True,
    )
    return reverse("lrs:statements") + "?more=" + token


def continued(token: str, client: Client) -> StatementQuery:
    try:
        data = signing.loads(token, salt=MORE_SALT)
    except signing.BadSignature:
        raise BadRequest("more: not a link that this LRS gave") from None
    if data["client"] != client.pk:
        raise BadRequest("more: this link was given to another client")
    params = QueryDict(mutable=True)
    params.update(data["params"])
    query = parse(params)
    return StatementQuery(**{**query.__dict__, "after": data["after"]})


def single(params: QueryDict, client: Client) -> Statement | None:
    """The statement `statementId` names (not voided) or `voidedStatementId` (voided)."""
    unknown = sorted(set(params) - SINGLE)
    if unknown:
        raise BadRequest(f"{unknown[0]}: not allowed with statementId or voidedStatementId")
    if "statementId" in params and "voidedStatementId" in params:
        raise BadRequest("give statementId or voidedStatementId, not both")
    name = "statementId" if "statementId" in params else "voidedStatementId"
    if not UUID.fullmatch(params[name]):
        raise BadRequest(f"{name}: must be a UUID")
    flag(params, "attachments")
    statement_format(params)
    statements = Statement.objects.visible_to(client).filter(statement_id=params[name])
    statements = statements.not_voided() if name == "statementId" else statements.voided()
    found = list(statements.order_by("pk"))
    own = [row for row in found if row.organisation_id == client.organisation_id]
    return (own or found or [None])[0]


def shape(statement: dict[str, Any], form: str, languages: list[str]) -> dict[str, Any]:
    """The statement in format `form`: exact, ids (only what identifies agents, verbs and
    activities: an Activity's id, an Agent's or identified Group's identifier, an anonymous
    Group's members; Communication 2.1.3.s1 table, row 12) or canonical (language maps cut to
    the best of `languages`)."""
    if form == "ids":
        return _ids(statement)
    if form == "canonical":
        return _canonical(statement, languages)
    return statement


def _ids(statement: dict[str, Any]) -> dict[str, Any]:
    result = dict(statement)
    result["actor"] = _agent_ids(statement["actor"])
    result["verb"] = {"id": statement["verb"]["id"]}
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        result["object"] = {"id": target["id"]}
    elif kind in ("Agent", "Group"):
        result["object"] = _agent_ids(target)
    elif kind == "SubStatement":
        result["object"] = _ids(target)
    if "authority" in statement:
        result["authority"] = _agent_ids(statement["authority"])
    if "context" in statement:
        context = result["context"] = dict(statement["context"])
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _agent_ids(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                key: [{"id": a["id"]} for a in (group if isinstance(group, list) else [group])]
                for key, group in context["contextActivities"].items()
            }
    return result


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    kept = {"objectType": agent.get("objectType", "Agent")}
    for name in ("mbox", "mbox_sha1sum", "openid", "account"):
        if name in agent:
            kept[name] = agent[name]
            return kept
    kept["member"] = [_agent_ids(member) for member in agent.get("member", [])]
    return kept


def _canonical(value: Any, languages: list[str]) -> Any:
    """Every language map (display, name, description) cut to one entry."""
    if isinstance(value, list):
        return [_canonical(item, languages) for item in value]
    if not isinstance(value, dict):
        return value
    shaped = {}
    for key, item in value.items():
        if key == "extensions":
            shaped[key] = item
        elif key in LANGUAGE_MAPS and isinstance(item, dict):
            shaped[key] = _best(item, languages)
        else:
            shaped[key] = _canonical(item, languages)
    return shaped


def _best(language_map: dict[str, str], languages: list[str]) -> dict[str, str]:
    """The entry in the best language asked for (exactly, else by its primary subtag), else
    the undetermined one, else the first."""
    tags = {tag.lower(): tag for tag in language_map}
    for wanted in [*languages, "und"]:
        exact = tags.get(wanted)
        near = [t for lower, t in tags.items() if lower.split("-")[0] == wanted.split("-")[0]]
        chosen = exact or (near[0] if near else None)
        if chosen:
            return {chosen: language_map[chosen]}
    first = next(iter(language_map), None)
    return {first: language_map[first]} if first is not None else {}


def accepted_languages(header: str) -> list[str]:
    """The languages of an Accept-Language header, best first."""
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


def attachments_of(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The attachments of a statement and of its sub-statement."""
    found = list(statement.get("attachments", []))
    target = statement.get("object", {})
    if target.get("objectType") == "SubStatement":
        found.extend(target.get("attachments", []))
    return found


def stored_attachments(
    rows: list[Statement], organisation_ids: Iterable[int]
) -> list[tuple[str, str, bytes]]:
    """(sha2, content type, content) of the attachments of `rows` whose content one of
    `organisation_ids` holds: every one that came as a part, also one that has a fileUrl too
    (Communication 2.1.3.s2.b6: all attachments). For a GET with attachments=true and for
    forwarding."""
    hashes = {a["sha2"].lower() for row in rows for a in attachments_of(row.payload)}
    if not hashes:
        return []
    found = {}
    for attachment in Attachment.objects.filter(
        sha2__in=hashes, organisation_id__in=organisation_ids
    ).only("sha2", "content_type", "content"):
        found[attachment.sha2] = (
            attachment.sha2,
            attachment.content_type,
            bytes(attachment.content),
        )
    return list(found.values())
