"""The document resources of `/xapi/` (xAPI 1.0.3, Communication 2.3–2.6): State, Activity
Profile and Agent Profile, and the Activities and Agents resources that describe what the
statements name.

A client reads and writes only its own organisation's documents. Unlike statements, documents
are replaced, merged and deleted, so ETags (the quoted SHA-1 of the content) guard the writes:
`If-Match` and `If-None-Match` are checked with the row locked (`select_for_update`; SQLite's
IMMEDIATE transactions serialise writers anyway), so that of two writers holding the same ETag
exactly one succeeds and the other gets 412.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from balie.lib import jsonbody
from balie.lrs import cmi5
from balie.lrs.agents import ABSOLUTE_IRI, IDENTIFIERS, parse_agent_param
from balie.lrs.http import BadRequest, Forbidden, NotFound, PreconditionFailed, xapi_resource
from balie.lrs.models import Activity, Client, Document, Relation, StatementAgent
from balie.lrs.store import agent_hash, agent_key, digest
from balie.orgs.models import Organisation

MAX_DOCUMENT_ID = 2048  # the length of Document.document_id
MAX_CONTENT_TYPE = 255  # the length of Document.content_type
NAMES_FROM_STATEMENTS = 50  # the Agents resource reads names from this many recent statements
AGENT_PLACES = ("actor", "object", "authority", "context", "instructor", "team", "member")
BLIND_PUT = (
    "This document exists already. Check its current state with GET and send the PUT again "
    "with an If-Match header carrying the ETag you got (or If-None-Match: * to create only)."
)


@dataclass(frozen=True)
class Resource:
    """What sets the three document resources apart."""

    kind: str
    id_param: str
    scope: tuple[str, ...]  # the parameters that say whose documents these are
    delete_all: bool  # a DELETE without the id parameter deletes every document in scope
    blind_put: bool  # a PUT without If-Match/If-None-Match may replace an existing document


STATE = Resource(
    Document.Kind.STATE, "stateId", ("activityId", "agent", "registration"), True, True
)
ACTIVITY_PROFILE = Resource(
    Document.Kind.ACTIVITY_PROFILE, "profileId", ("activityId",), False, False
)
AGENT_PROFILE = Resource(Document.Kind.AGENT_PROFILE, "profileId", ("agent",), False, False)


@dataclass(frozen=True)
class Target:
    """The documents that a request is about."""

    scope: dict[str, str]  # kind, activity_hash, agent_hash; registration when one is given
    document_id: str | None
    since: datetime | None

    def one(self) -> dict[str, str]:
        """The filter for the single document `document_id` (a document stored without a
        registration is a different one from each stored with one)."""
        assert self.document_id is not None
        return {"registration": "", **self.scope, "document_hash": digest(self.document_id)}


@xapi_resource("GET", "PUT", "POST", "DELETE")
def state(request: HttpRequest) -> HttpResponse:
    return _serve(request, STATE)


@xapi_resource("GET", "PUT", "POST", "DELETE")
def activity_profile(request: HttpRequest) -> HttpResponse:
    return _serve(request, ACTIVITY_PROFILE)


@xapi_resource("GET", "PUT", "POST", "DELETE")
def agent_profile(request: HttpRequest) -> HttpResponse:
    return _serve(request, AGENT_PROFILE)


@xapi_resource("GET")
def activities(request: HttpRequest) -> HttpResponse:
    """The Activity object for `activityId`: its canonical definition as the organisation's
    statements gave it, or just the id when no statement has defined it."""
    client = _client_for(request)
    _only(request.GET, ("activityId",))
    activity_id = _activity_id(request.GET)
    definition = (
        Activity.objects.filter(organisation=client.organisation, activity_hash=digest(activity_id))
        .values_list("definition", flat=True)
        .first()
    )
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = definition
    return _json(activity)


@xapi_resource("GET")
def agents(request: HttpRequest) -> HttpResponse:
    """The Person object for `agent`: its identifier, and the names under which the
    organisation's recent statements knew it."""
    client = _client_for(request)
    _only(request.GET, ("agent",))
    agent = parse_agent_param(_required(request.GET, "agent"))
    if agent.get("objectType", "Agent") != "Agent":
        raise BadRequest("agent: must be an Agent, not a Group")
    return _json(_person(client.organisation, agent))


def _serve(request: HttpRequest, resource: Resource) -> HttpResponse:
    client = _client_for(request, resource)
    target = _target(request, resource)
    if request.method == "GET" and target.document_id is not None:
        return _get_document(client.organisation, target)
    if request.method == "GET":
        return _get_ids(client.organisation, target)
    if request.method == "DELETE":
        return _delete_documents(request, organisation=client.organisation, target=target)
    try:
        return _store_document(request, resource, organisation=client.organisation, target=target)
    except IntegrityError:
        # Two first writes of one document at the same moment, and the other one created it:
        # write again, now against that document (412, 409, merge or replace as usual).
        return _store_document(request, resource, organisation=client.organisation, target=target)


def _client_for(request: HttpRequest, resource: Resource | None = None) -> Client:
    """The request's client, if it may do what the method asks. A cmi5 AU's token reaches
    its own documents only, and not the Activities and Agents resources."""
    client: Client = request.xapi_client
    if isinstance(client, cmi5.AuCredential):
        if resource is None:
            raise Forbidden("an AU's token reaches its own documents only")
        cmi5.check_document(
            client, kind=resource.kind, params=request.GET.dict(), method=request.method
        )
    if request.method == "GET" and not client.may_read:
        raise Forbidden("this client may not read")
    if request.method != "GET" and not client.may_write:
        raise Forbidden("this client may not write")
    return client


def _target(request: HttpRequest, resource: Resource) -> Target:
    params = request.GET
    _only(params, (*resource.scope, resource.id_param, "since"))
    scope = {"kind": resource.kind, "activity_hash": "", "agent_hash": ""}
    if "activityId" in resource.scope:
        scope["activity_hash"] = digest(_activity_id(params))
    if "agent" in resource.scope:
        scope["agent_hash"] = agent_hash(parse_agent_param(_required(params, "agent")))
    if "registration" in params:
        scope["registration"] = _registration(params["registration"])
    document_id = params.get(resource.id_param)
    if document_id is not None and not 0 < len(document_id) <= MAX_DOCUMENT_ID:
        raise BadRequest(f"{resource.id_param}: must be 1 to {MAX_DOCUMENT_ID} characters")
    needs_id = request.method in ("PUT", "POST") or (
        request.method == "DELETE" and not resource.delete_all
    )
    if document_id is None and needs_id:
        raise BadRequest(f"the {resource.id_param} parameter is missing")
    since = None
    if "since" in params:
        if request.method != "GET" or document_id is not None:
            raise BadRequest(
                f"since is only allowed when asking for the ids, without {resource.id_param}"
            )
        since = _since(params["since"])
    return Target(scope=scope, document_id=document_id, since=since)


def _get_document(organisation: Organisation, target: Target) -> HttpResponse:
    document = Document.objects.filter(organisation=organisation, **target.one()).first()
    if document is None:
        raise NotFound("no such document")
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response


def _get_ids(organisation: Organisation, target: Target) -> HttpResponse:
    documents = Document.objects.filter(organisation=organisation, **target.scope)
    if target.since is not None:
        documents = documents.filter(updated__gt=target.since)
    ids = documents.order_by("document_id").values_list("document_id", flat=True).distinct()
    return _json(list(ids))  # an id stored under several registrations is listed once


@transaction.atomic
def _store_document(
    request: HttpRequest, resource: Resource, *, organisation: Organisation, target: Target
) -> HttpResponse:
    """PUT replaces the document, POST merges a JSON object into it; both create it when it
    is missing. The preconditions are checked against the locked row."""
    current = (
        Document.objects.select_for_update()
        .filter(organisation=organisation, **target.one())
        .first()
    )
    _check_preconditions(request, current)
    conditional = "If-Match" in request.headers or "If-None-Match" in request.headers
    if (
        request.method == "PUT"
        and current is not None
        and not resource.blind_put
        and not conditional
    ):
        return HttpResponse(BLIND_PUT, status=409, content_type="text/plain; charset=utf-8")
    content = request.body
    content_type = request.META.get("CONTENT_TYPE") or "application/octet-stream"
    if len(content_type) > MAX_CONTENT_TYPE:
        raise BadRequest(f"the Content-Type is longer than {MAX_CONTENT_TYPE} characters")
    if request.method == "POST":
        content, content_type = _merged(current, content, content_type)
    fields = {
        "content": content,
        "content_type": content_type,
        "etag": _sha1(content),
        "updated": timezone.now(),
    }
    if current is None:
        Document.objects.create(
            organisation=organisation, document_id=target.document_id, **target.one(), **fields
        )
    else:
        Document.objects.filter(pk=current.pk).update(**fields)
    return HttpResponse(status=204)


@transaction.atomic
def _delete_documents(
    request: HttpRequest, *, organisation: Organisation, target: Target
) -> HttpResponse:
    """Delete the one document named, or (State only) every document in scope."""
    documents = Document.objects.filter(organisation=organisation)
    if target.document_id is None:
        documents.filter(**target.scope).delete()
        return HttpResponse(status=204)
    current = documents.select_for_update().filter(**target.one()).first()
    _check_preconditions(request, current)
    if current is not None:
        current.delete()
    return HttpResponse(status=204)


def _check_preconditions(request: HttpRequest, current: Document | None) -> None:
    if_match = request.headers.get("If-Match")
    if if_match is not None and not _matches(if_match, current):
        raise PreconditionFailed("If-Match: the document has changed since, or does not exist")
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and _matches(if_none_match, current):
        raise PreconditionFailed("If-None-Match: the document exists already")


def _matches(header: str, current: Document | None) -> bool:
    """Whether an If-Match/If-None-Match list ("*", or quoted ETags) names `current`."""
    if current is None:
        return False
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    return "*" in tags or current.etag in tags


def _merged(current: Document | None, content: bytes, content_type: str) -> tuple[bytes, str]:
    """POST: the posted JSON object's properties replace those of the stored one."""
    posted = _json_object(content, content_type, "the posted document")
    if current is None:
        return content, content_type
    stored = _json_object(bytes(current.content), current.content_type, "the stored document")
    return json.dumps({**stored, **posted}).encode(), "application/json"


def _json_object(content: bytes, content_type: str, what: str) -> dict[str, Any]:
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest(f"{what} is not application/json: POST merges JSON objects; use PUT")
    try:
        value = jsonbody.loads(content)
    except ValueError:
        raise BadRequest(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{what} is not a JSON object: POST merges JSON objects; use PUT")
    return value


def _person(organisation: Organisation, agent: dict[str, Any]) -> dict[str, Any]:
    key = agent_key(agent)
    payloads = (
        # One RELATED row per statement that names the agent anywhere (see store._agents).
        StatementAgent.objects.filter(
            agent_hash=digest(key),
            relation=Relation.RELATED,
            statement__organisation=organisation,
        )
        .order_by("-statement_id")
        .values_list("statement__payload", flat=True)[:NAMES_FROM_STATEMENTS]
    )
    names = [agent["name"]] if "name" in agent else []
    for payload in payloads:
        names.extend(name for name in _names_in(payload, key) if name not in names)
    person: dict[str, Any] = {"objectType": "Person"}
    if names:
        person["name"] = names
    for identifier in IDENTIFIERS:
        if identifier in agent:
            person[identifier] = [agent[identifier]]
    return person


def _names_in(value: Any, key: str) -> Iterator[str]:
    """The names a statement gives the agent whose identifier is `key`, wherever a statement
    can name an agent (actor, object, authority, instructor, team, members, sub-statements)."""
    if isinstance(value, list):
        for item in value:
            yield from _names_in(item, key)
        return
    if not isinstance(value, dict):
        return
    if (
        isinstance(value.get("name"), str)
        and value.get("objectType", "Agent") in ("Agent", "Group")
        and agent_key(value) == key
    ):
        yield value["name"]
    for place in AGENT_PLACES:
        if place in value:
            yield from _names_in(value[place], key)


def _only(params: QueryDict, allowed: tuple[str, ...]) -> None:
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name!r}; allowed here: {', '.join(allowed)}")
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"the {name} parameter is given more than once")


def _required(params: QueryDict, name: str) -> str:
    value = params.get(name)
    if not value:
        raise BadRequest(f"the {name} parameter is missing")
    return value


def _activity_id(params: QueryDict) -> str:
    value = _required(params, "activityId")
    if not ABSOLUTE_IRI.fullmatch(value):
        raise BadRequest("activityId: must be an IRI")
    return value


def _registration(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadRequest("registration: must be a UUID") from None


def _since(text: str) -> datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest("since: must be an ISO 8601 timestamp")
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _json(value: Any) -> HttpResponse:
    """A JSON response with an ETag, as every GET has."""
    body = json.dumps(value).encode()
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = f'"{_sha1(body)}"'
    return response


def _sha1(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()
