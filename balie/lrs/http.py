"""What every `/xapi/` resource shares: HTTP Basic authentication of a `Client` (with a limit on
wrong credentials per key and per IP address), the X-Experience-API-Version header, the
Alternate Request Syntax (`?method=`), CORS, the headers of every response, and a 400 that
says what is wrong.

Every response carries X-Experience-API-Consistent-Through (Communication 2.1.3.s2.b5: on all
responses of the Statement resource, errors too; harmless on the others) and is never rendered
by a browser on Balie's domain: a client may store a document as `text/html`, and it is
returned as stored, but as a download (`Content-Disposition: attachment`), never sniffed
(`nosniff`) and in a sandbox without any permission (`Content-Security-Policy`).

A view is written as `@xapi_resource("GET", "PUT", ...)` and receives the request with
`request.xapi_client` set; it raises `BadRequest` (400), `Forbidden` (403), `NotFound` (404),
`Conflict` (409) or `PreconditionFailed` (412) with a message in plain English (the spec's
language; xAPI clients are programs, not people at the desk).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import get_usage, is_ratelimited

from balie.lrs.models import Client
from balie.security.audit import record_event
from balie.security.client import client_ip
from balie.security.models import AuditAction

if TYPE_CHECKING:
    from balie.lrs.cmi5 import AuCredential

VERSION_HEADER = "X-Experience-API-Version"
SUPPORTED_VERSIONS = ("1.0.3", "1.0.2", "1.0.1", "1.0.0")  # what About lists
SUPPORTED_VERSION = re.compile(r"1\.0(\.\d+)?")  # every 1.0.x is 1.0.3 on the wire
RESPONSE_VERSION = "1.0.3"
# What no response of /xapi/ may do in a browser: run scripts, load anything, be a page.
SANDBOX = "sandbox; default-src 'none'"
# Statements with their attachments; Django's own DATA_UPLOAD_MAX_MEMORY_SIZE (for forms) is
# smaller, so the body is read here, against this limit, before anyone asks for request.body.
MAX_BODY = 16 * 1024 * 1024


class XapiError(Exception):
    status = 400

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BadRequest(XapiError):
    status = 400


class Unauthorised(XapiError):
    status = 401


class Forbidden(XapiError):
    status = 403


class NotFound(XapiError):
    status = 404


class Conflict(XapiError):
    status = 409


class PreconditionFailed(XapiError):
    status = 412


class PayloadTooLarge(XapiError):
    status = 413


class TooManyRequests(XapiError):
    status = 429


def hash_secret(secret: str) -> str:
    """Client secrets are long random tokens, so a fast hash is enough (and a slow one would
    cost every statement POST tens of milliseconds)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_credentials() -> tuple[str, str]:
    """A fresh (key, secret) pair for a client; the secret is shown once and stored hashed."""
    return secrets.token_urlsafe(12), secrets.token_urlsafe(32)


def authenticate(request: HttpRequest) -> Client | AuCredential:
    """The Client whose key and secret these are, or the credential of a cmi5 AU session
    (its user name is the session id, see lrs/cmi5.py)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorised("HTTP Basic authentication with the client's key and secret needed")
    try:
        key, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key, secret = "", None
    failures = _AuthFailures(request, key)
    failures.refuse_when_over()
    if secret is None:
        failures.count()
        raise Unauthorised("the Authorization header is not valid HTTP Basic")
    client = Client.active(key)
    if client is None:
        from balie.lrs import cmi5  # it builds on this module

        au = cmi5.authenticate(key, secret)
        if au is not None:
            return au
    if client is None or not hmac.compare_digest(client.secret_hash, hash_secret(secret)):
        failures.count()
        raise Unauthorised("unknown key or wrong secret")
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
        client.remember()
    return client


class _AuthFailures:
    """Wrong credentials, counted per key (whatever key was given) and per client IP address
    in django-ratelimit's windows. Once either count reaches its limit, every request with that
    key or from that address is refused until the window ends: a 429 with Retry-After, also
    with the right secret. The moment a limit is reached is an audit event."""

    GROUP = "xapi-auth-failures"

    def __init__(self, request: HttpRequest, key: str) -> None:
        self.request = request
        self.key = key
        self.limits = (
            ("key", settings.BALIE_XAPI_AUTH_FAILURES_PER_KEY, lambda _group, _request: key),
            ("ip", settings.BALIE_XAPI_AUTH_FAILURES_PER_IP, lambda _group, r: client_ip(r)),
        )

    def _usage(self, per: str, rate: str, value: Callable, *, increment: bool) -> dict | None:
        return get_usage(
            self.request, group=f"{self.GROUP}-{per}", key=value, rate=rate, increment=increment
        )

    def refuse_when_over(self) -> None:
        for per, rate, value in self.limits:
            usage = self._usage(per, rate, value, increment=False)
            if usage is not None and usage["count"] >= usage["limit"]:
                raise TooManyRequests(
                    f"too many wrong credentials for this {'key' if per == 'key' else 'address'};"
                    " try again later",
                    retry_after=max(1, usage["time_left"]),
                )

    def count(self) -> None:
        for per, rate, value in self.limits:
            usage = self._usage(per, rate, value, increment=True)
            if usage is not None and usage["count"] == usage["limit"]:
                self._audit(per)

    def _audit(self, per: str) -> None:
        client = Client.objects.filter(key=self.key).only("pk", "organisation_id").first()
        record_event(
            AuditAction.XAPI_AUTH_BLOCKED,
            object_type="lrs.client" if client else "",
            object_id=client.pk if client else "",
            organisation=client.organisation_id if client else None,
            request=self.request,
            details={"per": per, "key": self.key},
        )


def _read_body(request: HttpRequest) -> None:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        raise BadRequest("the Content-Length header is not a number")
    if int(length) > MAX_BODY:
        raise PayloadTooLarge(f"the request body is larger than {MAX_BODY} bytes")
    if not hasattr(request, "_body"):
        request._body = request.read(MAX_BODY + 1)  # noqa: SLF001 - Django's own cache
    if len(request._body) > MAX_BODY:  # noqa: SLF001
        raise PayloadTooLarge(f"the request body is larger than {MAX_BODY} bytes")


def _check_version(request: HttpRequest) -> None:
    version = request.META.get("HTTP_X_EXPERIENCE_API_VERSION")
    if version is None:
        raise BadRequest(f"the {VERSION_HEADER} header is missing")
    if not SUPPORTED_VERSION.fullmatch(version):
        raise BadRequest(f"xAPI version {version!r} is not supported; use 1.0.3")


def _alternate_syntax(request: HttpRequest) -> None:
    """Alternate Request Syntax: a POST with `?method=PUT|GET|DELETE|POST` whose form body
    carries the headers, the parameters and `content`. Rewrites `request` in place."""
    method = request.GET.get("method")
    if method is None:
        return
    if request.method != "POST":
        raise BadRequest("the method parameter is only allowed on a POST")
    if len(request.GET) > 1:
        raise BadRequest("with the method parameter, no other query parameters are allowed")
    if method.upper() not in ("GET", "PUT", "POST", "DELETE"):
        raise BadRequest(f"unknown method {method!r}")
    form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    headers = {
        "authorization": "HTTP_AUTHORIZATION",
        "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
        "content-type": "CONTENT_TYPE",
        "content-length": "CONTENT_LENGTH",
        "if-match": "HTTP_IF_MATCH",
        "if-none-match": "HTTP_IF_NONE_MATCH",
    }
    # The content is text (1.3.s3.b5) and a Content-Type field only SHOULD* name its type
    # (1.3.s3.b10): without one it is JSON, as xAPI's requests are (Communication 1.5), not
    # the form's own type.
    request.META["CONTENT_TYPE"] = "application/json"
    params = QueryDict(mutable=True)
    for name, value in form.items():
        meta = headers.get(name.lower())
        if meta:
            request.META[meta] = value
        elif name != "content":
            params[name] = value
    request.method = method.upper()
    request.GET = params
    request._body = form.get("content", "").encode()  # noqa: SLF001 - Django's own cache


def _respond(response: HttpResponse) -> HttpResponse:
    response[VERSION_HEADER] = RESPONSE_VERSION
    # Statements are visible as soon as the request that stored them has answered.
    response["X-Experience-API-Consistent-Through"] = timezone.now().isoformat()
    response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = (
        "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through"
    )
    return response


def error(status: int, message: str, *, retry_after: int | None = None) -> HttpResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return _respond(response)


def _over_the_limit(request: HttpRequest) -> bool:
    """Per client, generous: a tool that sends its statements in batches never meets it;
    one that loops does (BALIE_XAPI_RATE_LIMIT requests a minute)."""
    return is_ratelimited(
        request,
        group="xapi",
        key=lambda _group, request: request.xapi_client.rate_key,
        rate=settings.BALIE_XAPI_RATE_LIMIT,
        increment=True,
    )


def xapi_resource(*methods: str, public: bool = False) -> Callable:
    """Wrap an xAPI resource view (see the module's docstring). A `public` resource (About)
    needs neither credentials nor the version header."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_not_required
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = ", ".join((*methods, "OPTIONS"))
                response["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, If-Match, If-None-Match, X-Experience-API-Version"
                )
                return _respond(response)
            try:
                _read_body(request)
                _alternate_syntax(request)
                head = request.method == "HEAD" and "GET" in methods
                if head:  # a GET without its body (Communication 1.1)
                    request.method = "GET"
                if request.method not in methods:
                    return error(405, f"{request.method} is not allowed here")
                if any("\x00" in name + "".join(values) for name, values in request.GET.lists()):
                    raise BadRequest("a parameter holds the character U+0000 (not allowed)")
                if not public:
                    request.xapi_client = authenticate(request)
                    _check_version(request)
                    if _over_the_limit(request):
                        return error(
                            429, "too many requests a minute for this client", retry_after=60
                        )
                response = view(request, *args, **kwargs)
                if head:
                    response.content = b""
                return _respond(response)
            except XapiError as problem:
                return error(problem.status, problem.message, retry_after=problem.retry_after)

        return wrapper

    return decorate
