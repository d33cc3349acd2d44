"""Turning two-step verification on and off, and checking a code: each in one transaction."""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from balie.orgs.models import User
from balie.security import totp
from balie.security.audit import record_event
from balie.security.models import AuditAction, RecoveryCode, TwoFactor

logger = logging.getLogger("balie.security")

RECOVERY_CODES = 10
# Unambiguous capitals and digits (no 0/O, 1/I): 16 of them carry 80 random bits.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 16


class Check(enum.Enum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    BLOCKED = "blocked"


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def _hash_recovery_code(code: str) -> str:
    cleaned = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(cleaned.encode("ascii", "ignore")).hexdigest()


@transaction.atomic
def turn_on_two_factor(user: User, *, secret: str, counter: int) -> tuple[TwoFactor, list[str]]:
    """Store the secret once the person typed a current code from their app (the form checks
    it: step `counter`, which cannot be used again), with fresh recovery codes. Answers the
    device and the recovery codes in plain text: they are shown once and stored hashed."""
    two_factor = TwoFactor.objects.create(
        user=user, secret=secret, last_counter=counter, last_used_at=timezone.now()
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(two_factor=two_factor, code_hash=_hash_recovery_code(c)) for c in codes
    )
    record_event(AuditAction.TWO_FACTOR_ON, actor=user, obj=user)
    return two_factor, codes


@transaction.atomic
def turn_off_two_factor(two_factor: TwoFactor, *, by: User) -> None:
    """Forget the secret and the recovery codes (after a current code, in the view)."""
    user = two_factor.user
    two_factor.delete()
    record_event(AuditAction.TWO_FACTOR_OFF, actor=by, obj=user)


def _check(two_factor: TwoFactor, code: str) -> bool:
    counter = totp.matching_counter(two_factor.secret, code, after=two_factor.last_counter)
    if counter is not None:
        two_factor.last_counter = counter
        return True
    used = RecoveryCode.objects.filter(
        two_factor=two_factor, code_hash=_hash_recovery_code(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


@transaction.atomic
def check_code(two_factor: TwoFactor, code: str) -> Check:
    """Whether `code` is a current code from the app, not used before, or an unused recovery
    code (which is then used up). After AXES_FAILURE_LIMIT wrong codes in a row, no code is
    checked for AXES_COOLOFF_TIME: guessing six digits stays hopeless, also for someone who
    knows the password and logs in again and again (that resets the password count, not
    this one). The row is locked, so parallel guesses queue and each one counts."""
    two_factor = TwoFactor.objects.select_for_update().get(pk=two_factor.pk)
    if two_factor.is_blocked():
        return Check.BLOCKED
    now = timezone.now()
    if _check(two_factor, code):
        two_factor.failures, two_factor.blocked_until, two_factor.last_used_at = 0, None, now
        two_factor.save(update_fields=["last_counter", "failures", "blocked_until", "last_used_at"])
        return Check.ACCEPTED
    two_factor.failures += 1
    logger.warning("two-step code refused user=%s", two_factor.user_id)
    blocked = two_factor.failures >= settings.AXES_FAILURE_LIMIT
    if blocked:
        two_factor.failures, two_factor.blocked_until = 0, now + settings.AXES_COOLOFF_TIME
        record_event(AuditAction.TWO_FACTOR_BLOCKED, obj=two_factor.user)
    two_factor.save(update_fields=["failures", "blocked_until"])
    return Check.BLOCKED if blocked else Check.REFUSED


def recovery_codes_left(two_factor: TwoFactor) -> int:
    return two_factor.recovery_codes.filter(used_at__isnull=True).count()
