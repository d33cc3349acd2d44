"""Two-step verification (a TOTP secret and recovery codes) and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TwoFactor(models.Model):
    """A person's authenticator app: the shared secret, the last 30-second step a code was
    accepted for (a code is never accepted twice), and the count of wrong codes in a row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="two_factor",
    )
    secret = models.CharField(max_length=64)
    last_counter = models.BigIntegerField(default=-1)
    failures = models.PositiveSmallIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("turned on"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-step verification")
        verbose_name_plural = _("two-step verifications")

    def __str__(self) -> str:
        return str(self.user)

    def is_blocked(self) -> bool:
        return self.blocked_until is not None and self.blocked_until > timezone.now()


class RecoveryCode(models.Model):
    """One recovery code, for when the phone is lost: only its SHA-256 hash is stored (the code
    is 80 random bits, so a fast hash is enough), and it works once."""

    two_factor = models.ForeignKey(
        TwoFactor, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["two_factor", "code_hash"], name="recovery_code_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.two_factor} ({'used' if self.used_at else 'unused'})"


class AuditAction(models.TextChoices):
    ADMIN_ADD = "admin_add", _("management site: added")
    ADMIN_CHANGE = "admin_change", _("management site: changed")
    ADMIN_DELETE = "admin_delete", _("management site: deleted")
    EXPORT = "export", _("download of an export")
    PRIVACY_EXPORT = "privacy_export", _("privacy: export of a person")
    PRIVACY_ERASE = "privacy_erase", _("privacy: erasure of a person")
    BACKUP = "backup", _("database backup")
    TWO_FACTOR_ON = "two_factor_on", _("two-step verification turned on")
    TWO_FACTOR_OFF = "two_factor_off", _("two-step verification turned off")
    TWO_FACTOR_BLOCKED = "two_factor_blocked", _("two-step verification blocked: wrong codes")
    LOGIN_LOCKED_OUT = "login_locked_out", _("login blocked: wrong passwords")
    CONTACT_SHOWN = "contact_shown", _("a customer's contact data shown")
    CARD_MAILED = "card_mailed", _("appointment card e-mailed to the customer")
    XAPI_AUTH_BLOCKED = "xapi_auth_blocked", _("xAPI blocked: wrong credentials")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """An event is never changed or deleted. The one change allowed is forgetting who did it
    (a privacy erasure): `update(actor=None)`. PostgreSQL enforces the same with a trigger."""

    def update(self, **kwargs) -> int:
        if kwargs != {"actor": None}:
            raise PermissionError("An audit event never changes.")
        return super().update(**kwargs)

    def delete(self):
        raise PermissionError("An audit event is never deleted.")


class AuditEvent(models.Model):
    """Who did what to which record, from where and when. Never the record's text: only its
    type and id, so the log itself holds no personal content."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # SET_NULL: deleting or erasing a person keeps their events, without them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=16, blank=True)
    action = models.CharField(_("what"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("kind of record"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    # No database constraint: an organisation deleted later leaves its id in the log as it was.
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("An audit event never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("An audit event is never deleted.")
