from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from balie.orgs import access
from balie.orgs.models import Organisation, User
from balie.personas import actions
from balie.personas.forms import PersonaForm
from balie.personas.models import KEEPER_ROLES, Persona, PersonaKind

PER_PAGE = 48
# The most cards "print all" puts on paper at once.
PRINT_LIMIT = 200


def _kept_libraries(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=access.library_ids_where(user, *KEEPER_ROLES)
    ).order_by("name")


def _kind(value: str | None) -> str:
    return value if value in PersonaKind.values else ""


@require_GET
def persona_list(request: HttpRequest, kind: str = "") -> HttpResponse:
    personas = Persona.objects.visible_to(request.user).select_related("library")
    if kind:
        personas = personas.filter(kind=kind)
    page = Paginator(personas, PER_PAGE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "personas/persona_list.html",
        {
            "page": page,
            "kind": kind,
            "may_add": _kept_libraries(request.user).exists(),
            "nav": "personas",
        },
    )


@require_GET
def persona_detail(request: HttpRequest, pk: int) -> HttpResponse:
    persona = access.get_for(request.user, Persona.objects.select_related("library"), pk)
    return render(
        request,
        "personas/persona_detail.html",
        {
            "persona": persona,
            "may_edit": persona.library is not None
            and actions.may_keep(request.user, persona.library),
            "nav": "personas",
        },
    )


@require_GET
def persona_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One persona as a card to print (two fit on an A4 sheet)."""
    persona = access.get_for(request.user, Persona.objects.select_related("library"), pk)
    return render(
        request, "personas/cards.html", {"personas": [persona], "back": persona, "kind": ""}
    )


@require_GET
def persona_cards(request: HttpRequest) -> HttpResponse:
    """Every persona the person may see (or of one kind) as cards to print."""
    kind = _kind(request.GET.get("soort"))
    personas = Persona.objects.visible_to(request.user).select_related("library")
    if kind:
        personas = personas.filter(kind=kind)
    return render(
        request,
        "personas/cards.html",
        {"personas": personas[:PRINT_LIMIT], "back": None, "kind": kind},
    )


def _form_page(request: HttpRequest, persona: Persona | None) -> HttpResponse:
    libraries = _kept_libraries(request.user)
    if not libraries:
        raise Http404
    form = PersonaForm(
        request.POST or None,
        request.FILES or None,
        instance=persona,
        libraries=libraries,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_persona(form.save(commit=False), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("personas:detail", pk=saved.pk)
    return render(
        request,
        "personas/persona_form.html",
        {"form": form, "persona": persona, "nav": "personas"},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def persona_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
def persona_edit(request: HttpRequest, pk: int) -> HttpResponse:
    persona = access.get_for(
        request.user, Persona.objects.kept_by(request.user).select_related("library"), pk
    )
    return _form_page(request, persona)


@require_http_methods(["GET", "POST"])
def persona_delete(request: HttpRequest, pk: int) -> HttpResponse:
    persona = access.get_for(
        request.user, Persona.objects.kept_by(request.user).select_related("library"), pk
    )
    if request.method == "POST":
        actions.delete_persona(persona, by=request.user)
        messages.success(request, _("%(name)s is removed.") % {"name": persona.name})
        return redirect("personas:list")
    return render(request, "personas/persona_delete.html", {"persona": persona, "nav": "personas"})
