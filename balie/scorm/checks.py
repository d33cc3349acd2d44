"""`balie check --deploy`: SCORM packages need their own host name in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def content_origin(app_configs, **kwargs) -> list[Warning]:
    if not settings.BALIE_CONTENT_ORIGIN:
        return [
            Warning(
                "BALIE_CONTENT_ORIGIN is not set: SCORM packages are served from "
                "http://localhost, which only works for a demo.",
                hint="Give the packages a second host name (docs/deploy.md).",
                id="scorm.W001",
            )
        ]
    if settings.SESSION_COOKIE_SECURE and not settings.BALIE_CONTENT_ORIGIN.startswith("https:"):
        return [
            Warning(
                "BALIE_CONTENT_ORIGIN is not https while Balie's cookies are secure.",
                id="scorm.W002",
            )
        ]
    return []
