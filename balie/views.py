"""Project-wide views: health checks and uploaded media."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from django.views.static import serve


@login_not_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Never touches the database (also the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not ready
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded module material (videos, captions, articles), for people who are logged in.
    A production proxy may serve MEDIA_ROOT itself."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    return response
