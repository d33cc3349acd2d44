from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from balie.learning import actions
from balie.learning.forms import (
    AnswerForm,
    HeartbeatForm,
    LocalBlockForm,
    NoteForm,
    NoteSearchForm,
    colleague_description,
)
from balie.learning.models import (
    LocalBlock,
    Module,
    ModuleProgress,
    Note,
    Programme,
    Step,
    StepKind,
    StepProgress,
    StepVisit,
)
from balie.orgs import access
from balie.orgs.access import get_for
from balie.orgs.models import Membership, Organisation, Role, User

NOTES_PER_PAGE = 25


@require_GET
def my_learning(request: HttpRequest) -> HttpResponse:
    user = request.user
    modules = (
        Module.objects.visible_to(user)
        .annotate(step_count=Count("steps"))
        .prefetch_related("steps")
    )
    programmes = Programme.objects.visible_to(user).prefetch_related(
        Prefetch("modules", queryset=modules, to_attr="module_list")
    )
    progress = {
        p.module_id: p
        for p in ModuleProgress.objects.visible_to(user).select_related("current_step")
    }
    seen = dict(
        StepProgress.objects.visible_to(user)
        .filter(seen_at__isnull=False)
        .values_list("step__module")
        .annotate(n=Count("id"))
    )
    rows = []
    for programme in programmes:
        rows.append(
            (
                programme,
                [
                    (module, progress.get(module.pk), seen.get(module.pk, 0))
                    for module in programme.module_list
                ],
            )
        )
    return render(request, "learning/my_learning.html", {"programmes": rows, "nav": "learning"})


@require_GET
def module_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Resume the module where the learner left off, or start at its first step."""
    module = get_for(request.user, Module.objects, pk)
    progress = ModuleProgress.objects.visible_to(request.user).filter(module=module).first()
    step = (progress and progress.current_step) or module.steps.first()
    if step is None:
        messages.info(request, _("This module has no steps yet."))
        return redirect("learning:my_learning")
    return redirect("learning:step", pk=step.pk)


def _step_context(request: HttpRequest, step: Step, *, answer_form: AnswerForm | None = None):
    user = request.user
    steps = list(step.module.steps.all())
    mine = {
        p.step_id: p
        for p in StepProgress.objects.visible_to(user).filter(step__module=step.module_id)
    }
    index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
    note = Note.objects.visible_to(user).filter(step=step).first()
    module_progress = ModuleProgress.objects.visible_to(user).filter(module=step.module_id).first()
    own = mine.get(step.pk)
    return {
        "step": step,
        "module": step.module,
        "steps": [(s, mine.get(s.pk)) for s in steps],
        "number": index + 1,
        "total": len(steps),
        "previous": steps[index - 1] if index else None,
        "is_last": index == len(steps) - 1,
        "seen_count": sum(1 for p in mine.values() if p.seen_at),
        "own": own,
        "choices": list(step.choices.all()) if step.is_check else [],
        "answer_form": answer_form or AnswerForm(step=step),
        "note": note,
        "note_form": NoteForm(initial={"body": note.body if note else ""}),
        "module_progress": module_progress,
        "has_local_block": LocalBlock.objects.of_own_libraries(user)
        .filter(module=step.module_id)
        .exists(),
        "visit_token": StepVisit.token_for(user, step),
        "idle_seconds": settings.BALIE_IDLE_SECONDS,
        "nav": "learning",
    }


@require_GET
def step_detail(request: HttpRequest, pk: int) -> HttpResponse:
    steps = Step.objects.select_related("module__programme", "persona", "scorm_package")
    step = get_for(request.user, steps, pk)
    response = render(request, "learning/step_detail.html", _step_context(request, step))
    if step.kind == StepKind.SCORM:
        # A cmi5 AU starts with a POST that Balie answers with a redirect to the content host:
        # only a package step's page may send a form there.
        response._csp_update = {"form-action": [settings.BALIE_CONTENT_SOURCE]}  # type: ignore[attr-defined]
    return response


@require_POST
def step_next(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_for(request.user, Step.objects.select_related("module", "scorm_package"), pk)
    if _package_reports_back(step) and not _is_seen(request.user, step):
        return _past_unfinished_package(request, step)
    progress = actions.complete_step(request.user, step)
    if progress.is_done and progress.current_step_id == step.pk:
        return redirect("learning:module_done", pk=step.module_id)
    if progress.current_step_id == step.pk:
        missing = _missing_steps(request, step.module)
        messages.warning(
            request,
            _("Almost done. Still to do: %(steps)s.") % {"steps": ", ".join(missing)},
        )
        return redirect("learning:step", pk=step.pk)
    return redirect("learning:step", pk=progress.current_step_id)


def _is_seen(user: User, step: Step) -> bool:
    return StepProgress.objects.visible_to(user).filter(step=step, seen_at__isnull=False).exists()


def _package_reports_back(step: Step) -> bool:
    """A SCORM step whose package can say when it is done (it has a SCO). A package of assets
    only (plain pages) cannot: Next marks it seen, like a text step."""
    if step.kind != StepKind.SCORM:
        return False
    package = getattr(step, "scorm_package", None)
    return package is None or package.has_sco


def _past_unfinished_package(request: HttpRequest, step: Step) -> HttpResponse:
    """Next does not mark a SCORM step as seen: only the package says when it is done (the
    scorm app's commit endpoint). The learner may go on and come back."""
    messages.info(request, _("The package step counts as done once you have finished it."))
    following = step.module.steps.filter(position__gt=step.position).first()
    return redirect("learning:step", pk=(following or step).pk)


def _missing_steps(request: HttpRequest, module: Module) -> list[str]:
    to_do = set(module.steps.still_to_do_by(request.user.pk).values_list("pk", flat=True))
    return [
        f"{number}. {s.title}"
        for number, s in enumerate(module.steps.all(), start=1)
        if s.pk in to_do
    ]


@require_POST
@ratelimit(key="user_or_ip", rate="30/m")
def step_answer(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_for(request.user, Step.objects.select_related("module"), pk)
    if not step.is_check:
        return HttpResponse(status=404)
    form = AnswerForm(request.POST, step=step)
    if form.is_valid():
        actions.answer_check(request.user, step, choice=form.cleaned_data["choice"])
        form = None
    context = _step_context(request, step, answer_form=form)
    status = 200 if form is None else 400
    if request.htmx:
        return render(request, "learning/includes/check.html", context, status=status)
    if form is None:
        return redirect("learning:step", pk=step.pk)
    return render(request, "learning/step_detail.html", context, status=status)


@require_POST
@ratelimit(key="user_or_ip", rate="120/m")  # one every 20 s per open page, and beacons
def step_time(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat: the browser reports a visit's active seconds so far (also by sendBeacon)."""
    step = get_for(request.user, Step.objects, pk)
    form = HeartbeatForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    try:
        visit_id, shown_at = StepVisit.read_token(
            form.cleaned_data["token"], user=request.user, step=step
        )
    except ValidationError as error:
        return JsonResponse({"errors": {"token": error.messages}}, status=400)
    credited = actions.record_time(
        request.user,
        step,
        visit_id=visit_id,
        shown_at=shown_at,
        active_seconds=form.cleaned_data["active_seconds"],
    )
    return JsonResponse({"credited": credited})


@require_POST
@ratelimit(key="user_or_ip", rate="120/m")  # saved while typing, after a pause
def note_save(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_for(request.user, Step.objects, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    saved = actions.save_note(
        request.user,
        step,
        body=form.cleaned_data["body"],
        revision=form.cleaned_data["revision"],
    )
    return JsonResponse(
        {
            "revision": saved.note.revision,
            "applied": saved.applied,
            "saved_at": timezone.localtime(saved.note.updated_at).strftime("%H:%M"),
        },
        status=200 if saved.applied else 409,
    )


@require_GET
def module_done(request: HttpRequest, pk: int) -> HttpResponse:
    module = get_for(request.user, Module.objects, pk)
    progress = ModuleProgress.objects.visible_to(request.user).filter(module=module).first()
    if progress is None or not progress.is_done:
        return redirect("learning:module", pk=module.pk)
    return render(request, "learning/module_done.html", {"module": module, "progress": progress})


def _my_notes(request: HttpRequest, search: str = ""):
    notes = (
        Note.objects.visible_to(request.user)
        .exclude(body="")
        .select_related("step__module__programme")
        .order_by(
            "step__module__programme__title",
            "step__module__position",
            "step__module_id",
            "step__position",
            "step_id",
        )
    )
    if search:
        notes = notes.filter(Note.matching(search))
    return notes


@require_GET
def notes(request: HttpRequest) -> HttpResponse:
    form = NoteSearchForm(request.GET)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(_my_notes(request, search), NOTES_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "learning/notes.html",
        {"form": form, "page": page, "search": search, "nav": "notes"},
    )


@require_GET
def notes_print(request: HttpRequest) -> HttpResponse:
    return render(request, "learning/notes_print.html", {"notes": _my_notes(request)})


@require_GET
def notes_export(request: HttpRequest) -> HttpResponse:
    text = render_to_string(
        "learning/notes_export.md", {"notes": _my_notes(request), "user": request.user}
    )
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="balie-aantekeningen-{stamp}.md"'
    return response


# --- "How we do it here": a library's own block in a module --------------------------------

EDITOR_ROLES = (Role.MANAGER, Role.SPECIALIST)


def _own_libraries(user: User, *roles: str) -> list[Organisation]:
    """The libraries the person works in (with one of `roles`, if given), by name."""
    ids = access.library_ids_where(user, *roles)
    found = {m.organisation_id: m.organisation for m in user.active_memberships}
    return sorted((found[i] for i in ids), key=lambda library: (library.name, library.pk))


def _pick(libraries: list[Organisation], slug: str | None) -> Organisation | None:
    """The library named by `?bibliotheek=`; 404 for one that is not on offer."""
    if not slug:
        return None
    for library in libraries:
        if library.slug == slug:
            return library
    raise Http404


def _colleagues(block: LocalBlock) -> list[dict]:
    """The colleagues named in the block, with what they do in that library (one query)."""
    memberships = (
        Membership.objects.filter(
            organisation_id=block.library_id, user__local_blocks=block, user__is_active=True
        )
        .select_related("user", "branch")
        .order_by("user__full_name", "user_id", "role")
    )
    people: dict[int, dict] = {}
    for membership in memberships:
        row = people.setdefault(
            membership.user_id, {"user": membership.user, "memberships": [], "branches": []}
        )
        row["memberships"].append(membership)
        branch = membership.branch and (membership.branch.place or membership.branch.name)
        if branch and branch not in row["branches"]:
            row["branches"].append(branch)
    for row in people.values():
        row["description"] = colleague_description(row.pop("memberships"))
    return list(people.values())


@require_GET
def local_block(request: HttpRequest, pk: int) -> HttpResponse:
    """The block of the person's own library in this module; an adviser or national editor
    may look at the blocks of the libraries they serve."""
    user = request.user
    module = get_for(user, Module.objects, pk)
    blocks = {
        block.library_id: block
        for block in LocalBlock.objects.visible_to(user)
        .filter(module=module)
        .select_related("library", "updated_by")
        .order_by("library__name", "library_id")
    }
    own = _own_libraries(user)
    own_ids = {library.pk for library in own}
    libraries = own + [b.library for b in blocks.values() if b.library_id not in own_ids]
    library = _pick(libraries, request.GET.get("bibliotheek"))
    if library is None:
        library = next((lib for lib in libraries if lib.pk in blocks), None)
        library = library or (libraries[0] if libraries else None)
    block = blocks.get(library.pk) if library else None
    editable = access.library_ids_where(user, *EDITOR_ROLES)
    return render(
        request,
        "learning/local_block.html",
        {
            "module": module,
            "library": library,
            "local_block": block,
            "colleagues": _colleagues(block) if block else [],
            "may_edit": library is not None and library.pk in editable,
            "other_libraries": [
                lib for lib in libraries if lib != library and (lib.pk in blocks or lib in own)
            ],
            "nav": "learning",
        },
    )


def _block_url(module: Module, library: Organisation) -> str:
    url = reverse("learning:local_block", args=[module.pk])
    return f"{url}?{urlencode({'bibliotheek': library.slug})}"


@require_http_methods(["GET", "POST"])
def local_block_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Managers and specialists write their library's block; for anyone else it is not there."""
    user = request.user
    module = get_for(user, Module.objects, pk)
    libraries = _own_libraries(user, *EDITOR_ROLES)
    if not libraries:
        raise Http404
    library = _pick(libraries, request.GET.get("bibliotheek")) or libraries[0]
    block = (
        LocalBlock.objects.editable_by(user)
        .filter(module=module, library=library)
        .prefetch_related("colleagues")
        .first()
    )
    status = 200
    if request.method == "POST":
        form = LocalBlockForm(request.POST, library=library)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.save_local_block(
                    module,
                    library=library,
                    how_we_do_it=data["how_we_do_it"],
                    activities=data["activities"],
                    partners=data["partners"],
                    colleagues=data["colleagues"],
                    by=user,
                )
            except ValueError:
                form.add_error("colleagues", _("Choose only colleagues who work in your library."))
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("Saved. Your colleagues now see this in the module."),
                )
                return redirect(_block_url(module, library))
        status = 400
    elif block is not None:
        form = LocalBlockForm(
            library=library,
            initial={
                "how_we_do_it": block.how_we_do_it,
                "activities": block.activities,
                "partners": block.partners,
                "colleagues": [person.pk for person in block.colleagues.all()],
            },
        )
    else:
        form = LocalBlockForm(library=library)
    return render(
        request,
        "learning/local_block_edit.html",
        {
            "module": module,
            "library": library,
            "libraries": libraries,
            "local_block": block,
            "form": form,
            "nav": "learning",
        },
        status=status,
    )
