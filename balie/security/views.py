"""Two-step verification: the person's own page to turn it on and off, and the code step after
the password at login."""

from __future__ import annotations

import logging

import segno
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from requests import RequestException

from balie.orgs.forms import SingleSignOnForm
from balie.orgs.models import SingleSignOn
from balie.orgs.views import login_page
from balie.security import actions, totp, verification
from balie.security.actions import Check
from balie.security.forms import CodeForm, RecoveryCodeForm, TurnOffForm, TurnOnForm
from balie.security.models import TwoFactor

PENDING_SECRET = "balie_two_factor_pending_secret"  # noqa: S105 - a session key
ISSUER = "Balie"

logger = logging.getLogger("balie.security")


def _next(request: HttpRequest) -> str:
    """Where to go after the step: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _eligible(request: HttpRequest) -> None:
    if not verification.may_use_two_factor(request.user):
        raise Http404


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _two_factor_page(request: HttpRequest, form: TurnOffForm, status: int = 200) -> HttpResponse:
    two_factor = TwoFactor.objects.filter(user=request.user).first()
    return render(
        request,
        "security/two_factor.html",
        {
            "two_factor": two_factor,
            "codes_left": actions.recovery_codes_left(two_factor) if two_factor else 0,
            "required": verification.is_required_for(request.user),
            "form": form,
            "next": _next(request) if "next" in request.GET else "",
        },
        status=status,
    )


@require_GET
def two_factor(request: HttpRequest) -> HttpResponse:
    _eligible(request)
    return _two_factor_page(request, TurnOffForm())


@require_http_methods(["GET", "POST"])
def turn_on(request: HttpRequest) -> HttpResponse:
    _eligible(request)
    user = request.user
    if TwoFactor.objects.filter(user=user).exists():
        return redirect("security:two_factor")
    # One secret per try, kept in the session until a code confirms it.
    secret = request.session.setdefault(PENDING_SECRET, totp.new_secret())
    form = TurnOnForm(request.POST or None, secret=secret)
    if request.method == "POST" and form.is_valid():
        two_factor, codes = actions.turn_on_two_factor(
            user, secret=secret, counter=form.cleaned_data["code"]
        )
        del request.session[PENDING_SECRET]
        verification.mark_verified(request, two_factor)
        # Shown in this answer only: the codes are stored hashed and cannot be shown again.
        return render(
            request, "security/recovery_codes.html", {"codes": codes, "next": _next(request)}
        )
    uri = totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)
    return render(
        request,
        "security/turn_on.html",
        {
            "form": form,
            "qr": segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff"),
            "secret": _grouped(secret),
            "next": _next(request) if "next" in request.GET else "",
        },
        status=400 if form.errors else 200,
    )


@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    _eligible(request)
    two_factor = get_object_or_404(TwoFactor, user=request.user)
    if verification.is_required_for(request.user):
        messages.error(request, _("Your role requires two-step verification: it stays on."))
        return redirect("security:two_factor")
    form = TurnOffForm(request.POST)
    if form.is_valid():
        result = actions.check_code(two_factor, form.cleaned_data["code"])
        if result is Check.ACCEPTED:
            actions.turn_off_two_factor(two_factor, by=request.user)
            verification.forget_device(request)
            messages.success(request, _("Two-step verification is off."))
            return redirect("security:two_factor")
        form.add_error("code", _refusal(result))
    return _two_factor_page(request, form, status=400)


def _refusal(result: Check) -> str:
    if result is Check.BLOCKED:
        return _(
            "Too many wrong codes. To keep your account safe, codes are not accepted for "
            "%(minutes)s minutes."
        ) % {"minutes": _cooloff_minutes()}
    return _("This code is not right, or it was used already. Type the code your app shows now.")


def _cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()) // 60)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login: the session is not fully logged in until a code from the
    app (or a recovery code) is accepted. Too many wrong codes end the session."""
    if not verification.needs_code(request):
        return redirect(_next(request))
    two_factor = TwoFactor.objects.filter(user=request.user).first()
    if two_factor is None:  # turned off in another session meanwhile
        verification.forget_device(request)
        return redirect(_next(request))
    code_form = CodeForm(request.POST if "code" in request.POST else None)
    recovery_form = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    for form, field in ((code_form, "code"), (recovery_form, "recovery_code")):
        if not form.is_valid():
            continue
        result = actions.check_code(two_factor, form.cleaned_data[field])
        if result is Check.ACCEPTED:
            verification.mark_verified(request, two_factor)
            return redirect(_next(request))
        if result is Check.BLOCKED:
            logout(request)
            return _blocked(request)
        form.add_error(field, _refusal(result))
    return render(
        request,
        "security/verify.html",
        {"code_form": code_form, "recovery_form": recovery_form, "next": _next(request)},
        status=400 if request.method == "POST" else 200,
    )


def _blocked(request: HttpRequest) -> HttpResponse:
    response = render(request, "security/blocked.html", {"minutes": _cooloff_minutes()}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """The person is at the PC (static/security/idle.js): their session stays. The idle
    middleware has noted the activity already."""
    return HttpResponse(status=204)


# --- Logging in with the library's own account (balie/security/sso.py) -----------------------


@login_not_required
@require_POST
# Each try asks the provider for its configuration; a library's whole team may share one address.
@ratelimit(key="ip", rate="120/m")
def sign_on(request: HttpRequest) -> HttpResponse:
    """Home-realm discovery: the domain of the work address names the organisation, whose
    provider the browser is sent to (with the address as a hint). The authorization code flow
    with PKCE; the answer comes back at the callback (`openid_connect_callback`)."""
    form = SingleSignOnForm(request.POST, prefix="sso")
    if form.is_valid():
        email = form.cleaned_data["email"]
        sign_on = SingleSignOn.objects.for_email(email)
        if sign_on is None:
            form.add_error(
                "email",
                _(
                    "Your library does not use its own accounts for Balie. Log in with your "
                    "e-mail address and password."
                ),
            )
        else:
            provider = get_social_adapter(request).get_provider(request, sign_on.provider_id)
            try:
                return provider.redirect(
                    request,
                    AuthProcess.LOGIN,
                    next_url=_next(request),
                    auth_params={"login_hint": email},
                )
            except RequestException:
                logger.warning("sso provider unreachable provider=%s", sign_on.provider_id)
                form.add_error(
                    None,
                    _(
                        "The login page of %(organisation)s cannot be reached now. Try again "
                        "later, or log in with your password."
                    )
                    % {"organisation": sign_on.organisation},
                )
    return login_page(request, sso_form=form, status=400)
