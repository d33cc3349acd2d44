"""Shared desk PCs: a session without activity is logged out, and pages with a person's data
stay out of the browser's cache.

Activity is any request of the person, except the learning player's heartbeat (it runs while
a step is open, also when nobody is at the PC). `static/security/idle.js` warns two minutes
before the end and keeps the session alive with a POST to `security:keep_alive` while the
person types, clicks or scrolls — so a learner reading a long step is not logged out. The last
activity is kept in the session, written at most once a minute."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

SESSION_KEY = "balie_last_seen"
WRITE_EVERY_SECONDS = 60
# Requests a page makes by itself, which say nothing about a person being there.
BACKGROUND_VIEWS = frozenset({"learning:step_time"})


def idle_seconds() -> int:
    return settings.BALIE_IDLE_MINUTES * 60


def seen(request: HttpRequest, now: float | None = None) -> None:
    now = time.time() if now is None else now
    if now - request.session.get(SESSION_KEY, 0) >= WRITE_EVERY_SECONDS:
        request.session[SESSION_KEY] = int(now)


@receiver(user_logged_in, dispatch_uid="balie.security.idle_at_login")
def seen_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Logs out a session that saw no activity for `BALIE_IDLE_MINUTES`; the login page then
    says why. Place after the authentication and message middlewares."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, args, kwargs) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        now = time.time()
        last = request.session.get(SESSION_KEY)
        if last is not None and now - last > idle_seconds():
            logout(request)
            messages.info(
                request,
                _("You were logged out after %(minutes)s minutes without activity.")
                % {"minutes": settings.BALIE_IDLE_MINUTES},
            )
            login = reverse(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        match = request.resolver_match
        if match is None or match.view_name not in BACKGROUND_VIEWS:
            seen(request, now)
        return None


class NoStoreMiddleware:
    """Every answer to a logged-in person: `Cache-Control: no-store, private`, so that the next
    person at a shared PC cannot page back to it. Static files never reach this (WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
