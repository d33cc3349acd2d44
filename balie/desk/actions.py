"""Verbs of the desk: keep the offer catalogue, log a referral tap and undo it.

The tally is anonymous (DOMAIN.md (f)): a tap stores the need, the offer, warm or not, the branch,
the channel and the hour — nothing about the customer and nothing about who tapped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from balie.desk.models import Channel, Need, Offer, Referral
from balie.orgs.models import Organisation

# How long a tap can be undone, and how old a tap sent late may be and still keep its hour.
UNDO_SECONDS = 120
LATE_TAP_DAYS = 7
_UNDO_SALT = "balie.desk.tally.undo"

OFFER_FIELDS = (
    "kind",
    "name",
    "description",
    "needs",
    "schedule",
    "branch",
    "owner",
    "takes_appointments",
    "position",
)


# --- The offer catalogue -----------------------------------------------------------------------


@transaction.atomic
def save_offer(library: Organisation, data: dict, offer: Offer | None = None) -> Offer:
    """Add an offer to `library`'s catalogue, or change `offer` (of that library)."""
    offer = offer or Offer(library=library)
    if offer.library_id != library.pk:
        raise ValidationError(_("This offer belongs to another library."))
    for field in OFFER_FIELDS:
        if field in data:
            setattr(offer, field, data[field])
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def set_offer_active(offer: Offer, active: bool) -> Offer:
    """Take an offer off the list (the tally no longer shows it), or put it back."""
    if offer.is_active != active:
        offer.is_active = active
        offer.save(update_fields=["is_active"])
    return offer


def may_delete_offer(offer: Offer) -> bool:
    """Only an offer that was never referred to may go: the figures keep the others."""
    return not Referral.objects.filter(offer=offer).exists() and not offer.handover_set.exists()


@transaction.atomic
def delete_offer(offer: Offer) -> None:
    if not may_delete_offer(offer):
        raise ValidationError(
            _("Colleagues referred customers to this offer. Take it off the list instead.")
        )
    try:
        with transaction.atomic():
            offer.delete()
    except ProtectedError:  # a tap came in between
        raise ValidationError(
            _("Colleagues referred customers to this offer. Take it off the list instead.")
        ) from None


# --- The referral tally ------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    referral: Referral
    created: bool
    undo_token: str


def _hour_for(tapped_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The hour the tap belongs to: the browser's time when it is plausible (in the last week
    and not in the future), so that a tap sent late keeps its hour; otherwise now."""
    moment = now
    if (
        tapped_at is not None
        and timezone.is_aware(tapped_at)
        and now - dt.timedelta(days=LATE_TAP_DAYS) <= tapped_at <= now
    ):
        moment = tapped_at
    return Referral.hour_of(moment)


def undo_token(client_id: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=_UNDO_SALT).sign(str(client_id))


@transaction.atomic
def log_referral(
    *,
    client_id: uuid.UUID,
    offer: Offer,
    need: str,
    warm: bool,
    branch: Organisation | None,
    channel: str,
    tapped_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Logged:
    """Count one tap for the offer's library. Idempotent on `client_id`: a tap sent again (or
    twice at the same moment) is counted once and answers the same."""
    if need not in Need.values:
        raise ValidationError(_("Choose what the customer needs."))
    if channel not in Channel.values:
        raise ValidationError(
            _("Choose how the customer came: at the desk, by phone or at an activity.")
        )
    if branch is not None and branch.parent_id != offer.library_id:
        raise ValidationError(_("Choose a branch of this library."))
    now = now or timezone.now()
    existing = Referral.objects.filter(client_id=client_id).first()
    created = False
    if existing is None:
        referral = Referral(
            client_id=client_id,
            library_id=offer.library_id,
            branch=branch,
            hour=_hour_for(tapped_at, now),
            channel=channel,
            need=need,
            offer=offer,
            offer_kind=offer.kind,
            warm=warm,
        )
        try:
            with transaction.atomic():
                referral.save(force_insert=True)
            created = True
        except IntegrityError:  # the same tap, sent twice at once: the other one won
            existing = Referral.objects.get(client_id=client_id)
    if existing is not None:
        if existing.library_id != offer.library_id:
            raise ValidationError(_("This tap was already counted elsewhere."))
        referral = existing
    return Logged(referral=referral, created=created, undo_token=undo_token(referral.client_id))


def client_id_from(token: str) -> uuid.UUID:
    """The tap an undo token is for. Raises ValidationError when it is expired or forged."""
    signer = signing.TimestampSigner(salt=_UNDO_SALT)
    try:
        return uuid.UUID(signer.unsign(token, max_age=UNDO_SECONDS))
    except signing.SignatureExpired:
        raise ValidationError(
            _("Undo is possible for 2 minutes only. This tap stays counted."), code="expired"
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(_("This undo link is not valid."), code="invalid") from None


@transaction.atomic
def undo_referral(referral: Referral) -> Referral:
    """Withdraw a tap (it stays in the table, so that a late resend stays undone).
    Idempotent. A tap that led to a booked appointment is not withdrawn."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.withdrawn:
        return referral
    if hasattr(referral, "handover"):
        raise ValidationError(
            _("An appointment was booked for this referral. Cancel the appointment instead.")
        )
    referral.withdrawn = True
    referral.save(update_fields=["withdrawn"])
    return referral


def count_today(library_id: int, branch_id: int | None, now: dt.datetime | None = None) -> int:
    """The team's count of today at one branch (the whole library when no branch is given)."""
    now = timezone.localtime(now or timezone.now())
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = Referral.objects.counted().filter(library_id=library_id, hour__gte=start)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return rows.count()
