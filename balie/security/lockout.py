"""The login lockout (django-axes) and its page.

Axes locks one e-mail address from one IP address after AXES_FAILURE_LIMIT wrong passwords.
`LoginLimitsHandler` adds two wider limits, counted from the same failed-login records and
within the same cool-off, for what that pair misses:

- one account from many addresses (a botnet guessing one person's password):
  BALIE_LOGIN_ACCOUNT_LIMIT wrong passwords for one e-mail address, from all IPs together;
- one address against many accounts (credential stuffing: a leaked list of passwords tried
  account after account): BALIE_LOGIN_IP_LIMIT wrong passwords from one IP address, for all
  accounts together. A library's desk PCs often share one address, so this limit is higher.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from balie.security.client import login_username

ADDRESS, ACCOUNT, IP = "address", "account", "ip"


def _failures(request: HttpRequest, **fields: str) -> int:
    attempts = AccessAttempt.objects.filter(
        attempt_time__gte=get_cool_off_threshold(request), **fields
    )
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def locked_by(request: HttpRequest, credentials: dict | None) -> str | None:
    """Which limit this login has reached, if any: ADDRESS (this e-mail address from this IP
    address), ACCOUNT (this e-mail address from anywhere) or IP (this IP address, any account)."""
    username, ip = login_username(request, credentials), request.axes_ip_address
    if username and _failures(request, username=username, ip_address=ip) >= (
        settings.AXES_FAILURE_LIMIT
    ):
        return ADDRESS
    if username and _failures(request, username=username) >= settings.BALIE_LOGIN_ACCOUNT_LIMIT:
        return ACCOUNT
    if _failures(request, ip_address=ip) >= settings.BALIE_LOGIN_IP_LIMIT:
        return IP
    return None


class LoginLimitsHandler(AxesDatabaseHandler):
    """Axes' own database handler, which records every failure and locks the pair, with the
    two wider limits above."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or locked_by(request, credentials) in (
            ACCOUNT,
            IP,
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if locked_by(request, credentials) in (ACCOUNT, IP):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=login_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The login page, saying what is blocked here for a while, and why (429)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request,
        "security/lockout.html",
        {
            "minutes": max(1, seconds // 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "locked_by": locked_by(request, credentials) or ADDRESS,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
