"""The Statement and About resources of `/xapi/` (xAPI 1.0.3, Communication 2.1 and 2.7).

A write reads the body (JSON, or multipart/mixed with attachments), validates every statement,
checks voiding and the attachment parts, and hands the statements to `store.store`, the one
write path. A read is either one statement by id or a page of a query (see `query.py`).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date

from balie.lib import jsonbody
from balie.lrs import cmi5, multipart, query, signature, store
from balie.lrs.http import (
    SUPPORTED_VERSIONS,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    xapi_resource,
)
from balie.lrs.models import VOIDED, Client, Statement
from balie.lrs.validate import UUID, validate_statement, validate_statements


@xapi_resource("GET", public=True)
def about(request: HttpRequest) -> HttpResponse:
    """Which xAPI versions this LRS speaks; open to anyone (the spec forbids asking for
    credentials here)."""
    return JsonResponse({"version": list(SUPPORTED_VERSIONS)})


@xapi_resource("GET", "PUT", "POST")
def statements(request: HttpRequest) -> HttpResponse:
    client: Client = request.xapi_client
    if request.method == "GET":
        if isinstance(client, cmi5.AuCredential):
            raise Forbidden("an AU's token may not read statements")
        if not client.may_read:
            raise Forbidden("this client may not read statements")
        return _get(request, client)
    if not client.may_write:
        raise Forbidden("this client may not write statements")
    if request.method == "PUT":
        return _put(request, client)
    return _post(request, client)


def _put(request: HttpRequest, client: Client) -> HttpResponse:
    unknown = sorted(set(request.GET) - {"statementId"})
    if unknown:
        raise BadRequest(f"{unknown[0]}: not a parameter of a statement PUT")
    statement_id = request.GET.get("statementId")
    if not statement_id or not UUID.fullmatch(statement_id):
        raise BadRequest("statementId: a UUID is needed for a PUT")
    statement, attachments = _received(request)
    if not isinstance(statement, dict):
        raise BadRequest("the body of a PUT must be one statement")
    if "id" in statement and str(statement["id"]).lower() != statement_id.lower():
        raise BadRequest("statement.id: differs from the statementId parameter")
    statement = {**statement, "id": statement_id}
    validate_statement(statement, "statement")
    _save([statement], attachments, client)
    return HttpResponse(status=204)


def _post(request: HttpRequest, client: Client) -> HttpResponse:
    if request.GET:
        raise BadRequest(f"{next(iter(request.GET))}: not a parameter of a statement POST")
    body, attachments = _received(request)
    ids = _save(validate_statements(body), attachments, client)
    return JsonResponse([str(statement_id) for statement_id in ids], safe=False)


def _received(request: HttpRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The JSON body and the attachment parts (by hash) of a write."""
    content_type = request.META.get("CONTENT_TYPE", "")
    media = content_type.split(";")[0].strip().lower()
    if media == "multipart/mixed":
        parts = multipart.parse(request.body, content_type)
        if parts[0].content_type.split(";")[0].strip().lower() != "application/json":
            raise BadRequest("the first part of a multipart body must be application/json")
        return _json(parts[0].content), multipart.attachment_parts(parts)
    if media != "application/json":
        raise BadRequest("Content-Type: use application/json or multipart/mixed")
    return _json(request.body), {}


def _json(body: bytes) -> Any:
    try:
        return jsonbody.loads(body)
    except ValueError:
        raise BadRequest("the body is not valid JSON") from None


def _save(
    statements: list[dict[str, Any]], attachments: dict[str, tuple[str, bytes]], client: Client
) -> list[uuid.UUID]:
    _check_attachments(statements, attachments)
    signature.check(statements, attachments)
    if isinstance(client, cmi5.AuCredential):
        return cmi5.save_statements(client, statements, attachments)
    _check_voiding(statements, client)
    try:
        return store.store(
            statements,
            organisation=client.organisation,
            authority=client.authority(),
            client_id=client.pk,
            attachments=attachments,
        )
    except store.Conflict as clash:
        raise Conflict(f"statement {clash} is stored already, with other content") from None


def _check_attachments(
    statements: list[dict[str, Any]], attachments: dict[str, tuple[str, bytes]]
) -> None:
    """Every attachment without a fileUrl comes as a part; every part is an attachment."""
    declared = [a for s in statements for a in query.attachments_of(s)]
    for attachment in declared:
        if "fileUrl" not in attachment and attachment["sha2"].lower() not in attachments:
            raise BadRequest(
                f"attachment {attachment['sha2']}: no fileUrl and no part with this hash"
            )
    hashes = {a["sha2"].lower() for a in declared}
    for sha2 in attachments:
        if sha2 not in hashes:
            raise BadRequest(f"part with hash {sha2}: no statement has this attachment")


def _check_voiding(statements: list[dict[str, Any]], client: Client) -> None:
    """A voiding statement cannot be voided, and a client voids only what it may see."""
    targets = {
        uuid.UUID(s["object"]["id"]): index
        for index, s in enumerate(statements)
        if s["verb"]["id"] == VOIDED
    }
    if not targets:
        return
    voiding_here = {
        uuid.UUID(s["id"]) for s in statements if "id" in s and s["verb"]["id"] == VOIDED
    }
    stored = Statement.objects.filter(statement_id__in=targets).annotate(
        visible=Exists(Statement.objects.visible_to(client).filter(pk=OuterRef("pk")))
    )
    for statement_id, verb_id, visible in stored.values_list("statement_id", "verb_id", "visible"):
        if verb_id == VOIDED:
            voiding_here.add(statement_id)
        elif not visible:
            raise Forbidden(f"statement {statement_id} is not this client's to void")
    for target, index in targets.items():
        if target in voiding_here:
            raise BadRequest(
                f"statement[{index}].object: {target} is a voiding statement,"
                " which cannot be voided"
            )


def _get(request: HttpRequest, client: Client) -> HttpResponse:
    params = request.GET
    languages = query.accepted_languages(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if "statementId" in params or "voidedStatementId" in params:
        found = query.single(params, client)
        if found is None:
            raise NotFound("no such statement")
        body = query.shape(found.payload, query.statement_format(params), languages)
        response = _response(body, [found], query.flag(params, "attachments"), client)
        response["Last-Modified"] = http_date(found.stored.timestamp())
        return response
    if "more" in params:
        if len(params) > 1:
            raise BadRequest("more: give no other parameters with it")
        wanted = query.continued(params["more"], client)
    else:
        wanted = query.parse(params)
    rows, more = query.page(wanted, client)
    form = query.statement_format(wanted.params)
    body = {
        "statements": [query.shape(row.payload, form, languages) for row in rows],
        "more": query.more_link(wanted, rows[-1], client) if more else "",
    }
    response = _response(body, rows, query.flag(wanted.params, "attachments"), client)
    if rows:
        response["Last-Modified"] = http_date(max(row.stored for row in rows).timestamp())
    return response


def _response(
    body: dict[str, Any], rows: list[Statement], with_attachments: bool, client: Client
) -> HttpResponse:
    """JSON, or multipart/mixed with the attachments' content when asked for."""
    if not with_attachments:
        return JsonResponse(body)
    content, content_type = multipart.build(
        json.dumps(body).encode(), query.stored_attachments(rows, client.organisation_ids())
    )
    return HttpResponse(content, content_type=content_type)
