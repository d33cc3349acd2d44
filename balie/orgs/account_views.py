"""Pages of the accounts that look after themselves: activation, a forgotten password,
"Mijn gegevens", "Ons team" and the privacy notice (orgs/accounts.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from balie.orgs import accounts
from balie.orgs.account_forms import (
    ActivationForm,
    ColleagueForm,
    EmailChangeForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    OwnPasswordChangeForm,
    ProfileForm,
)
from balie.orgs.models import Organisation, User

# A forgotten password: a handful per address and per computer an hour is plenty for people,
# and a wall for a script (the same answer whether the address exists or not).
RESET_RATE_PER_ADDRESS = "3/h"
RESET_RATE_PER_IP = "20/h"


def _too_often(request: HttpRequest, group: str, address: str) -> bool:
    per_ip = is_ratelimited(
        request, group=group, key="ip", rate=RESET_RATE_PER_IP, method="POST", increment=True
    )
    per_address = is_ratelimited(
        request,
        group=group,
        key=lambda _group, _request: address.strip().lower(),
        rate=RESET_RATE_PER_ADDRESS,
        method="POST",
        increment=True,
    )
    return per_ip or per_address


def _password_set(user: User) -> None:
    """A new password was chosen through an e-mail link: a login lockout on the address no
    longer stands in the way (django-axes)."""
    reset_lockout(username=user.email)


# --- A forgotten password (Django's reset views, under Dutch addresses) ----------------------


@method_decorator(login_not_required, name="dispatch")
class ForgottenPasswordView(auth_views.PasswordResetView):
    form_class = ForgottenPasswordForm
    template_name = "orgs/accounts/password_reset.html"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        if _too_often(request, "password_reset", request.POST.get("email", "")):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many requests in a short time. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class ForgottenPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "orgs/accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class NewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "orgs/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    reset_url_token = "nieuw-wachtwoord"  # noqa: S105 - a path segment, not a secret

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_set(form.user)
        return response


@method_decorator(login_not_required, name="dispatch")
class NewPasswordSetView(auth_views.PasswordResetCompleteView):
    template_name = "orgs/accounts/password_reset_complete.html"


# --- Activation -------------------------------------------------------------------------------


@method_decorator(login_not_required, name="dispatch")
class ActivateView(auth_views.PasswordResetConfirmView):
    """The invitation's link: choose a password, accept the privacy notice. A link that
    expired or was used says so, with a way to ask for a new one."""

    form_class = ActivationForm
    token_generator = accounts.invitation_tokens
    template_name = "orgs/accounts/activate.html"
    reset_url_token = "wachtwoord-kiezen"  # noqa: S105 - a path segment, not a secret

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_set(form.user)
        messages.success(self.request, _("Your account is ready. Log in with your e-mail address."))
        return response

    def get_success_url(self) -> str:
        return reverse("login")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.user
        context["activated"] = person is not None and accounts.is_activated(person)
        context["may_ask_again"] = person is not None and accounts.awaits_activation(person)
        return context


@login_not_required
@require_POST
def activation_new_link(request: HttpRequest, uidb64: str) -> HttpResponse:
    """Ask for a new invitation from an old link. It goes to the address of the account,
    never to another; the answer is the same whoever asks."""
    person = ActivateView().get_user(uidb64)
    address = person.email if person else uidb64
    if _too_often(request, "activation_new_link", address):
        return render(request, "orgs/accounts/new_link_sent.html", {"limited": True}, status=429)
    if person is not None and accounts.awaits_activation(person):
        accounts.invite_on_commit(person, again=True)
    return render(request, "orgs/accounts/new_link_sent.html", {})


@login_not_required
@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/accounts/privacy.html", {})


# --- Mijn gegevens ----------------------------------------------------------------------------


def _language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def remember_language(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """After a login: speak the language the person chose in "Mijn gegevens"."""
    user = request.user
    if user.is_authenticated and user.language and response.status_code == 302:
        _language_cookie(response, user.language)
    return response


@require_http_methods(["GET", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    which = request.POST.get("form") if request.method == "POST" else None
    profile = ProfileForm(request.POST if which == "profile" else None, instance=user)
    email = EmailChangeForm(user, request.POST if which == "email" else None)
    password = OwnPasswordChangeForm(user, request.POST if which == "password" else None)
    if which == "profile" and profile.is_valid():
        profile.save()
        messages.success(request, _("Your details are saved."))
        return _language_cookie(redirect("my_account"), profile.cleaned_data["language"])
    if which == "email" and email.is_valid():
        user.email = email.cleaned_data["email"]
        user.save(update_fields=["email"])
        messages.success(request, _("Your e-mail address is changed. Log in with the new one."))
        return redirect("my_account")
    if which == "password" and password.is_valid():
        password.save()
        update_session_auth_hash(request, password.user)
        messages.success(request, _("Your password is changed."))
        return redirect("my_account")
    invalid = any(form.is_bound and form.errors for form in (profile, email, password))
    return render(
        request,
        "orgs/accounts/my_account.html",
        {"profile": profile, "email_form": email, "password_form": password, "nav": "account"},
        status=400 if invalid else 200,
    )


# --- Ons team ---------------------------------------------------------------------------------

TEAM_PER_PAGE = 50


def _team_library(request: HttpRequest) -> tuple[Organisation, list[Organisation]]:
    libraries = accounts.team_libraries(request.user)
    if not libraries:
        raise Http404
    slug = request.GET.get("bibliotheek", "")
    library = next((lib for lib in libraries if lib.slug == slug), libraries[0])
    return library, libraries


def _colleague(request: HttpRequest, pk: int) -> tuple[Organisation, User]:
    """The person `pk` in a team that the visitor keeps; 404 for anyone else."""
    for library in accounts.team_libraries(request.user):
        person = accounts.team_of(library).filter(pk=pk).first()
        if person is not None:
            return library, person
    raise Http404


def _team_url(library: Organisation) -> str:
    return f"{reverse('team')}?{urlencode({'bibliotheek': library.slug})}"


@require_GET
def team(request: HttpRequest) -> HttpResponse:
    library, libraries = _team_library(request)
    page = Paginator(accounts.team_of(library), TEAM_PER_PAGE).get_page(request.GET.get("pagina"))
    rows = [
        {
            "person": person,
            "roles": [m for m in person.memberships.all() if m.organisation_id == library.pk],
            "activated": accounts.is_activated(person),
            "may_end": accounts.may_end(request.user, person, library),
        }
        for person in page
    ]
    return render(
        request,
        "orgs/accounts/team.html",
        {"library": library, "libraries": libraries, "page": page, "rows": rows, "nav": "team"},
    )


@require_http_methods(["GET", "POST"])
def team_add(request: HttpRequest) -> HttpResponse:
    library, _libraries = _team_library(request)
    form = ColleagueForm(request.POST or None, library=library)
    if request.method == "POST" and form.is_valid():
        try:
            person = accounts.add_colleague(by=request.user, library=library, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("%(name)s is on the team and gets an invitation by e-mail.")
                % {"name": person.full_name},
            )
            return redirect(_team_url(library))
    return render(
        request,
        "orgs/accounts/team_add.html",
        {"form": form, "library": library, "nav": "team"},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
def team_resend(request: HttpRequest, pk: int) -> HttpResponse:
    library, person = _colleague(request, pk)
    try:
        accounts.resend_invitation(by=request.user, library=library, person=person)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("A new invitation goes to %(name)s.") % {"name": person.full_name}
        )
    return redirect(_team_url(library))


@require_http_methods(["GET", "POST"])
def team_end(request: HttpRequest, pk: int) -> HttpResponse:
    library, person = _colleague(request, pk)
    if not accounts.may_end(request.user, person, library):
        raise Http404
    if request.method == "POST":
        accounts.end_access(by=request.user, library=library, person=person)
        messages.success(
            request,
            _("%(name)s no longer has access to Balie for %(library)s.")
            % {"name": person.full_name, "library": library.name},
        )
        return redirect(_team_url(library))
    return render(
        request,
        "orgs/accounts/team_end.html",
        {"person": person, "library": library, "nav": "team"},
    )
