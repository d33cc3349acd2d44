"""Verbs of the warm hand-over: keep free slots, book one with consent, record what came of
it, log intakes, and purge contact data after its retention date. Each runs in one
transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from balie.desk.models import (
    Channel,
    DeskSettings,
    HandOver,
    Intake,
    IntakeSource,
    Offer,
    Outcome,
    Purge,
    Referral,
    Slot,
)
from balie.orgs.models import Organisation, User


class SlotTaken(Exception):
    """The slot was booked (or cancelled, or has begun) before this booking got it."""


@dataclass(frozen=True)
class SlotPlan:
    colleague: User
    first: dt.datetime  # the first (or only) start, aware
    minutes: int
    place: str
    branch: Organisation | None
    weeks: int = 1  # 1: one slot; more: the same weekday and time for this many weeks


@transaction.atomic
def add_slots(library: Organisation, plan: SlotPlan) -> tuple[int, int]:
    """Add a slot, or a weekly series of slots. A time the colleague already has is skipped.
    Answers (added, skipped)."""
    first_local = timezone.localtime(plan.first)
    starts = []
    for week in range(plan.weeks):
        day = first_local.date() + dt.timedelta(weeks=week)
        # The same wall-clock time every week, also across a change to or from summer time.
        starts.append(
            timezone.make_aware(dt.datetime.combine(day, first_local.time().replace(tzinfo=None)))
        )
    existing = set(
        Slot.objects.filter(colleague=plan.colleague, starts_at__in=starts).values_list(
            "starts_at", flat=True
        )
    )
    new = [
        Slot(
            library=library,
            colleague=plan.colleague,
            branch=plan.branch,
            place=plan.place,
            starts_at=start,
            minutes=plan.minutes,
        )
        for start in starts
        if start not in existing
    ]
    Slot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new), len(starts) - len(new)


@transaction.atomic
def cancel_slot(slot: Slot, *, now: dt.datetime | None = None) -> HandOver | None:
    """Cancel a slot. A hand-over booked in it is marked cancelled (its contact data stay
    until the purge). Answers that hand-over, if any."""
    now = now or timezone.now()
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    slot.cancelled = True
    slot.save(update_fields=["cancelled"])
    handover = HandOver.objects.filter(slot=slot).first()
    if handover and handover.outcome == Outcome.PENDING:
        handover.outcome = Outcome.CANCELLED
        handover.outcome_at = now
        handover.save(update_fields=["outcome", "outcome_at"])
    return handover


def keep_until_for(library: Organisation, slot: Slot) -> dt.date:
    """Contact data are kept until this day: the appointment day plus the library's
    retention."""
    days = DeskSettings.retention_days_for(library)
    return timezone.localtime(slot.starts_at).date() + dt.timedelta(days=days)


def book(
    slot_id: int,
    *,
    offer: Offer,
    need: str,
    branch: Organisation | None,
    referral_id: uuid.UUID | None = None,
    consent_text: str = "",
    consent_at: dt.datetime | None = None,
    first_name: str = "",
    contact: str = "",
    now: dt.datetime | None = None,
) -> HandOver:
    """Book a warm hand-over in a free slot of the offer's library. Two desks booking the same
    slot at once: one gets it, the other gets `SlotTaken`. Contact data are stored only with
    consent. A counted, unlinked referral of this library named by `referral_id` is linked;
    otherwise one warm referral is logged, so that the tally counts the hand-over once."""
    now = now or timezone.now()
    if (first_name or contact) and not (consent_text and consent_at):
        raise ValidationError(_("Contact details need the customer's consent first."))
    library = offer.library
    try:
        with transaction.atomic():
            slots = Slot.objects.filter(pk=slot_id, library=library, cancelled=False)
            if connection.features.has_select_for_update:
                slots = slots.select_for_update()
            slot = slots.first()
            if slot is None or slot.starts_at <= now or HandOver.objects.filter(slot=slot).exists():
                raise SlotTaken
            referral = None
            if referral_id:
                referral = (
                    Referral.objects.counted()
                    .filter(client_id=referral_id, library=library, handover__isnull=True)
                    .first()
                )
            if referral is None:
                referral = Referral.objects.create(
                    library=library,
                    branch=branch,
                    hour=Referral.hour_of(now),
                    channel=Channel.DESK,
                    need=need,
                    offer=offer,
                    offer_kind=offer.kind,
                    warm=True,
                )
            return HandOver.objects.create(
                library=library,
                slot=slot,
                offer=offer,
                need=need,
                referral=referral,
                booked_at=now,
                consent_at=consent_at if consent_text else None,
                consent_text=consent_text,
                keep_until=keep_until_for(library, slot),
                first_name=first_name,
                contact=contact,
            )
    except IntegrityError:
        # The other desk's hand-over for this slot (or this referral) committed first.
        raise SlotTaken from None


# The appointment card goes to the customer's address once; again only after this long, so that
# nobody can fill a customer's mailbox from the desk.
CARD_MAIL_INTERVAL = dt.timedelta(hours=1)


class CardMailedRecently(Exception):
    def __init__(self, mailed_at: dt.datetime) -> None:
        super().__init__(mailed_at)
        self.mailed_at = mailed_at
        self.again_at = mailed_at + CARD_MAIL_INTERVAL


def mail_card(handover: HandOver, message: EmailMessage, *, now: dt.datetime | None = None) -> None:
    """Send the appointment card, unless it was sent less than CARD_MAIL_INTERVAL ago
    (`CardMailedRecently`). The hand-over is locked while the e-mail goes, and marked in the
    same transaction: two clicks at once send one e-mail, and a failed send marks nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = HandOver.objects.filter(pk=handover.pk)
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        mailed_at = rows.values_list("card_mailed_at", flat=True).get()
        if mailed_at is not None and now < mailed_at + CARD_MAIL_INTERVAL:
            raise CardMailedRecently(mailed_at)
        message.send()
        rows.update(card_mailed_at=now)


class OutcomeTooEarly(ValidationError):
    pass


@transaction.atomic
def record_outcome(handover: HandOver, outcome: str, *, now: dt.datetime | None = None) -> None:
    """What came of a hand-over. An intake held also counts as an intake from the desk (once);
    changing it back removes that intake again."""
    now = now or timezone.now()
    handover = HandOver.objects.select_for_update().select_related("slot").get(pk=handover.pk)
    if outcome in (Outcome.INTAKE, Outcome.NO_SHOW) and handover.slot.starts_at > now:
        raise OutcomeTooEarly(_("This appointment has not begun yet."))
    handover.outcome = outcome
    handover.outcome_at = None if outcome == Outcome.PENDING else now
    handover.save(update_fields=["outcome", "outcome_at"])
    if outcome == Outcome.INTAKE:
        Intake.objects.get_or_create(
            handover=handover,
            defaults={
                "library_id": handover.library_id,
                "held_on": timezone.localtime(handover.slot.starts_at).date(),
                "source": IntakeSource.DESK,
            },
        )
    else:
        Intake.objects.filter(handover=handover).delete()


@transaction.atomic
def log_intake(library: Organisation, *, held_on: dt.date, source: str) -> Intake:
    intake = Intake(library=library, held_on=held_on, source=source)
    intake.full_clean()
    intake.save()
    return intake


def purge_contact_data(now: dt.datetime | None = None) -> dict[int, int]:
    """Empty the first name and contact of every hand-over whose `keep_until` has passed, and
    write one `Purge` row per library with how many (never what). Safe to run twice, or in two
    processes at once: a row is emptied by one UPDATE that only matches rows not yet purged,
    so the second run finds nothing and writes no Purge row. Answers {library id: count}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = HandOver.objects.purge_due(today)
    counts: dict[int, int] = {}
    libraries = due.order_by().values_list("library_id", flat=True).distinct()
    for library_id in sorted(libraries):
        with transaction.atomic():
            deleted = due.filter(library_id=library_id).update(
                first_name="", contact="", contact_deleted_at=now
            )
            if deleted:
                Purge.objects.create(library_id=library_id, ran_at=now, deleted=deleted)
                counts[library_id] = deleted
    return counts
