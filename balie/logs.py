"""Structured logs: one line per event on standard error, as `line` (readable, the default) or as
`json` (one JSON object per line, for a log collector; BALIE_LOG_FORMAT=json in production).

Inside a request every line also carries the request's id, method, path and user id, taken from
a `contextvars` context that `balie.middleware.RequestLogMiddleware` opens around the request,
so that all lines of one request can be found together. What never goes in: the query string
(search words, tokens), e-mail addresses of the person making the request, and the secret part of
a calendar feed's address.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve

# A request id from the proxy is believed only if it cannot break a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")
# URL arguments that are secrets: a calendar feed's token opens the person's meetings.
SECRET_URL_ARGUMENTS = ("token",)
# Fields that the request log line passes as `extra`. Other extras are left out: Django's own
# put the whole request object there, whose text holds the query string.
EXTRA_FIELDS = ("status", "duration_ms")

_current: ContextVar[Request | None] = ContextVar("balie_request", default=None)


class Request:
    """What the log lines of one request share."""

    def __init__(self, request: HttpRequest, request_id: str) -> None:
        self.request = request
        self.id = request_id

    @cached_property
    def path(self) -> str:
        """Worked out when a line is logged, from the URL match Django made for the view when
        there is one (resolving costs as much as the rest of a small request)."""
        request = self.request
        match = getattr(request, "resolver_match", None)
        return log_path(
            request.path_info,
            prefix=request.path[: -len(request.path_info)],
            kwargs=match.kwargs if match is not None else None,
        )

    def fields(self) -> dict[str, Any]:
        return {
            "request_id": self.id,
            "method": self.request.method,
            "path": self.path,
            "user_id": user_id(self.request),
        }


def request_id_from(header: str | None) -> str:
    """The proxy's X-Request-ID if it is a safe one, else a new id."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


@contextmanager
def request_context(request: HttpRequest, request_id: str) -> Iterator[Request]:
    """Every line logged inside this block (in this thread or task) belongs to `request`; so
    does a line logged afterwards with the request as `extra` (Django's "Not Found: …")."""
    current = Request(request, request_id)
    request.log_context = current
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def log_path(path_info: str, *, prefix: str = "", kwargs: dict[str, Any] | None = None) -> str:
    """The path (never the query string), with secret URL arguments blanked: the `kwargs` of
    its URL match, or resolved here when a request was refused before it reached a view (a
    wrong host)."""
    if kwargs is None:
        try:
            kwargs = resolve(path_info).kwargs
        except Resolver404:
            kwargs = {}
    for name in SECRET_URL_ARGUMENTS:
        secret = kwargs.get(name)
        if secret:
            path_info = path_info.replace(str(secret), "…")
    return prefix + path_info


def user_id(request: HttpRequest) -> int | None:
    """The id of the person, if the request looked them up already. Looking them up here would
    cost a query on pages that need no login, and fail while the database is away."""
    # AuthenticationMiddleware keeps the user it looked up in `_cached_user`.
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _request_of(record: logging.LogRecord) -> Request | None:
    current = _current.get()
    if current is None:
        current = getattr(getattr(record, "request", None), "log_context", None)
    return current


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The request's fields (inside a request) and the log line's own extras."""
    current = _request_of(record)
    fields = current.fields() if current is not None else {}
    for name in EXTRA_FIELDS:
        if hasattr(record, name):
            fields[name] = getattr(record, name)
    return fields


def record_message(record: logging.LogRecord) -> str:
    """The message, with the request's path as `log_path` gives it (Django's own lines name
    the path with its secrets)."""
    message = record.getMessage()
    current = _request_of(record)
    if current is not None and current.path != current.request.path:
        message = message.replace(current.request.path, current.path)
    return message


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, pid, the request's
    fields, and the traceback of an exception as one field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record_message(record),
            "pid": record.process,
            **record_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class LineFormatter(logging.Formatter):
    """The readable format, with the request's id and user id after the message (its method
    and path are in the request log line itself)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = record_message(record)
        line = super().formatMessage(record)
        fields = record_fields(record)
        extra = [
            f"{name}={fields[name]}"
            for name in ("request_id", "user_id")
            if fields.get(name) is not None
        ]
        return " ".join([line, *extra])
