from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from balie.orgs import access, actions
from balie.orgs.access import get_for
from balie.orgs.account_views import remember_language
from balie.orgs.directory_forms import DirectoryEntryForm, DirectorySearchForm
from balie.orgs.forms import LoginForm, SingleSignOnForm
from balie.orgs.models import DirectoryEntry, Organisation, SingleSignOn, Topic, User


def _with_sign_on_forms(response: HttpResponse) -> HttpResponse:
    """The form "log in with your library's account" leads, through a redirect, to the
    library's provider: the policy's form-action allows their addresses on the login page."""
    origins = SingleSignOn.objects.origins()
    if origins:
        response._csp_update = {"form-action": origins}
    return response


def _sign_on_form() -> SingleSignOnForm | None:
    """Offered only when some organisation has its own sign-in."""
    return SingleSignOnForm(prefix="sso") if SingleSignOn.objects.exists() else None


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    response = auth_views.LoginView.as_view(
        template_name="orgs/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
        extra_context={"sso_form": _sign_on_form()},
    )(request)
    return remember_language(request, _with_sign_on_forms(response))


def login_page(request: HttpRequest, *, sso_form: SingleSignOnForm, status: int) -> HttpResponse:
    """The login page again, with the library-account form as it was sent."""
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {"form": LoginForm(request), "sso_form": sso_form, "next": next_url}
    return _with_sign_on_forms(render(request, "orgs/login.html", context, status=status))


# --- Who does what ----------------------------------------------------------------------------

DIRECTORY_PER_PAGE = 50


def _libraries_visible_to(user: User) -> list[Organisation]:
    return list(
        access.organisations_visible_to(user)
        .filter(kind=Organisation.Kind.LIBRARY)
        .order_by("name")
    )


def _chosen_library(user: User, libraries: list[Organisation], slug: str) -> Organisation | None:
    """The library asked for with ?bibliotheek=, else the person's own, else the first."""
    for library in libraries:
        if library.slug == slug:
            return library
    own = {m.organisation_id for m in user.active_memberships}
    return next((lib for lib in libraries if lib.pk in own), libraries[0] if libraries else None)


def _directory_of(user: User, library: Organisation) -> QuerySet[DirectoryEntry]:
    return (
        DirectoryEntry.objects.visible_to(user)
        .filter(library=library)
        .select_related("person", "branch")
        .prefetch_related("topics")
        .order_by("person__full_name", "pk")
    )


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    user = request.user
    libraries = _libraries_visible_to(user)
    library = _chosen_library(user, libraries, request.GET.get("bibliotheek", ""))
    form = DirectorySearchForm(
        {"q": request.GET.get("q", ""), "bibliotheek": library.slug if library else ""},
        libraries=libraries,
    )
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    entries = _directory_of(user, library) if library else DirectoryEntry.objects.none()
    page = Paginator(entries.matching(search), DIRECTORY_PER_PAGE).get_page(
        request.GET.get("pagina")
    )
    return render(
        request,
        "orgs/directory.html",
        {
            "form": form,
            "page": page,
            "search": search,
            "library": library,
            "libraries": libraries,
            "topics": Topic.objects.all() if library else [],
            "may_edit": library is not None and actions.may_edit_directory(user, library),
            "nav": "directory",
        },
    )


@require_GET
def directory_card(request: HttpRequest) -> HttpResponse:
    """One printable page for the desk: per topic, who to go to, how and when."""
    user = request.user
    libraries = _libraries_visible_to(user)
    library = _chosen_library(user, libraries, request.GET.get("bibliotheek", ""))
    if library is None:
        raise Http404
    entries = list(_directory_of(user, library))
    by_topic: dict[Topic, list[DirectoryEntry]] = {}
    others = []
    for entry in entries:
        topics = entry.topics.all()
        for topic in topics:
            by_topic.setdefault(topic, []).append(entry)
        if not topics:
            others.append(entry)
    topics = sorted(by_topic.items(), key=lambda item: (item[0].position, item[0].name))
    return render(
        request,
        "orgs/directory_card.html",
        {"library": library, "topics": topics, "others": others},
    )


def _entry_form_page(
    request: HttpRequest, library: Organisation, entry: DirectoryEntry | None
) -> HttpResponse:
    form = DirectoryEntryForm(request.POST or None, instance=entry, library=library)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.save_directory_entry(
                by=request.user,
                library=library,
                entry=entry,
                person=data["person"],
                role_title=data["role_title"],
                topics=data["topics"],
                branch=data["branch"],
                how_to_reach=data["how_to_reach"],
                when=data["when"],
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is in the directory.") % {"name": saved.person.full_name},
            )
            return redirect(_directory_url(library))
    return render(
        request,
        "orgs/directory_form.html",
        {"form": form, "library": library, "entry": entry, "nav": "directory"},
        status=400 if form.is_bound and form.errors else 200,
    )


def _directory_url(library: Organisation) -> str:
    return f"{reverse('directory')}?{urlencode({'bibliotheek': library.slug})}"


@require_http_methods(["GET", "POST"])
def directory_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    editable = [lib for lib in _libraries_visible_to(user) if actions.may_edit_directory(user, lib)]
    if not editable:
        raise Http404
    library = _chosen_library(user, editable, request.GET.get("bibliotheek", ""))
    return _entry_form_page(request, library, None)


@require_http_methods(["GET", "POST"])
def directory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_for(request.user, DirectoryEntry.objects.editable_by(request.user), pk)
    return _entry_form_page(request, entry.library, entry)


@require_http_methods(["GET", "POST"])
def directory_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_for(
        request.user,
        DirectoryEntry.objects.editable_by(request.user).select_related("person", "library"),
        pk,
    )
    if request.method == "POST":
        actions.remove_directory_entry(entry, by=request.user)
        messages.success(
            request,
            _("%(name)s is no longer in the directory.") % {"name": entry.person.full_name},
        )
        return redirect(_directory_url(entry.library))
    return render(request, "orgs/directory_remove.html", {"entry": entry, "nav": "directory"})
