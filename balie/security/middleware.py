"""Two middlewares: the two-step gate in front of every page, and the audit of downloads."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from balie.security import verification
from balie.security.audit import current_request, record_event
from balie.security.models import AuditAction

# What a session that still owes its code (or its set-up) may reach.
OPEN_VIEWS = frozenset(
    {
        "security:verify",
        "security:two_factor",
        "security:turn_on",
        "security:turn_off",
        "logout",
        "set_language",
        "health_live",
        "health_ready",
    }
)


def _to(name: str, request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


class TwoFactorMiddleware:
    """After the password, a person with two-step verification on reaches nothing but the code
    page until a code was accepted. A person whose role requires it (`BALIE_REQUIRE_2FA_FOR`)
    is sent to set it up. The management site is only for verified sessions
    (`BALIE_ADMIN_REQUIRES_2FA`). Place after the authentication and message middlewares."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, args, kwargs) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is None or match.view_name in OPEN_VIEWS:
            return None
        if verification.needs_code(request):
            return _to("security:verify", request)
        if verification.needs_set_up(request):
            messages.info(request, _("Your role requires two-step verification. Turn it on first."))
            return _to("security:turn_on", request)
        if (
            "admin" in match.namespaces
            and settings.BALIE_ADMIN_REQUIRES_2FA
            and not verification.is_verified(request)
        ):
            messages.info(
                request, _("The management site needs two-step verification. Turn it on first.")
            )
            return _to("security:two_factor", request)
        return None


ORGANISATION_ROUTES = frozenset({"insights:library", "insights:poi"})
FILTER_PARAMETERS = ("start", "end", "branch", "format")


class AuditMiddleware:
    """Remembers the request being answered (for the IP address of events recorded inside it),
    and records every data export: any answer that is an attachment (CSV, XLSX, notes), except
    a calendar file, which is one's own schedule, not an export. The event names the page and
    its filter, never the file's content."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
            if _is_download(response) and request.user.is_authenticated:
                _record_download(request, response)
        finally:
            current_request.reset(token)
        return response


def _is_download(response: HttpResponse) -> bool:
    disposition = response.get("Content-Disposition", "")
    calendar = response.get("Content-Type", "").startswith("text/calendar")
    return (
        response.status_code == 200
        and disposition.lower().startswith("attachment")
        and not calendar
    )


def _record_download(request: HttpRequest, response: HttpResponse) -> None:
    match = request.resolver_match
    name = match.view_name if match else ""
    filters = {key: request.GET[key] for key in FILTER_PARAMETERS if request.GET.get(key)}
    organisation = None
    if filters.get("branch", "").isdigit():
        organisation = int(filters["branch"])
    elif name in ORGANISATION_ROUTES:
        organisation = match.kwargs.get("pk")
    record_event(
        AuditAction.EXPORT,
        actor=request.user,
        object_type=name,
        object_id=next(iter(match.kwargs.values()), "") if match else "",
        organisation=organisation,
        request=request,
        details={"content_type": response.get("Content-Type", "").split(";")[0], **filters},
    )
