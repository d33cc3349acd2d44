"""Package files on their own origin.

A package is someone else's HTML and JavaScript. Balie serves it from a second origin, the
content host (`BALIE_CONTENT_ORIGIN`; in a demo `localhost` on Balie's own port, beside
`127.0.0.1`), which never gets Balie's cookies: a package cannot act as the learner who opens
it, read their notes, or reach Beheer. On the content host this module answers everything,
before the session, the login and the static files, and it answers only this:

- `/<ticket>/`: the run-time frame, Balie's small page that holds scorm-again's API object
  (where the package looks for it: in its parent window) and passes every commit on to the
  player page on Balie's origin with `postMessage` (static/scorm/frame.js);
- `/<ticket>/f/<path>`: one file of the package, under a Content Security Policy that keeps
  every fetch, frame and form on the content host (plus the hosts an editor allowed for this
  package) and lets only Balie's page and the run-time frame frame it;
- `/<ticket>/afscheid` (POST): the run-time frame's last commit when the page goes (a closed
  tab, a reload), sent with sendBeacon because the player page may be gone before it could
  pass the commit on. It carries the commit ticket of the showing's SCO attempt, so it writes
  that attempt and nothing else: what the package could write through the run-time anyway.

Every other path there is a 404, and Balie's own pages are never served on it. The ticket is
signed (`django.core.signing`), names the learner, the package (and its folder), the showing
and Balie's origin, and expires with the login (`SESSION_COOKIE_AGE`); each file is served only
while the learner may still see the package. The player page (static/scorm/runtime.js) makes
the commits itself, with its CSRF token, on the commit endpoint bound to the same showing;
only the last one may come here instead.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
)
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import Resolver404, path, resolve

from balie.lib import jsonbody
from balie.orgs.models import User
from balie.scorm import actions
from balie.scorm.cmi import read_commit
from balie.scorm.models import Attempt, Package

SALT = "balie.scorm.content"
# The content host in a demo: Balie on http://127.0.0.1:PORT, the packages on
# http://localhost:PORT (cookies belong to a host name, so Balie's never go there).
DEMO_HOST = "localhost"
# Types that Python's table may lack, or that differ between systems.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".xml": "application/xml",
    ".xsd": "application/xml",
}
# What a package page may do inside its frame: scripts, forms, dialogs, pop-ups and downloads,
# on its own origin; no top navigation, no plugins, no pointer lock.
SANDBOX = "allow-scripts allow-same-origin allow-forms allow-modals allow-popups allow-downloads"


_Response = TypeVar("_Response", bound=HttpResponseBase)


def _origin_of(request: HttpRequest, host: str) -> str:
    return f"{'https' if request.is_secure() else 'http'}://{host}"


def content_origin(request: HttpRequest) -> str:
    """Where package files are served for a page of Balie shown to this request."""
    if settings.BALIE_CONTENT_ORIGIN:
        return settings.BALIE_CONTENT_ORIGIN
    _, port = split_domain_port(request.get_host())
    return _origin_of(request, f"{DEMO_HOST}:{port}" if port else DEMO_HOST)


def content_host_name() -> str:
    if settings.BALIE_CONTENT_ORIGIN:
        return split_domain_port(settings.BALIE_CONTENT_ORIGIN.split("://", 1)[1])[0]
    return DEMO_HOST


def is_content_host(request: HttpRequest) -> bool:
    domain, _ = split_domain_port(request.get_host())
    return domain == content_host_name()


@dataclass(frozen=True)
class Ticket:
    """What a content ticket says: whose, which package (in which folder), which showing,
    and the origin of the Balie page that may frame it."""

    user_id: int
    package_id: int
    folder: str
    session: str
    balie_origin: str


def frame_url(request: HttpRequest, package: Package, session: uuid.UUID) -> str:
    """The run-time frame for one showing of `package` to the person of `request`."""
    payload = {
        "u": request.user.pk,
        "p": package.pk,
        "f": package.folder,
        "s": session.hex,
        "o": _origin_of(request, request.get_host()),
    }
    return f"{content_origin(request)}/{signing.dumps(payload, salt=SALT)}/"


def file_url(request: HttpRequest, package: Package, path: str) -> str:
    """A file of `package` for the person of `request`, to open on its own (a cmi5 AU): in a
    showing of its own, with the item's parameters kept."""
    return frame_url(request, package, uuid.uuid4()) + "f/" + path


def read_ticket(token: str) -> Ticket:
    """The ticket in a content address; Http404 when it is forged or expired."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
        return Ticket(
            user_id=payload["u"],
            package_id=payload["p"],
            folder=payload["f"],
            session=payload["s"],
            balie_origin=payload["o"],
        )
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404 from None


def _package_for(ticket: Ticket) -> Package:
    """The ticket's package, while its learner may still see it (and it was not replaced)."""
    user = User.objects.filter(pk=ticket.user_id, is_active=True).first()
    package = (
        Package.objects.visible_to(user).filter(pk=ticket.package_id, folder=ticket.folder).first()
        if user
        else None
    )
    if package is None:
        raise Http404
    return package


def _policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


def package_policy(package: Package, balie_origin: str) -> str:
    """The Content Security Policy of a package file: its own origin, plus the other websites
    the editor allowed; framed only by Balie's page and the run-time frame."""
    allowed = package.allowed_sources
    # A cmi5 AU sends its statements to Balie's xAPI endpoint (with its token, no cookie).
    xapi = [balie_origin] if package.version == "cmi5" else []
    return _policy(
        {
            "default-src": ["'self'"],
            "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'", *allowed],
            "style-src": ["'self'", "'unsafe-inline'", *allowed],
            "img-src": ["'self'", "data:", "blob:", *allowed],
            "media-src": ["'self'", "blob:", *allowed],
            "font-src": ["'self'", "data:", *allowed],
            "connect-src": ["'self'", *xapi, *allowed],
            "frame-src": ["'self'", *allowed],
            "frame-ancestors": ["'self'", balie_origin],
            "form-action": ["'self'"],
            "base-uri": ["'self'"],
            "object-src": ["'none'"],
            "sandbox": [SANDBOX],
        }
    )


def frame_policy(balie_origin: str) -> str:
    """The run-time frame's policy: Balie's two scripts, the package's frame, its last commit
    to its own host, nothing else."""
    return _policy(
        {
            "default-src": ["'none'"],
            "script-src": [balie_origin],
            "style-src": [balie_origin],
            "connect-src": ["'self'"],
            "frame-src": ["'self'"],
            "frame-ancestors": [balie_origin],
            "form-action": ["'none'"],
            "base-uri": ["'none'"],
        }
    )


def _secure(response: _Response, policy: str) -> _Response:
    response["Content-Security-Policy"] = policy
    response["X-Content-Type-Options"] = "nosniff"
    # The ticket is in every address: it goes to no other website as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def runtime_frame(request: HttpRequest, token: str) -> HttpResponse:
    ticket = read_ticket(token)
    package = _package_for(ticket)
    html = render_to_string(
        "scorm/frame.html", {"package": package, "balie_origin": ticket.balie_origin}
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return _secure(response, frame_policy(ticket.balie_origin))


def _content_type(target: Path) -> str:
    suffix = target.suffix.lower()
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(target.name)[0]
    return guessed or "application/octet-stream"


def package_file(request: HttpRequest, token: str, path: str) -> HttpResponseBase:
    """One file of the ticket's package; 404 for a file that is missing or outside the
    package folder."""
    ticket = read_ticket(token)
    package = _package_for(ticket)
    if "\x00" in path:
        raise Http404
    root = (Path(settings.MEDIA_ROOT) / package.folder).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise Http404
    content_type = _content_type(target)
    response = FileResponse(
        target.open("rb"),
        content_type=content_type,
        as_attachment=content_type == "application/octet-stream",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return _secure(response, package_policy(package, ticket.balie_origin))


def farewell(request: HttpRequest, token: str) -> HttpResponse:
    """The run-time frame's last commit (see the module's docstring): saved as the player page
    saves a commit, for the ticket's learner, when the commit ticket is of the same learner and
    package; a repeat of a commit the player page saved changes nothing. 204, or a short
    refusal that nobody reads (a beacon has no reader): 400 for a malformed commit, 404 for a
    ticket that does not hold."""
    ticket = read_ticket(token)
    package = _package_for(ticket)
    user = User.objects.get(pk=ticket.user_id)
    try:
        payload = jsonbody.loads(request.body)
        if not isinstance(payload, dict) or not isinstance(payload.get("sequence"), int):
            raise ValueError("no sequence")
        session = Attempt.read_token(str(payload.get("token")), user=user)
        if session.package_id != package.pk:
            raise Http404
        data = read_commit(payload, is_2004=package.is_2004)
        actions.save_commit(
            user, package, session=session, sequence=payload["sequence"], commit=data
        )
    except (ValueError, ValidationError):
        return HttpResponseBadRequest("Not a commit", content_type="text/plain")
    return HttpResponse(status=204)


urlpatterns = [
    path("<str:token>/", runtime_frame),
    path("<str:token>/f/<path:path>", package_file),
    path("<str:token>/afscheid", farewell),
]
# The one address on the content host that takes a POST.
POSTED = {farewell}


class ContentHostMiddleware:
    """On the content host, answers the three addresses above and 404 to everything else,
    before any other part of Balie sees the request (so neither its session nor its CSRF check:
    the host has no cookies). Elsewhere, does nothing."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_content_host(request):
            return self.get_response(request)
        try:
            match = resolve(request.path_info, urlconf=__name__)
            allowed = ["POST"] if match.func in POSTED else ["GET", "HEAD"]
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return match.func(request, *match.args, **match.kwargs)
        except (Resolver404, Http404):
            return HttpResponseNotFound("Not found", content_type="text/plain")
