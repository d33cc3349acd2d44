"""The desk: a library's offer, the anonymous referral tally, and warm hand-overs.

Two kinds of data live here and must not mix (DOMAIN.md (f)):
- the tally is anonymous: need, offer, warm or not, branch and the hour — no customer, no
  free text, and not even which colleague tapped (per-person counts would be staff tracking);
- a hand-over holds a customer's first name and how to reach them, only after their recorded
  consent, and only until its retention date; the purge keeps the fact that it was deleted
  and when, never what.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balie.orgs import access
from balie.orgs.models import Organisation, Role, Specialism, User

LIBRARY = {"kind": Organisation.Kind.LIBRARY}
BRANCH = {"kind": Organisation.Kind.BRANCH}

# Who keeps a library's offer catalogue and its Taalhuis agenda.
KEEPER_ROLES = (Role.MANAGER, Role.SPECIALIST)
# Specialisms that receive hand-overs and see the customer's contact data.
TAALHUIS_SPECIALISMS = (Specialism.TAALHUIS_COORDINATOR, Specialism.BASIC_SKILLS_CONSULTANT)
DEFAULT_RETENTION_DAYS = 30


def taalhuis_library_ids(user: User) -> set[int]:
    """The libraries in whose Taalhuis `user` works: there they see customers' contact data.
    Being an administrator (or a superuser) adds none."""
    return {
        m.organisation_id
        for m in user.active_memberships
        if m.role == Role.SPECIALIST and m.specialism in TAALHUIS_SPECIALISMS
    }


class Need(models.TextChoices):
    """What the customer came up against. One national list, so that libraries compare."""

    DIGID = "digid", _("DigiD or a government website")
    LETTER = "letter", _("a letter or a form")
    LANGUAGE = "language", _("learning Dutch")
    READING = "reading", _("reading or writing")
    COMPUTER = "computer", _("computer, phone or internet")
    CHILD = "child", _("reading to a child")
    JOB = "job", _("applying for a job")
    MONEY = "money", _("money matters")


class OfferKind(models.TextChoices):
    TAALCAFE = "taalcafe", _("taalcafé")
    TAALMAATJE = "taalmaatje", _("language buddy (taalmaatje)")
    MATERIALS = "materials", _("Taalhuis materials")
    INTAKE = "intake", _("Taalhuis intake")
    IDO = "ido", _("government help point (IDO)")
    KLIK_TIK = "klik_tik", _("Klik & Tik")
    DIGISTERKER = "digisterker", _("Digisterker")
    BOEKSTART = "boekstart", _("BoekStart")
    PARTNER = "partner", _("partner office hours")
    OTHER = "other", _("other")


class Channel(models.TextChoices):
    DESK = "desk", _("at the desk")
    PHONE = "phone", _("by phone")
    ACTIVITY = "activity", _("during an activity")


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, user: User) -> OfferQuerySet:
        return access.in_scope(self, user)

    def kept_by(self, user: User) -> OfferQuerySet:
        return self.filter(library_id__in=access.library_ids_where(user, *KEEPER_ROLES))


class Offer(models.Model):
    """Something a library offers that the desk can refer a customer to."""

    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.CASCADE,
        related_name="offers",
        limit_choices_to=LIBRARY,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=OfferKind.choices)
    name = models.CharField(
        _("name"), max_length=120, help_text=_('As the desk says it, e.g. "Taalcafé Deurne".')
    )
    description = models.TextField(
        _("what it is"),
        blank=True,
        help_text=_("For the desk: who it is for, what to say. Markdown."),
    )
    needs = models.JSONField(
        _("for which needs"),
        default=list,
        blank=True,
        help_text=_("The tally shows this offer first for these needs."),
    )
    schedule = models.CharField(
        _("when"), max_length=200, blank=True, help_text=_('E.g. "every Wednesday, 2–4 pm".')
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=BRANCH,
        help_text=_("Leave empty when it is held in several branches."),
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("colleague who owns it"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    takes_appointments = models.BooleanField(
        _("takes appointments"),
        default=False,
        help_text=_("The desk can book a warm hand-over in a Taalhuis colleague's free time."),
    )
    is_active = models.BooleanField(_("on offer now"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["library", "position", "name"]

    def __str__(self) -> str:
        return self.name

    def fits(self, need: str) -> bool:
        return need in (self.needs or [])

    def clean(self) -> None:
        unknown = set(self.needs or []) - set(Need.values)
        if unknown:
            raise ValidationError({"needs": _("Choose needs from the list.")})
        if self.branch_id and self.branch.parent_id != self.library_id:
            raise ValidationError({"branch": _("Choose a branch of this library.")})


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: User) -> ReferralQuerySet:
        return access.in_scope(self, user)

    def counted(self) -> ReferralQuerySet:
        return self.filter(withdrawn=False)


class Referral(models.Model):
    """One tap on the desk tally. Anonymous by design: there is no field for the customer, for
    free text, or for the colleague who tapped, and the time is kept to the hour."""

    client_id = models.UUIDField(
        unique=True, default=uuid.uuid4, help_text="Made by the browser: a resent tap is one tap."
    )
    library = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="referrals", limit_choices_to=LIBRARY
    )
    branch = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=BRANCH,
    )
    hour = models.DateTimeField(_("hour"), db_index=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.DESK
    )
    need = models.CharField(_("need"), max_length=12, choices=Need.choices)
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT)
    # Copied from the offer, so that figures stay right when an offer changes kind.
    offer_kind = models.CharField(max_length=16, choices=OfferKind.choices)
    warm = models.BooleanField(_("warm referral"))
    # Undone within the undo window. Kept, so that a late resend of the same tap stays undone.
    withdrawn = models.BooleanField(default=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["library", "hour"], name="referral_library_hour")]

    def __str__(self) -> str:
        return f"{self.get_need_display()} → {self.offer_kind}"

    @staticmethod
    def hour_of(moment: dt.datetime) -> dt.datetime:
        return moment.replace(minute=0, second=0, microsecond=0)


class DeskSettings(models.Model):
    """A library's choices for its desk."""

    library = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="desk_settings",
        limit_choices_to=LIBRARY,
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep contact data for (days after the appointment)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_("After this, a customer's first name and contact details are deleted."),
    )
    phone = models.CharField(
        _("the library's phone number"),
        max_length=20,
        blank=True,
        help_text=_("Printed on the appointment card, so that a customer can call."),
    )

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(self.library)

    @classmethod
    def retention_days_for(cls, library: Organisation) -> int:
        row = cls.objects.filter(library=library).first()
        return row.retention_days if row else DEFAULT_RETENTION_DAYS


class SlotQuerySet(models.QuerySet["Slot"]):
    def visible_to(self, user: User) -> SlotQuerySet:
        return access.in_scope(self, user)

    def free(self) -> SlotQuerySet:
        return self.filter(starts_at__gt=timezone.now(), handover__isnull=True, cancelled=False)


class Slot(models.Model):
    """Free time in which a Taalhuis colleague can see a customer the desk hands over."""

    library = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", limit_choices_to=LIBRARY
    )
    colleague = models.ForeignKey(
        User, verbose_name=_("colleague"), on_delete=models.CASCADE, related_name="slots"
    )
    branch = models.ForeignKey(
        Organisation,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=BRANCH,
    )
    place = models.CharField(
        _("where"),
        max_length=200,
        help_text=_('In plain words, e.g. "the Taalhuis room, 1st floor".'),
    )
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=30)
    cancelled = models.BooleanField(default=False)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("free slot")
        verbose_name_plural = _("free slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["colleague", "starts_at"], name="one_slot_per_colleague_and_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.colleague} {timezone.localtime(self.starts_at):%d-%m-%Y %H:%M}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)


class Outcome(models.TextChoices):
    PENDING = "pending", _("not yet known")
    INTAKE = "intake", _("intake held")
    NO_SHOW = "no_show", _("did not come")
    REFERRED_ON = "referred_on", _("referred on")
    CANCELLED = "cancelled", _("cancelled")


class HandOverQuerySet(models.QuerySet["HandOver"]):
    def visible_to(self, user: User) -> HandOverQuerySet:
        """The Taalhuis side, with the customer's contact data: the library's Taalhuis
        colleagues and the colleague the hand-over was booked with — nobody else, whatever the
        role. Administrators, managers and advisers see hand-overs only as figures."""
        return self.filter(Q(library_id__in=taalhuis_library_ids(user)) | Q(slot__colleague=user))

    def purge_due(self, day: dt.date) -> HandOverQuerySet:
        """Hand-overs whose first name or contact are still there after `day` was past their
        retention date."""
        return self.filter(PURGE_PENDING, keep_until__lt=day)


# Contact data not yet purged (the retention purge and the readiness check; indexed).
PURGE_PENDING = Q(contact_deleted_at__isnull=True) & ~Q(first_name="", contact="")


class HandOver(models.Model):
    """A warm hand-over: an appointment with a Taalhuis colleague, booked at the desk with the
    customer's consent. The contact fields are emptied by the purge after `keep_until`."""

    library = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="handovers", limit_choices_to=LIBRARY
    )
    slot = models.OneToOneField(Slot, on_delete=models.PROTECT, related_name="handover")
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT)
    need = models.CharField(_("need"), max_length=12, choices=Need.choices)
    referral = models.OneToOneField(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="handover"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    # Consent, recorded before any contact data: what is shared, with whom, for how long.
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_text = models.TextField(_("what the customer agreed to"), blank=True)
    keep_until = models.DateField(_("contact data kept until"))
    first_name = models.CharField(_("first name"), max_length=60, blank=True)
    contact = models.CharField(
        _("phone or e-mail"), max_length=120, blank=True, help_text=_("How to reach them.")
    )
    contact_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.CharField(
        _("what came of it"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    # The appointment card's address: unguessable, so that a card is reached from the booking
    # or the Taalhuis list, never by counting.
    card_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # When the card was last e-mailed to the customer: once, then at most once an hour.
    card_mailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = HandOverQuerySet.as_manager()

    class Meta:
        verbose_name = _("warm hand-over")
        verbose_name_plural = _("warm hand-overs")
        ordering = ["-slot__starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_name="", contact="") | Q(consent_at__isnull=False),
                name="contact_data_only_with_consent",
            )
        ]
        indexes = [
            models.Index(fields=["keep_until"], condition=PURGE_PENDING, name="handover_purge_due")
        ]

    def __str__(self) -> str:
        return f"{self.offer} — {self.slot}"


class IntakeSource(models.TextChoices):
    DESK = "desk", _("the library desk")
    PARTNER = "partner", _("a partner organisation")
    MUNICIPALITY = "municipality", _("the municipality")
    SELF = "self", _("came of their own accord")
    OTHER = "other", _("other")


class IntakeQuerySet(models.QuerySet["Intake"]):
    def visible_to(self, user: User) -> IntakeQuerySet:
        return access.in_scope(self, user)


class Intake(models.Model):
    """An intake the Taalhuis held, with where the person came from. A count, not a file on
    the person: there are no personal fields."""

    library = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="intakes", limit_choices_to=LIBRARY
    )
    held_on = models.DateField(_("held on"))
    source = models.CharField(_("came through"), max_length=12, choices=IntakeSource.choices)
    handover = models.OneToOneField(
        HandOver, on_delete=models.SET_NULL, null=True, blank=True, related_name="intake"
    )

    objects = IntakeQuerySet.as_manager()

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["library", "held_on"], name="intake_library_day")]

    def __str__(self) -> str:
        return f"{self.held_on} ({self.get_source_display()})"


class Purge(models.Model):
    """The audit trail of the retention purge: that contact data was deleted, and when —
    never what."""

    ran_at = models.DateTimeField(default=timezone.now)
    library = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    deleted = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("contact data purge")
        verbose_name_plural = _("contact data purges")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.library} {self.ran_at:%Y-%m-%d %H:%M}: {self.deleted}"
