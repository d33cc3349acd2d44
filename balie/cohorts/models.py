"""Cohorts: a library's front-office team following a programme together, with the meetings
an adviser of the POI leads in the library, their agenda, outcomes and attendance."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from balie.learning.models import Module, Programme
from balie.orgs import access
from balie.orgs.models import Organisation, Role, User


class MeetingKind(models.TextChoices):
    KICK_OFF = "kick_off", _("kick-off: learning questions")
    CHILDREN = "children", _("BoekStart and de Bibliotheek op school here")
    SOCIAL_DOMAIN = "social_domain", _("the social domain here")
    AGREEMENTS = "agreements", _("team agreements and evaluation")
    OTHER = "other", _("other")


class MeetingTemplate(models.Model):
    """The meetings a programme prescribes; a new cohort gets one meeting for each."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="meeting_templates",
        verbose_name=_("programme"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("Markdown."))
    preparation = models.ManyToManyField(
        Module, verbose_name=_("modules to finish first"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("meeting template")
        verbose_name_plural = _("meeting templates")
        ordering = ["programme", "position", "id"]

    def __str__(self) -> str:
        return self.title


class CohortQuerySet(models.QuerySet["Cohort"]):
    def visible_to(self, user: User) -> CohortQuerySet:
        """Advisers: the cohorts of libraries their POI serves; managers and specialists: their
        library's; learners: the cohorts they take part in."""
        if access.is_national(user):
            return self
        staff_libraries = access.library_ids_where(user, Role.MANAGER, Role.SPECIALIST)
        served = access.organisation_ids_for(user) if user.has_role(Role.ADVISER) else set()
        return self.filter(
            Q(library_id__in=staff_libraries | served) | Q(participants__user=user)
        ).distinct()

    def led_by(self, user: User) -> CohortQuerySet:
        """The cohorts `user` may run: advisers of the POI that serves the library, and
        programme editors."""
        if access.is_national(user):
            return self
        if not user.has_role(Role.ADVISER):
            return self.none()
        return self.filter(library_id__in=access.organisation_ids_for(user))


class Cohort(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    library = models.ForeignKey(
        Organisation,
        verbose_name=_("library"),
        on_delete=models.PROTECT,
        related_name="cohorts",
        limit_choices_to={"kind": Organisation.Kind.LIBRARY},
    )
    name = models.CharField(_("name"), max_length=120)
    adviser = models.ForeignKey(
        User, verbose_name=_("POI adviser"), on_delete=models.PROTECT, related_name="+"
    )
    manager = models.ForeignKey(
        User,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.library_id and self.library.kind != Organisation.Kind.LIBRARY:
            errors["library"] = _("Choose a library.")
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end cannot be before the start.")
        if (
            self.library_id
            and self.adviser_id
            and not self.adviser.memberships.filter(
                role=Role.ADVISER, organisation_id=self.library.parent_id
            ).exists()
        ):
            errors["adviser"] = _("Choose an adviser of the POI that serves this library.")
        if (
            self.library_id
            and self.manager_id
            and not self.manager.memberships.filter(
                role=Role.MANAGER, organisation_id=self.library_id
            ).exists()
        ):
            errors["manager"] = _("Choose a manager of this library.")
        if errors:
            raise ValidationError(errors)


class Participant(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cohort_places")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_place_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.cohort}"


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user: User) -> MeetingQuerySet:
        return self.filter(cohort__in=Cohort.objects.visible_to(user))

    def led_by(self, user: User) -> MeetingQuerySet:
        return self.filter(cohort__in=Cohort.objects.led_by(user))

    def upcoming(self, now) -> MeetingQuerySet:
        return self.filter(starts_at__gte=now, cancelled=False).order_by("starts_at")

    def with_readiness(self) -> MeetingQuerySet:
        """Annotate how much of the preparation the group has done: `prepared` is the number
        of (participant, module to prepare) pairs completed, `to_prepare` the number of
        pairs in all. Two aggregates, whatever the number of meetings."""
        done = Q(
            cohort__participants__user__module_progress__completed_at__isnull=False,
            cohort__participants__user__module_progress__module=F("preparation"),
        )
        return self.annotate(
            prepared=Count(
                "cohort__participants__user__module_progress", filter=done, distinct=True
            ),
            participant_count=Count("cohort__participants", distinct=True),
            preparation_count=Count("preparation", distinct=True),
        )


class Meeting(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="meetings")
    position = models.PositiveSmallIntegerField(_("number"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True, help_text=_("Markdown."))
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    branch = models.ForeignKey(
        Organisation,
        verbose_name=_("branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.BRANCH},
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    preparation = models.ManyToManyField(
        Module, verbose_name=_("modules to finish first"), blank=True, related_name="+"
    )
    cancelled = models.BooleanField(_("cancelled"), default=False)
    # iCalendar: one UID for the life of the meeting, SEQUENCE up by one on every change.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Optimistic locking: an edit based on an older version is refused, never lost silently.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["cohort", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def to_prepare(self) -> int:
        """With `with_readiness()`: the (participant, module) pairs to prepare in all."""
        return getattr(self, "participant_count", 0) * getattr(self, "preparation_count", 0)

    def attendance_open(self, now: datetime) -> bool:
        """Attendance is taken from the meeting's start on; never for a meeting without one."""
        return self.starts_at is not None and self.starts_at <= now

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The meeting must end after it starts.")
        if self.branch_id and self.branch.parent_id != self.cohort.library_id:
            errors["branch"] = _("Choose a branch of the cohort's library.")
        if errors:
            raise ValidationError(errors)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("topic"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)
    presenter = models.ForeignKey(
        User,
        verbose_name=_("presenter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Material(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("web address"), blank=True)
    file = models.FileField(_("file"), upload_to="materials/", blank=True)

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not (self.url or self.file):
            raise ValidationError(_("Give a web address or upload a file."))


class OutcomeKind(models.TextChoices):
    QUESTION = "question", _("learning question")
    AGREEMENT = "agreement", _("team agreement")


class Outcome(models.Model):
    """What a meeting produced: the learning questions of the kick-off, the team agreements of
    the last meeting. They stay visible to the team afterwards."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=12, choices=OutcomeKind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "kind", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("present")
    ABSENT = "absent", _("absent")
    EXCUSED = "excused", _("excused")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    # The tablet's tap counter: a tap that arrives late changes nothing newer.
    revision = models.BigIntegerField(default=0)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    caught_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_status_display()}"

    @property
    def must_catch_up(self) -> bool:
        return self.status != AttendanceStatus.PRESENT and self.caught_up_at is None


class CalendarFeed(models.Model):
    """A person's own iCalendar feed of their meetings, at a secret address they can renew."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}"


class ReminderKind(models.TextChoices):
    INVITATION = "invitation", _("invitation")
    WEEK_BEFORE = "week", _("7 days before")
    DAY_BEFORE = "day", _("1 day before")


class ReminderSent(models.Model):
    """One row per e-mail sent: the unique constraint makes sure each goes out once, also
    when several workers run at the same moment."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    # The meeting's SEQUENCE when sent: a changed meeting gets a new invitation.
    sequence = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "kind", "sequence"], name="each_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.user}"
