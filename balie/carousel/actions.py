"""Verbs that change knowledge carousels: plan an event, sign up, make the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from balie.carousel import planner
from balie.carousel.models import Assignment, CarouselEvent, Round, SignUp, Station
from balie.orgs.models import Organisation, User


@dataclass(frozen=True)
class StationPlan:
    topic: str
    host: User | None = None
    room: str = ""
    capacity: int | None = None


@transaction.atomic
def create_event(
    organiser: Organisation,
    *,
    title: str,
    date: date,
    place: str,
    capacity: int | None,
    stations: list[StationPlan],
    rounds: list[tuple[time, time]],
) -> CarouselEvent:
    hosts = [s.host for s in stations if s.host is not None]
    doubles = {h for h in hosts if hosts.count(h) > 1}
    if doubles:
        raise ValidationError(
            _("%(names)s cannot host two stations at once.")
            % {"names": ", ".join(sorted(str(h) for h in doubles))}
        )
    event = CarouselEvent(
        organiser=organiser, title=title, date=date, place=place, capacity=capacity
    )
    event.full_clean()
    event.save()
    Station.objects.bulk_create(
        [
            Station(
                event=event,
                position=n,
                topic=s.topic,
                host=s.host,
                room=s.room,
                capacity=s.capacity,
            )
            for n, s in enumerate(stations, start=1)
        ]
    )
    Round.objects.bulk_create(
        [
            Round(event=event, position=n, starts_at=start, ends_at=end)
            for n, (start, end) in enumerate(sorted(rounds), start=1)
        ]
    )
    return event


@transaction.atomic
def sign_up(
    event: CarouselEvent,
    person: User,
    *,
    free_rounds: list[Round],
    chosen_stations: list[Station],
    by: User,
) -> SignUp:
    """Sign `person` up (or change their sign-up). Refused for people from elsewhere, for a
    host (they stay at their station) and when the event is full."""
    event = CarouselEvent.objects.select_for_update().get(pk=event.pk)
    if not event.may_join(person):
        raise ValidationError(_("Only staff of the organising library or POI can sign up."))
    hosted = event.stations.filter(host=person).first()
    if hosted is not None:
        raise ValidationError(
            _("%(name)s hosts the station “%(station)s” and stays there.")
            % {"name": person, "station": hosted.topic}
        )
    signup = SignUp.objects.filter(event=event, user=person).first()
    if signup is None:
        if event.capacity is not None and event.signups.count() >= event.capacity:
            raise ValidationError(_("This carousel is full."))
        signup = SignUp.objects.create(event=event, user=person, signed_up_by=by)
    signup.free_rounds.set(free_rounds)
    signup.chosen_stations.set(chosen_stations)
    _outdate(event)
    return signup


@transaction.atomic
def withdraw(signup: SignUp) -> None:
    event = signup.event
    Assignment.objects.filter(event=event, user=signup.user).delete()
    signup.delete()
    _outdate(event)


def _outdate(event: CarouselEvent) -> None:
    if event.planned_at is not None:
        CarouselEvent.objects.filter(pk=event.pk).update(plan_outdated=True)


@transaction.atomic
def make_schedule(event: CarouselEvent) -> list[str]:
    """Divide the participants into groups and rotate them over the stations. Returns the
    reasons when no schedule is possible; then the old schedule stays as it was."""
    rounds = list(event.rounds.all())
    stations = list(event.stations.all())
    signups = list(
        event.signups.select_related("user").prefetch_related("free_rounds", "chosen_stations")
    )
    index = {r.pk: n for n, r in enumerate(rounds)}
    result = planner.plan(
        [
            planner.Station(
                key=str(s.pk),
                name=s.topic,
                host=str(s.host_id) if s.host_id else None,
                capacity=s.capacity,
            )
            for s in stations
        ],
        [
            planner.Person(
                key=str(su.user_id),
                name=str(su.user),
                free_rounds=frozenset(index[r.pk] for r in su.free_rounds.all()),
                chosen=frozenset(str(s.pk) for s in su.chosen_stations.all()) or None,
            )
            for su in signups
        ],
        len(rounds),
    )
    if isinstance(result, planner.Impossible):
        return list(result.reasons)
    group_of = {key: n for n, group in enumerate(result.groups) for key in group}
    Assignment.objects.filter(event=event).delete()
    Assignment.objects.bulk_create(
        [
            Assignment(
                event=event,
                round=rounds[round_index],
                station_id=int(station_key),
                user_id=int(person_key),
                group=group_of[person_key] + 1,
            )
            for person_key, visits in result.by_person.items()
            for round_index, station_key in visits.items()
        ]
    )
    CarouselEvent.objects.filter(pk=event.pk).update(planned_at=timezone.now(), plan_outdated=False)
    return []
