"""Carousel rounds as iCalendar: one event per person per round, for their own feed and the
download on "Mijn rooster".

The UID is the person's place in a round (`Assignment.uid`), kept for life; SEQUENCE is the
assignment's, raised whenever a re-plan moves the person or takes the place away. A place that
went away, or a cancelled carousel, is written as STATUS:CANCELLED so calendars remove it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from balie.carousel.models import Assignment, CarouselEvent, Station
from balie.lib import ical
from balie.orgs.models import User


def _moment(day, clock) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(settings.TIME_ZONE))


def assignments_for(user: User) -> QuerySet[Assignment]:
    """Every place `user` has or had in a carousel schedule, cancelled ones included."""
    return (
        Assignment.all_objects.filter(user=user)
        .select_related("event", "round", "station__host")
        .order_by("event__date", "round__starts_at", "pk")
    )


def assignment_event(assignment: Assignment, *, base_url: str) -> ical.Event:
    event, station, round_ = assignment.event, assignment.station, assignment.round
    cancelled = assignment.cancelled or event.cancelled_at is not None
    summary = _("%(station)s — %(event)s") % {"station": station.topic, "event": event.title}
    if cancelled:
        summary = _("Cancelled: %(title)s") % {"title": summary}
    url = base_url.rstrip("/") + reverse("carousel:my_schedule", args=[event.pk])
    lines = []
    if cancelled:
        lines.append(_("This round is no longer in your schedule."))
    if station.host:
        lines.append(_("Host: %(name)s") % {"name": station.host.full_name})
    if station.room:
        lines.append(_("Room: %(room)s") % {"room": station.room})
    lines.append(_("Your schedule: %(url)s") % {"url": url})
    return ical.Event(
        uid=assignment.uid,
        sequence=assignment.sequence,
        start=_moment(event.date, round_.starts_at),
        end=_moment(event.date, round_.ends_at),
        summary=summary,
        description="\n".join(lines),
        location=", ".join(part for part in (event.place, station.room.strip()) if part),
        url=url,
        cancelled=cancelled,
        last_modified=assignment.updated_at,
    )


def hosting_for(user: User) -> QuerySet[Station]:
    """The stations `user` hosts, with the carousel's first start and last end."""
    return (
        Station.objects.filter(host=user)
        .select_related("event")
        .annotate(first=Min("event__rounds__starts_at"), last=Max("event__rounds__ends_at"))
        .filter(first__isnull=False)
        .order_by("event__date", "pk")
    )


def hosting_event(station: Station, *, base_url: str) -> ical.Event:
    """A host stays at their station for the whole carousel: one event from the first round to
    the last. Rounds cannot change after planning, so only a cancellation raises SEQUENCE."""
    event = station.event
    cancelled = event.cancelled_at is not None
    summary = _("Host: %(station)s — %(event)s") % {"station": station.topic, "event": event.title}
    if cancelled:
        summary = _("Cancelled: %(title)s") % {"title": summary}
    url = base_url.rstrip("/") + reverse("carousel:event", args=[event.pk])
    return ical.Event(
        uid=f"carousel-station-{station.pk}-host-{station.host_id}",
        sequence=1 if cancelled else 0,
        start=_moment(event.date, station.first),
        end=_moment(event.date, station.last),
        summary=summary,
        description=_("You host this station in every round. The carousel: %(url)s") % {"url": url},
        location=", ".join(part for part in (event.place, station.room.strip()) if part),
        url=url,
        cancelled=cancelled,
        last_modified=event.cancelled_at or event.planned_at,
    )


def events_for(user: User, *, base_url: str) -> list[ical.Event]:
    return [assignment_event(a, base_url=base_url) for a in assignments_for(user)] + [
        hosting_event(station, base_url=base_url) for station in hosting_for(user)
    ]


def schedule_ics(event: CarouselEvent, user: User, *, base_url: str) -> bytes:
    """One person's rounds of one carousel, as a download."""
    visits = assignments_for(user).filter(event=event)
    hosting = hosting_for(user).filter(event=event)
    return ical.calendar(
        [assignment_event(a, base_url=base_url) for a in visits]
        + [hosting_event(station, base_url=base_url) for station in hosting],
        name=_("%(event)s: my schedule") % {"event": event.title},
    )
