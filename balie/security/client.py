"""Who is knocking: the client's IP address and the e-mail address they typed."""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind BALIE_TRUSTED_PROXY_COUNT proxies, each proxy appends the
    address it saw to X-Forwarded-For, so the client is that many entries from the right;
    anything further left was written by the client and is not believed. Without trusted
    proxies, X-Forwarded-For is ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.BALIE_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def clean_email(value: object) -> str:
    """An e-mail address as typed, safe for one log line: no control characters (CR/LF),
    lower case, at most 254 characters."""
    return _CONTROL.sub("", str(value or "")).strip().lower()[:254]


def login_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The name axes counts failures under: the e-mail address as the login form cleans it,
    so that "Alice@…" and "alice@…" are one account."""
    if credentials:
        return clean_email(credentials.get("username") or credentials.get("email"))
    if request is not None:
        return clean_email(request.POST.get("username"))
    return ""
