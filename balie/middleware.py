"""Balie's own middleware: the request log, the Content Security Policy, the language, and the
answer while the database is away."""

import logging
import time
from collections.abc import Callable

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from balie import logs

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("balie.request")


class RequestLogMiddleware:
    """One log line per request (logger `balie.request`, INFO) with its status and duration,
    and a request id on every line logged while it runs (`balie.logs`). The id comes from the
    proxy's X-Request-ID when that is a safe one, and goes back in the response, so that a
    proxy's line and Balie's can be matched. First in MIDDLEWARE: it times the whole stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        with logs.request_context(request, request_id) as current:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            request_logger.info(
                "%s %s %s %s ms",
                request.method,
                current.path,
                response.status_code,
                duration_ms,
                extra={"status": response.status_code, "duration_ms": duration_ms},
            )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's, except that a response with a policy of its own (the xAPI resources'
    sandbox) is left as it is. django-csp would not replace that policy either, but builds
    Balie's first: a tenth of the work of a statement POST."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if CSP_HEADER in response:
            return response
        return super().process_response(request, response)


class LanguageMiddleware:
    """Dutch first: Balie speaks Dutch unless the person chose English with the language
    switch, whatever language their browser prefers (desk PCs are often set up in English)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached (a restart, a failover), answer 503 with
    Retry-After instead of a 500: the browser's queued taps and notes try again, and a proxy or
    monitor sees an outage rather than a bug. Django reconnects by itself afterwards
    (CONN_HEALTH_CHECKS)."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable: %s", type(exception).__name__)
        response = HttpResponse(
            _("Balie cannot reach its database for a moment. Please try again shortly."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
