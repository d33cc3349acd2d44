"""Uploading packages (editors), and playing them (learners): the launch data and the commit
endpoint that the player page posts the run-time data to. The package's own files are served
on the content host (balie/scorm/content.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from balie.learning.models import Module, Step, StepKind
from balie.lib import jsonbody
from balie.orgs.access import get_for
from balie.orgs.models import User
from balie.scorm import actions, content, player
from balie.scorm.cmi import launch_data, read_commit
from balie.scorm.forms import NewPackageForm, PackageForm, explain
from balie.scorm.models import Attempt, Package
from balie.scorm.package import PackageError


def _editor(request: HttpRequest) -> User:
    if not request.user.may_edit_programmes:
        raise Http404
    return request.user


def _warn_about_other_websites(request: HttpRequest, package: Package) -> None:
    """The package names other websites that it may not load yet: say which, and where the
    editor can allow them."""
    waiting = [host for host in package.external_hosts if not package.allows(host)]
    if waiting:
        messages.warning(
            request,
            _(
                "The package names other websites: %(hosts)s. Balie does not let it load "
                "anything from them, so fonts, videos or scripts from there may be missing. "
                "Check the package in the browser. To allow a website, add it under Management, "
                "SCORM packages, %(title)s."
            )
            % {"hosts": ", ".join(waiting), "title": package.title},
        )


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
            _warn_about_other_websites(request, package)
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
            package = actions.replace_package(form.cleaned_data["package"], step=step, by=user)
        except PackageError as error:
            form.add_error("package", explain(error))
        except Package.DoesNotExist:
            raise Http404 from None
        else:
            messages.success(request, _("The new version of the package is in place."))
            _warn_about_other_websites(request, package)
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
    about finishing it, a signed session ticket for the commits bound to that SCO's attempt,
    the signed address of a run-time frame on the content host for that showing, the item's
    launch address in the package, and the list as it stands. 409 with the reason for an item
    the course does not open now. Writes nothing: the first commit creates the attempt."""
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
    session = Attempt.read_token(token, user=user)
    response = JsonResponse(
        {
            "version": package.version,
            "token": token,
            "commitUrl": reverse("scorm:commit"),
            "frameUrl": content.frame_url(request, package, session.id),
            "launch": item.launch,
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


def _refused(status: int, message: str) -> JsonResponse:
    """scorm-again reads `result` and `errorCode`; 101 is SCORM's general error."""
    return JsonResponse({"result": False, "errorCode": 101, "error": message}, status=status)


@login_not_required
@require_POST
def commit(request: HttpRequest) -> HttpResponse:
    """The package's commits, as the player page passes them on from the run-time frame on
    the content host (balie/scorm/content.py), and the player page's own beats (the seconds
    the SCO was open): with the page's CSRF token and the signed ticket of the showing of one
    SCO's attempt that Balie gave this learner. Not behind the login redirect: a commit
    must fail loudly, not get the login page with 200."""
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
