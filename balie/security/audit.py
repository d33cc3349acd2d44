"""The audit: every successful and failed login on the `balie.security` logger (who, when, from
where), and the append-only table of events (`AuditEvent`) that `record_event` is the one door
to: management-site changes, exports, privacy requests, two-step verification."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest

from balie.orgs.models import Organisation, Role
from balie.security.client import clean_email, client_ip, login_username
from balie.security.models import AuditAction, AuditEvent

logger = logging.getLogger("balie.security")

# The request being answered, so that events recorded deep inside it (a management-site
# change) know the client's address. Set by `AuditMiddleware`.
current_request: ContextVar[HttpRequest | None] = ContextVar("balie_request", default=None)

# The role an event names for its actor: the most powerful one they hold.
ROLE_ORDER = (Role.ADMIN, Role.EDITOR, Role.ADVISER, Role.MANAGER, Role.SPECIALIST, Role.LEARNER)
ADMIN_ACTIONS = {
    ADDITION: AuditAction.ADMIN_ADD,
    CHANGE: AuditAction.ADMIN_CHANGE,
    DELETION: AuditAction.ADMIN_DELETE,
}
MAX_DETAIL = 200


def _ip(request) -> str:
    return client_ip(request) if request is not None else "-"


def _role_of(actor) -> str:
    if actor is None:
        return ""
    held = {m.role for m in actor.active_memberships}
    return next((role for role in ROLE_ORDER if role in held), "")


def _clean_details(details: dict[str, Any]) -> dict[str, Any]:
    """Small, flat and printable: strings clipped, control characters out (QUALITY G2)."""
    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        if value is not None and not isinstance(value, (bool, int, float)):
            value = "".join(c for c in str(value) if c.isprintable())[:MAX_DETAIL]
        cleaned[str(key)[:50]] = value
    return cleaned


def record_event(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    organisation: Organisation | int | None = None,
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the audit log. Name the record by `obj`, or by `object_type`
    ("app_label.model") and `object_id`; never put its text in `details`. The actor's role is
    taken as it is now; the IP address from `request`, else from the request being answered."""
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    event = _event(action, actor, object_type, object_id, organisation, request, details)
    event.save()
    return event


def record_events(
    action: str, objs: list[models.Model], *, actor, organisation_field: str = "library_id"
) -> list[AuditEvent]:
    """One event per record of `objs` (a page that shows several), in one INSERT; each
    names the organisation in the record's `organisation_field`."""
    return AuditEvent.objects.bulk_create(
        [
            _event(
                action,
                actor,
                obj._meta.label_lower,
                obj.pk,
                getattr(obj, organisation_field),
                None,
                None,
            )
            for obj in objs
        ]
    )


def _event(action, actor, object_type, object_id, organisation, request, details) -> AuditEvent:
    request = request or current_request.get()
    if isinstance(organisation, Organisation):
        organisation = organisation.pk
    return AuditEvent(
        action=action,
        actor=actor,
        actor_role=_role_of(actor),
        object_type=object_type,
        object_id="" if object_id is None else str(object_id)[:64],
        organisation_id=organisation,
        ip=(client_ip(request) or None) if request is not None else None,
        details=_clean_details(details or {}),
    )


# --- the privacy registry's handlers (balie/privacy.py) -------------------------------------


def events_of(user) -> list[dict[str, Any]]:
    """What the log holds on them as the actor: when, what, which kind of record."""
    return list(
        AuditEvent.objects.filter(actor=user)
        .order_by("pk")
        .values("at", "action", "object_type", "object_id")
    )


def forget_actor(user, person=None) -> int:
    """The events stay (they are the organisation's audit trail); who did them is forgotten.
    The one update the log allows, on PostgreSQL too."""
    return AuditEvent.objects.filter(actor=user).update(actor=None)


# --- the management site ----------------------------------------------------------------------

_log_actions = LogEntryManager.log_actions


def _log_actions_and_audit(manager, user_id, queryset, action_flag, *args, **kwargs):
    """Every change in the management site goes through `LogEntry.objects.log_actions`, also a
    deletion of many records at once (which skips the save signals): each entry becomes an
    audit event in the same transaction."""
    entries = _log_actions(manager, user_id, queryset, action_flag, *args, **kwargs)
    actor = get_user_model().objects.filter(pk=user_id).first()
    for entry in [entries] if isinstance(entries, LogEntry) else entries:
        content_type = entry.content_type
        label = f"{content_type.app_label}.{content_type.model}"
        record_event(
            ADMIN_ACTIONS[entry.action_flag],
            actor=actor,
            object_type=label,
            object_id=entry.object_id,
            organisation=int(entry.object_id) if label == "orgs.organisation" else None,
        )
    return entries


def audit_management_site() -> None:
    """Called once when the app is ready."""
    LogEntryManager.log_actions = _log_actions_and_audit


# --- logins -----------------------------------------------------------------------------------


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
    email = clean_email(username)
    logger.warning("login locked out email=%s ip=%s", email, ip_address)
    # Whoever typed the passwords is unknown: the account is the record, not the actor.
    account = get_user_model().objects.filter(email=email).first() if email else None
    record_event(AuditAction.LOGIN_LOCKED_OUT, obj=account, request=request)
