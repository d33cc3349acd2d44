"""Whether this session has passed the second step. A password login makes the session
authenticated but not yet verified; `TwoFactorMiddleware` lets such a session reach only the
code page until a code was accepted.

The state lives in the session (set at login), so that ordinary pages cost no extra query:
which device the person had at login, whether a code was accepted, whether their role requires
two-step verification (`BALIE_REQUIRE_2FA_FOR`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from balie.orgs.models import Role, User
from balie.security.models import TwoFactor

SESSION_KEY = "balie_two_factor"
ELIGIBLE_ROLES = (Role.ADMIN, Role.EDITOR, Role.ADVISER)


def may_use_two_factor(user: User) -> bool:
    """Administrators, editors, POI advisers and anyone who may use the management site."""
    return user.is_staff or user.is_superuser or user.has_role(*ELIGIBLE_ROLES)


def is_required_for(user: User) -> bool:
    roles = settings.BALIE_REQUIRE_2FA_FOR
    return bool(roles) and user.has_role(*roles)


def _fresh(user: User) -> dict:
    device = TwoFactor.objects.filter(user=user).values_list("pk", flat=True).first()
    return {"user": user.pk, "device": device, "verified": False, "required": is_required_for(user)}


def state(request: HttpRequest) -> dict:
    """This session's state; worked out afresh for a session from before this existed."""
    current = request.session.get(SESSION_KEY)
    if not current or current.get("user") != request.user.pk:
        current = _fresh(request.user)
        request.session[SESSION_KEY] = current
    elif current["device"] is None and not current["required"] and is_required_for(request.user):
        # Required since this session logged in (BALIE_REQUIRE_2FA_FOR changed, or a new
        # role): set it up on this request. The roles are loaded once per request anyway.
        current = {**current, "required": True}
        request.session[SESSION_KEY] = current
    return current


def needs_code(request: HttpRequest) -> bool:
    current = state(request)
    return current["device"] is not None and not current["verified"]


def needs_set_up(request: HttpRequest) -> bool:
    current = state(request)
    return current["device"] is None and current["required"]


def is_verified(request: HttpRequest) -> bool:
    current = state(request)
    return current["device"] is not None and current["verified"]


def mark_verified(request: HttpRequest, two_factor: TwoFactor) -> None:
    """A code was accepted: the session is fully logged in. A new session key, as at any
    change of privilege (session fixation)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {**state(request), "device": two_factor.pk, "verified": True}


def forget_device(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = {**state(request), "device": None, "verified": False}


@receiver(user_logged_in, dispatch_uid="balie.security.two_factor_at_login")
def start_unverified(sender, request, user, **kwargs) -> None:
    """Every password login starts unverified, also in a session that was verified before."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = _fresh(user)
