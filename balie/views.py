"""Project-wide views: each role's home, health checks, uploaded media, the answer to too
many requests, and a fresh CSRF token for the outbox (static/balie/outbox.js)."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    JsonResponse,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _
from django.views import csrf
from django.views.decorators.http import require_GET
from django.views.static import was_modified_since

from balie import health
from balie.cohorts.models import Material, Meeting
from balie.desk.models import TAALHUIS_SPECIALISMS
from balie.learning.models import Step
from balie.orgs.models import Role, User
from balie.personas.models import Persona


def home_url_name(user: User) -> str:
    """Where a person lands: the page of what they do most. With several roles, the most
    specific wins; desk staff and learners land on "Mijn leertraject" (the next step, and the
    tally one tap away)."""
    if user.is_superuser or user.has_role(Role.ADMIN):
        return "admin:index"
    if user.has_role(Role.EDITOR):
        return "admin:learning_module_changelist"
    if user.has_role(Role.ADVISER):
        return "cohorts:cohort_list"
    if user.has_role(Role.MANAGER):
        return "insights:index"
    if any(
        m.role == Role.SPECIALIST and m.specialism in TAALHUIS_SPECIALISMS
        for m in user.active_memberships
    ):
        return "desk:taalhuis"
    return "learning:my_learning"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_name(request.user))


@login_not_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Never touches the database (also the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers, and neither the retention purge nor the task queue has
    stopped (balie/health.py). 200 "ok", else 503 with the reasons, one short word a line."""
    try:
        problems = health.problems(timezone.now())
    except Exception:  # noqa: BLE001 - any failure means not ready
        problems = ["database_unavailable"]
    if problems:
        return HttpResponse("\n".join(problems), status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


# --- uploaded media ------------------------------------------------------------------------

# Each upload folder (a FileField's `upload_to`), with the objects a person may see that can hold
# a file there and the field that holds it. A file is served only through a visible holder; a
# folder that is not listed is never served (`scorm/` has the scorm app's own view).
UPLOAD_FOLDERS: dict[str, tuple[Callable[[User], QuerySet], str]] = {
    "videos": (Step.objects.visible_to, "video_file"),
    "captions": (Step.objects.visible_to, "captions_file"),
    "articles": (Step.objects.visible_to, "article_file"),
    "personas": (Persona.objects.visible_to, "image"),
    "materials": (
        lambda user: Material.objects.filter(meeting__in=Meeting.objects.visible_to(user)),
        "file",
    ),
}
# Types a browser may show in the page; anything else (a meeting's material can be any file)
# is downloaded, so an uploaded HTML or SVG file never runs as Balie's own page.
INLINE_TYPES = {
    "video/mp4",
    "video/webm",
    "text/vtt",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
}
# What Django's storage leaves of an uploaded file's name: letters, digits, "-", "_" and ".".
STORED_NAME = re.compile(r"[-\w.]+(/[-\w.]+)+")
BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
CHUNK = 64 * 1024


class Unsatisfiable(Exception):
    """The Range asks for bytes the file does not have."""


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file, for a person who may see the step, persona or meeting that holds it;
    404 for missing and not-yours alike. Answers a Range with that part (206), so that videos
    can seek (Safari and iPads ask for nothing else)."""
    file = _visible_file(request.user, path)
    stat = file.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        return HttpResponseNotModified()
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    try:
        wanted = byte_range(request.headers.get("Range", ""), stat.st_size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{stat.st_size}"
    else:
        if wanted is None:
            response = FileResponse(file.open("rb"), content_type=content_type)
        else:
            start, end = wanted
            response = StreamingHttpResponse(
                _read(file, start, end), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {start}-{end}/{stat.st_size}"
            response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(
        content_type not in INLINE_TYPES, file.name
    )
    return response


def _visible_file(user: User, path: str) -> Path:
    """The file at `path` under MEDIA_ROOT, if an object that `user` may see holds it."""
    parts = path.split("/")
    if not STORED_NAME.fullmatch(path) or any(part in (".", "..") for part in parts):
        raise Http404
    holders = UPLOAD_FOLDERS.get(parts[0])
    if holders is None:
        raise Http404
    visible_to, field = holders
    if not visible_to(user).filter(**{field: path}).exists():
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    file = (root / path).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        raise Http404
    return file


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte that a Range header asks for, or None to send the whole file
    (no Range, one we do not read, or several ranges: RFC 9110 lets a server ignore those)."""
    found = BYTE_RANGE.fullmatch(header.strip())
    if found is None or found.groups() == ("", ""):
        return None
    first, last = found.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        if int(last) == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last), size - 1) if last else size - 1


def _read(file: Path, start: int, end: int) -> Iterator[bytes]:
    with file.open("rb") as opened:
        opened.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = opened.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


# --- too many requests ---------------------------------------------------------------------

# Every limit in Balie counts per minute (docs/deploy.md), so a minute from now is always late
# enough.
RETRY_AFTER_SECONDS = 60


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """What a request over its limit gets (django-ratelimit's RATELIMIT_VIEW): 429, in JSON,
    with Retry-After, so that the browser's scripts wait and send again."""
    response = JsonResponse(
        {"error": _("Too many requests in a short time. Wait a minute and try again.")},
        status=429,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- the outbox's CSRF token ---------------------------------------------------------------


@require_GET
def csrf_token(request: HttpRequest) -> JsonResponse:
    """A valid CSRF token for a page that has been open for a while: after a login elsewhere
    (which rotates the token) or a cleared cookie, its queued writes are refused by the CSRF
    check; the outbox fetches this and sends them again. Sets the cookie when it is missing."""
    return JsonResponse({"token": get_token(request)})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (CSRF_FAILURE_VIEW), marked, so that a page's script can tell it
    from another 403 and fetch a fresh token."""
    response = csrf.csrf_failure(request, reason)
    response["X-Balie-Csrf-Failure"] = "1"
    return response
