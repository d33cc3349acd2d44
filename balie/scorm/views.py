"""Uploading packages (editors), and playing them (learners): the launch data, the package's
own files, and the commit endpoint that scorm-again posts the run-time data to."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from balie.learning.models import Module, Step, StepKind
from balie.lib import jsonbody
from balie.orgs.access import get_for
from balie.orgs.models import User
from balie.scorm import actions, player
from balie.scorm.cmi import launch_data, read_commit
from balie.scorm.forms import NewPackageForm, PackageForm, explain
from balie.scorm.models import Attempt, Package
from balie.scorm.package import PackageError

# Package content is someone else's HTML and JavaScript, often with inline scripts, eval and
# inline styles, so it cannot live under Balie's own policy. It must stay same-origin (the
# package finds scorm-again's API through window.parent), so the sandbox keeps
# allow-same-origin; what it takes away is top navigation, plugins and pointer lock, and the
# policy keeps every fetch, frame and form on Balie's own origin. Only Balie's own pages may
# frame it.
PACKAGE_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "media-src": [SELF, "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
    "form-action": [SELF],
    "base-uri": [SELF],
    "object-src": [NONE],
    "sandbox": [
        "allow-scripts",
        "allow-same-origin",
        "allow-forms",
        "allow-modals",
        "allow-popups",
        "allow-downloads",
    ],
}
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


def _editor(request: HttpRequest) -> User:
    if not request.user.may_edit_programmes:
        raise Http404
    return request.user


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor adds a SCORM package to a module, as its last step."""
    user = _editor(request)
    module = get_for(user, Module.objects, pk)
    form = NewPackageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            package = actions.import_package(
                form.cleaned_data["package"],
                module=module,
                by=user,
                title=form.cleaned_data["title"],
            )
        except PackageError as error:
            form.add_error("package", explain(error))
        else:
            messages.success(request, _("The package is added as the last step of the module."))
            return redirect("learning:step", pk=package.step_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scorm/upload.html",
        {"module": module, "form": form, "step": None, "nav": "learning"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor puts a new version of the package in a SCORM step."""
    user = _editor(request)
    step = get_for(user, Step.objects.filter(kind=StepKind.SCORM).select_related("module"), pk)
    form = PackageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.replace_package(form.cleaned_data["package"], step=step, by=user)
        except PackageError as error:
            form.add_error("package", explain(error))
        except Package.DoesNotExist:
            raise Http404 from None
        else:
            messages.success(request, _("The new version of the package is in place."))
            return redirect("learning:step", pk=step.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "scorm/upload.html",
        {"module": step.module, "form": form, "step": step, "nav": "learning"},
        status=status,
    )


@require_GET
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """What the player needs to start one item of a package (`?sco=<item id>`; without it,
    the item the learner had open last, else the first that opens): that SCO's saved
    run-time data (so the learner resumes on its own bookmark) with what the manifest says
    about finishing it, a signed session ticket for the commits, the item's own address, and
    the list as it stands. 409 with the reason for an item the course does not open now.
    Writes nothing: the first commit creates the attempt."""
    user = request.user
    package = get_for(user, Package.objects.select_related("step"), pk)
    chosen = request.GET.get("sco", "")
    progress = actions.progress_of(user, package, current=chosen)
    item = progress.plan.get(chosen) if chosen else progress.plan.current
    if item is None:
        raise Http404
    state = player.describe(package, progress)
    if not item.available:
        return JsonResponse({"error": player.reason_text(item), "state": state}, status=409)
    attempt = progress.attempts.get(item.id)
    seconds = attempt.total_seconds if attempt else 0
    cmi = launch_data(
        attempt.data if attempt else {},
        is_2004=package.is_2004,
        learner_id=str(user.pk),
        learner_name=user.full_name,
        seconds=seconds,
        activity=package.activity(item.id),
    )
    token = Attempt.token_for(
        user,
        package,
        base_seconds=seconds,
        sco=item.id,
        number=attempt.number if attempt else 1,
    )
    response = JsonResponse(
        {
            "version": package.version,
            "token": token,
            "commitUrl": reverse("scorm:commit"),
            "launchUrl": package.launch_url(item.launch),
            "sco": item.id,
            "cmi": cmi,
            "state": state,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Opnieuw proberen": a new attempt at a SCO whose latest attempt failed; the learner
    is taken back to the step, which opens that SCO from the start."""
    package = get_for(request.user, Package.objects.select_related("step"), pk)
    try:
        actions.retry(request.user, package, request.POST.get("sco", ""))
    except actions.NotFailed:
        messages.error(request, _("You can only try a part again after you did not pass it."))
    return redirect("learning:step", pk=package.step_id)


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    return guessed or "application/octet-stream"


@require_safe
@xframe_options_sameorigin
@csp(PACKAGE_POLICY)
def package_file(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    """One file of a package, for someone who may see its module; 404 for a file that is
    missing, not theirs, or outside the package folder."""
    package = get_for(request.user, Package.objects, pk)
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
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _refused(status: int, message: str) -> JsonResponse:
    """scorm-again reads `result` and `errorCode`; 101 is SCORM's general error."""
    return JsonResponse({"result": False, "errorCode": 101, "error": message}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def commit(request: HttpRequest) -> HttpResponse:
    """scorm-again's commits, the last one by sendBeacon (no CSRF header, text/plain). Not
    CSRF-checked, but the learner must be logged in and send the signed ticket of a page
    Balie gave them. Not behind the login redirect: a commit must fail loudly, not get the
    login page with 200."""
    user = request.user
    if not user.is_authenticated:
        return _refused(403, _("You are logged out. Log in again to save your progress."))
    try:
        payload = jsonbody.loads(request.body)
    except ValueError:
        return _refused(400, _("The commit is not valid JSON."))
    token = payload.get("token") if isinstance(payload, dict) else None
    sequence = payload.get("sequence") if isinstance(payload, dict) else None
    beat = payload.get("beat") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not (isinstance(sequence, int) or isinstance(beat, int)):
        return _refused(400, _("The commit has no session ticket."))
    try:
        session = Attempt.read_token(token, user=user)
        package = get_for(user, Package.objects.select_related("step"), session.package_id)
        if isinstance(beat, int):  # the player's own count, for a SCO that never reports
            done = actions.save_beat(user, package, session=session, seconds=beat)
            return JsonResponse({"result": True, "errorCode": 0, "stepDone": done})
        data = read_commit(payload, is_2004=package.is_2004)
        saved = actions.save_commit(user, package, session=session, sequence=sequence, commit=data)
    except ValidationError as error:
        return _refused(400, " ".join(error.messages))
    except (Http404, ValueError):
        return _refused(404, _("This package is not there any more."))
    state = player.describe(package, saved.progress)
    return JsonResponse(
        {
            "result": True,
            "errorCode": 0,
            "applied": saved.applied,
            "stepDone": saved.step_done,
            "state": state,
        }
    )
