"""The login audit: every successful and failed login, with who, when (the log record's time)
and from where, on the `balie.security` logger."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from balie.security.client import clean_email, client_ip, login_username

logger = logging.getLogger("balie.security")


def _ip(request) -> str:
    return client_ip(request) if request is not None else "-"


@receiver(user_logged_in, dispatch_uid="balie.security.login_succeeded")
def login_succeeded(sender, request, user, **kwargs) -> None:
    logger.info(
        "login succeeded email=%s user=%s ip=%s",
        clean_email(getattr(user, "email", "")),
        user.pk,
        _ip(request),
    )


@receiver(user_login_failed, dispatch_uid="balie.security.login_failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    logger.warning(
        "login failed email=%s ip=%s", login_username(request, credentials), _ip(request)
    )


@receiver(user_locked_out, dispatch_uid="balie.security.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    logger.warning("login locked out email=%s ip=%s", clean_email(username), ip_address)
