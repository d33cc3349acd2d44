"""Verbs that change knowledge carousels: plan an event, sign up, make the schedule."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from balie.carousel import planner
from balie.carousel.models import Assignment, CarouselEvent, Round, SignUp, Station
from balie.lrs import record
from balie.orgs.models import Organisation, Topic, User


@dataclass(frozen=True)
class StationPlan:
    topic: str
    host: User | None = None
    subject: Topic | None = None
    room: str = ""
    capacity: int | None = None
    personas: tuple = ()


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
    made = Station.objects.bulk_create(
        [
            Station(
                event=event,
                position=n,
                topic=s.topic,
                subject=s.subject,
                host=s.host,
                room=s.room,
                capacity=s.capacity,
            )
            for n, s in enumerate(stations, start=1)
        ]
    )
    Station.personas.through.objects.bulk_create(
        Station.personas.through(station_id=station.pk, persona_id=persona.pk)
        for station, plan in zip(made, stations, strict=True)
        for persona in plan.personas
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
    if event.cancelled_at is not None:
        raise ValidationError(_("This carousel is cancelled."))
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
    """Take the sign-up away. The person's places stay as cancelled rows, so that their
    calendar removes the rounds."""
    event = signup.event
    Assignment.objects.filter(event=event, user=signup.user).update(
        cancelled=True, sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    signup.delete()
    _outdate(event)


def _outdate(event: CarouselEvent) -> None:
    if event.planned_at is not None:
        CarouselEvent.objects.filter(pk=event.pk).update(plan_outdated=True)


@dataclass(frozen=True)
class Proposal:
    """What making the schedule (again) would do, before anything is saved."""

    reasons: list[str]
    plan: planner.Plan | None
    # People who stay and whose stations or rounds change; newcomers; people who left.
    changed: int = 0
    added: int = 0
    removed: int = 0
    # True when there was a schedule and it is kept where possible.
    keeps: bool = False
    fingerprint: str = ""

    @property
    def unmet(self) -> tuple[str, ...]:
        """Why some people do not get their choice of stations (empty: everyone does)."""
        return self.plan.explanation if self.plan is not None else ()


def _planner_input(event: CarouselEvent):
    rounds = list(event.rounds.all())
    stations = list(event.stations.all())
    signups = list(
        event.signups.select_related("user")
        .prefetch_related("free_rounds", "chosen_stations")
        .order_by("created_at", "pk")
    )
    index = {r.pk: n for n, r in enumerate(rounds)}
    planner_stations = [
        planner.Station(
            key=str(s.pk),
            name=s.topic,
            host=str(s.host_id) if s.host_id else None,
            capacity=s.capacity,
        )
        for s in stations
    ]
    planner_people = [
        planner.Person(
            key=str(su.user_id),
            name=str(su.user),
            free_rounds=frozenset(index[r.pk] for r in su.free_rounds.all()),
            chosen=frozenset(str(s.pk) for s in su.chosen_stations.all()) or None,
        )
        for su in signups
    ]
    return rounds, planner_stations, planner_people


def _previous(event: CarouselEvent, rounds: list[Round]) -> planner.Plan | None:
    """The saved schedule as a planner `Plan` (None when there is none)."""
    index = {r.pk: n for n, r in enumerate(rounds)}
    numbers: dict[int, int] = {}
    members: dict[int, set[str]] = {}
    schedule: dict[tuple[int, int], str] = {}
    by_person: dict[str, dict[int, str]] = {}
    for a in Assignment.objects.filter(event=event).order_by("group", "user_id", "round_id"):
        if a.round_id not in index:
            continue
        gi = numbers.setdefault(a.group, len(numbers))
        members.setdefault(gi, set()).add(str(a.user_id))
        schedule[gi, index[a.round_id]] = str(a.station_id)
        by_person.setdefault(str(a.user_id), {})[index[a.round_id]] = str(a.station_id)
    if not by_person:
        return None
    groups = [sorted(members[gi]) for gi in range(len(numbers))]
    return planner.Plan(groups=groups, schedule=schedule, by_person=by_person, by_station={})


def propose_schedule(event: CarouselEvent) -> Proposal:
    """The schedule Balie would make now: the old one kept where possible. Saves nothing."""
    rounds, stations, people = _planner_input(event)
    previous = _previous(event, rounds)
    if previous is None:
        result = planner.nearest(stations, people, len(rounds))
    else:
        result = planner.replan(stations, people, len(rounds), previous)
        if isinstance(result, planner.Impossible):
            # One choice of stations never blocks the schedule: the nearest plan, explained.
            result = planner.nearest(stations, people, len(rounds))
    if isinstance(result, planner.Impossible):
        return Proposal(reasons=list(result.reasons), plan=None)
    fingerprint = hashlib.sha256(
        repr(sorted((k, sorted(v.items())) for k, v in result.by_person.items())).encode()
    ).hexdigest()[:16]
    if previous is None:
        return Proposal(reasons=[], plan=result, added=len(people), fingerprint=fingerprint)
    before, after = set(previous.by_person), set(result.by_person)
    return Proposal(
        reasons=[],
        plan=result,
        changed=len(planner.changed_people(previous, result)),
        added=len(after - before),
        removed=len(before - after),
        keeps=True,
        fingerprint=fingerprint,
    )


class ScheduleChanged(Exception):
    """The sign-ups changed between the proposal and the confirmation."""


class NeedsConfirmation(Exception):
    """The schedule leaves some choices of stations aside: the organiser sees why first."""


@transaction.atomic
def make_schedule(event: CarouselEvent, *, fingerprint: str | None = None) -> list[str]:
    """Divide the participants into groups and rotate them over the stations, keeping the
    existing schedule as far as the guarantees allow. Returns the reasons when no schedule is
    possible; then the old schedule stays as it was. With `fingerprint`, refuses (raises
    `ScheduleChanged`) when the schedule is no longer the one that was proposed. A schedule
    that sets someone's choice of stations aside is only made with the `fingerprint` of the
    proposal the organiser accepted (otherwise: `NeedsConfirmation`)."""
    event = CarouselEvent.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is not None:
        return [_("This carousel is cancelled.")]
    proposal = propose_schedule(event)
    if proposal.plan is None:
        return proposal.reasons
    if fingerprint is not None and fingerprint != proposal.fingerprint:
        raise ScheduleChanged
    if proposal.unmet and fingerprint is None:
        raise NeedsConfirmation
    result = proposal.plan
    rounds = list(event.rounds.all())
    group_of = {key: n for n, group in enumerate(result.groups) for key in group}
    wanted = {
        (rounds[r].pk, int(person)): (int(station), group_of[person] + 1)
        for person, visits in result.by_person.items()
        for r, station in visits.items()
    }
    now = timezone.now()
    existing = {(a.round_id, a.user_id): a for a in Assignment.all_objects.filter(event=event)}
    new, changed = [], []
    for (round_id, user_id), (station_id, group) in wanted.items():
        a = existing.get((round_id, user_id))
        if a is None:
            new.append(
                Assignment(
                    event=event,
                    round_id=round_id,
                    user_id=user_id,
                    station_id=station_id,
                    group=group,
                    updated_at=now,
                )
            )
            continue
        moved = a.cancelled or a.station_id != station_id
        if moved or a.group != group:
            if moved:
                a.sequence += 1
            a.station_id, a.group, a.cancelled, a.updated_at = station_id, group, False, now
            changed.append(a)
    for key, a in existing.items():
        if key not in wanted and not a.cancelled:
            a.cancelled, a.sequence, a.updated_at = True, a.sequence + 1, now
            changed.append(a)
    Assignment.all_objects.bulk_create(new)
    Assignment.all_objects.bulk_update(
        changed, ["station", "group", "sequence", "cancelled", "updated_at"]
    )
    CarouselEvent.objects.filter(pk=event.pk).update(planned_at=now, plan_outdated=False)
    return []


@transaction.atomic
def cancel_event(event: CarouselEvent) -> None:
    """Call the carousel off. Every place in the schedule shows as cancelled in calendars."""
    event = CarouselEvent.objects.select_for_update().get(pk=event.pk)
    if event.cancelled_at is not None:
        return
    now = timezone.now()
    CarouselEvent.objects.filter(pk=event.pk).update(cancelled_at=now)
    Assignment.objects.filter(event=event).update(sequence=F("sequence") + 1, updated_at=now)


@transaction.atomic
def record_attendance(event: CarouselEvent, marks: dict[int, bool | None], *, today: date) -> int:
    """Who came: sign-up id → present (True), absent (False) or not marked (None). Marks of
    other events' sign-ups are ignored. Saving the same marks again changes nothing. Returns
    how many sign-ups changed."""
    if event.date > today:
        raise ValidationError(_("You can mark who came from the day of the carousel."))
    changed, came_or_not = 0, []
    signups = SignUp.objects.select_for_update(of=("self",)).select_related("user")
    for signup in signups.filter(event=event, pk__in=list(marks)):
        if signup.present != marks[signup.pk]:
            if (signup.present is True) != (marks[signup.pk] is True):
                came_or_not.append(signup)  # not unmarked ↔ absent: that needs no statement
            signup.present = marks[signup.pk]
            signup.save(update_fields=["present"])
            changed += 1
    _record_attendance(event, came_or_not)
    return changed


def _record_attendance(event: CarouselEvent, signups: list[SignUp]) -> None:
    """An `attended` statement for each station in the schedule of each person who came (the
    carousel itself for someone without a schedule); voided when the mark is taken back."""
    if not signups:
        return
    places: dict[int, list[Assignment]] = {}
    for place in Assignment.objects.filter(
        event=event, user_id__in=[signup.user_id for signup in signups]
    ).select_related("station", "round"):
        places.setdefault(place.user_id, []).append(place)
    carousel = record.Activity(record.Kind.CAROUSEL, event.pk, event.title)
    for signup in signups:
        visits = [
            (
                record.Activity(record.Kind.STATION, p.station_id, p.station.topic, carousel),
                _moment(event.date, p.round.starts_at),
            )
            for p in places.get(signup.user_id, [])
        ] or [(carousel, _moment(event.date, time(0)))]
        record.attendance(signup.user, visits, present=signup.present is True)


def _moment(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))
