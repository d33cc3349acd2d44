"""Evaluations: the short questionnaires behind Kirkpatrick levels 1 and 2.

Who was asked and who answered (`Invitation`) is kept apart from what was answered
(`Response`): a response carries the library, the subject and the day, never the person, so
that answers are anonymous to the team and to its manager.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from balie.carousel.models import Station
from balie.cohorts.models import Cohort, Meeting
from balie.learning.models import Module
from balie.orgs import access
from balie.orgs.models import Organisation, User


class Kind(models.TextChoices):
    MODULE = "module", _("after a module")
    MEETING = "meeting", _("after a team meeting")
    SELF = "self", _("self-assessment")
    STATION = "station", _("after a carousel station")


class Wave(models.IntegerChoices):
    """When a self-assessment is asked: months after the cohort started."""

    START = 0, _("at the start")
    THREE = 3, _("after 3 months")
    SIX = 6, _("after 6 months")


class TimeVerdict(models.TextChoices):
    TOO_LITTLE = "too_little", _("it took more time")
    RIGHT = "right", _("about right")
    TOO_MUCH = "too_much", _("it took less time")


ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Invitation(models.Model):
    """A person is asked to fill in one questionnaire. It knows whether they answered, not
    what they answered."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="evaluation_invitations")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # One invitation per person and subject, e.g. "module:12", "self:3:6", "station:40".
    subject_key = models.CharField(max_length=40)
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    wave = models.PositiveSmallIntegerField(choices=Wave.choices, null=True, blank=True)
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "subject_key"], name="one_invitation_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.subject_key}"


class ResponseQuerySet(models.QuerySet["Response"]):
    def visible_to(self, user: User) -> ResponseQuerySet:
        return access.in_scope(self, user)


class Response(models.Model):
    """What one person answered, without who they are."""

    library = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("library")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    module = models.ForeignKey(
        Module,
        verbose_name=_("module"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("cohort"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    wave = models.PositiveSmallIntegerField(
        _("self-assessment moment"), choices=Wave.choices, null=True, blank=True
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_on = models.DateField(_("answered in the week of"))
    # Level 1: modules, meetings and stations.
    rating = models.PositiveSmallIntegerField(
        _("how useful"), null=True, blank=True, validators=ONE_TO_FIVE
    )
    time_verdict = models.CharField(
        _("the estimated time"), max_length=10, choices=TimeVerdict.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    # Level 2: the self-assessment (1–5 agreement) and the quiz on the library's own offer.
    knows_colleagues = models.PositiveSmallIntegerField(
        _("I know which colleague to ask (1–5)"), null=True, blank=True, validators=ONE_TO_FIVE
    )
    recognises_signals = models.PositiveSmallIntegerField(
        _("I recognise the signals (1–5)"), null=True, blank=True, validators=ONE_TO_FIVE
    )
    quiz_right = models.PositiveSmallIntegerField(_("quiz: right answers"), null=True, blank=True)
    quiz_total = models.PositiveSmallIntegerField(_("quiz: questions"), null=True, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation answer")
        verbose_name_plural = _("evaluation answers")
        indexes = [
            models.Index(fields=["library", "kind", "submitted_on"], name="response_lib_kind_day")
        ]

    def __str__(self) -> str:
        return f"{self.library}, {self.get_kind_display()}, {self.submitted_on}"
