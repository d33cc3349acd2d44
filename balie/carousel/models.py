"""The kenniscarrousel: an event with stations and rounds that staff rotate over, twice a year,
organised by a library or by a POI for several libraries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from balie.orgs import access
from balie.orgs.models import Organisation, Role, Topic, User

ORGANISER_ROLES = (Role.MANAGER, Role.SPECIALIST)


class EventQuerySet(models.QuerySet["CarouselEvent"]):
    def visible_to(self, user: User) -> EventQuerySet:
        """Events of the person's own library, of the POI that serves it, and — for advisers —
        of the libraries their POI serves."""
        if access.is_national(user):
            return self
        pois = {
            m.organisation.parent_id
            for m in user.active_memberships
            if m.organisation.kind == Organisation.Kind.LIBRARY
        }
        return self.filter(organiser_id__in=access.organisation_ids_for(user) | pois)

    def organised_by(self, user: User) -> EventQuerySet:
        """Events `user` may change: a library's managers and specialists for their library's,
        a POI's advisers for their POI's."""
        if access.is_national(user):
            return self
        libraries = access.library_ids_where(user, *ORGANISER_ROLES)
        pois = {m.organisation_id for m in user.active_memberships if m.role == Role.ADVISER}
        return self.filter(organiser_id__in=libraries | pois)


class CarouselEvent(models.Model):
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="carousel_events",
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(
        _("places"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    planned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when sign-ups, stations or rounds change after the schedule was made.
    plan_outdated = models.BooleanField(default=False, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("knowledge carousel")
        verbose_name_plural = _("knowledge carousels")
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d-%m-%Y})"

    def clean(self) -> None:
        if self.organiser_id and self.organiser.kind not in (
            Organisation.Kind.LIBRARY,
            Organisation.Kind.POI,
        ):
            raise ValidationError({"organiser": _("A library or a POI organises a carousel.")})

    def may_join(self, user: User) -> bool:
        """Staff of the organising library, or of a library the organising POI serves."""
        libraries = {
            m.organisation
            for m in user.active_memberships
            if m.organisation.kind == Organisation.Kind.LIBRARY
        }
        return any(
            lib.pk == self.organiser_id or lib.parent_id == self.organiser_id for lib in libraries
        )


class Station(models.Model):
    event = models.ForeignKey(CarouselEvent, on_delete=models.CASCADE, related_name="stations")
    position = models.PositiveSmallIntegerField(default=0)
    topic = models.CharField(_("topic"), max_length=200)
    # From the shared pool of topics: links the station to modules, for the refresher.
    subject = models.ForeignKey(
        Topic,
        verbose_name=_("subject"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carousel_stations",
    )
    host = models.ForeignKey(
        User,
        verbose_name=_("host"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places per round"), null=True, blank=True)
    personas = models.ManyToManyField(
        "personas.Persona", verbose_name=_("personas"), blank=True, related_name="stations"
    )

    class Meta:
        ordering = ["event", "position", "id"]

    def __str__(self) -> str:
        return self.topic


class Round(models.Model):
    event = models.ForeignKey(CarouselEvent, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveSmallIntegerField(default=0)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        ordering = ["event", "position", "id"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class SignUp(models.Model):
    event = models.ForeignKey(CarouselEvent, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="carousel_signups")
    free_rounds = models.ManyToManyField(
        Round, verbose_name=_("free in these rounds"), related_name="+"
    )
    chosen_stations = models.ManyToManyField(
        Station,
        verbose_name=_("stations I want to visit"),
        blank=True,
        related_name="+",
        help_text=_("None chosen: all stations."),
    )
    signed_up_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Marked by an organiser on or after the day: True came, False did not, None not marked.
    present = models.BooleanField(_("present"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_signup_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.event}"


class LiveAssignments(models.Manager["Assignment"]):
    """The schedule as it stands: without the places that were taken away."""

    def get_queryset(self) -> models.QuerySet[Assignment]:
        return super().get_queryset().filter(cancelled=False)


class Assignment(models.Model):
    """The schedule: where a participant is in a round.

    A row lives as long as the person has a place in that round, so its calendar UID stays the
    same: a re-plan that moves them to another station changes the row and raises `sequence`;
    a place that goes away is kept as `cancelled` (with a higher `sequence`), so that calendars
    remove it. `objects` shows the live schedule only; `all_objects` the cancelled rows too."""

    event = models.ForeignKey(CarouselEvent, on_delete=models.CASCADE, related_name="assignments")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    group = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveAssignments()
    all_objects = models.Manager()  # noqa: DJ012 - the second manager, not a field

    class Meta:
        base_manager_name = "all_objects"
        ordering = ["round__position", "station__position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_place_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.station} ({self.round})"

    @property
    def uid(self) -> str:
        """The calendar UID: one per person and round, for life."""
        return f"carousel-{self.round_id}-{self.user_id}"
