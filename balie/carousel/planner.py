"""The kenniscarrousel planner: divide the participants into groups and rotate the groups over
the stations, round by round.

Pure: standard library only, no Django, no I/O. Rounds are numbered 0 … rounds-1 (the position
of the round in the event); the reasons shown to planners say "ronde 1" for round 0.

A plan keeps these guarantees, and `verify` checks each of them on any plan:

(a) every participant visits exactly the stations they chose (no choice: all stations), each
    exactly once; a group moves as a whole, so everyone in a group chose the same stations;
(b) one group per station per round; within a round, the groups at a station differ in size by
    at most one person; a group is never larger than the places of a station it visits;
(c) hosts stay at their station: a host is not a participant;
(d) nobody is scheduled in a round they are not free.

`plan` first checks the conditions without which no plan can exist and reports every one that
fails, in plain Dutch (the reasons are shown to planners as they are). Then it divides each set
of people with the same choice of stations into groups (people who are free in the same rounds
together), tries group counts from small groups to large ones, and gives each group its rounds:
a cyclic Latin square when every group is the same, otherwise a small backtracking search over
(group, station) visits. When the search gives up, the answer says so honestly: the conditions
checked are necessary, not sufficient.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

# Nodes of the backtracking search, over all group counts tried for one event. Keeps the worst
# case (an event that passes every check but has no plan) well under a second.
SEARCH_BUDGET = 6_000
ATTEMPT_BUDGET = 300
RESTARTS = 2
PARTITIONS = 3  # ways to split people into groups, per number of groups
SWAP_PASSES = 4
SWAP_WORK = 100_000  # swaps looked at, over all ways of splitting, per event
RELAX_TRIES = 8  # plans tried by `nearest`, each with other people's choices left aside
NAMES_SHOWN = 6


@dataclass(frozen=True)
class Station:
    key: str
    name: str
    # The host's person key or name: someone who stays at this station all evening.
    host: str | None = None
    # Places per round; None for no limit.
    capacity: int | None = None


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    # Rounds (0 … rounds-1) in which this person is free; rounds outside that range are ignored.
    free_rounds: frozenset[int]
    # Keys of the stations this person wants to visit; None (or empty) for all stations.
    chosen: frozenset[str] | None = None


@dataclass(frozen=True)
class Plan:
    # Person keys per group; the group's number is its index.
    groups: list[list[str]]
    # (group index, round) -> station key, for the rounds in which the group is at a station.
    schedule: dict[tuple[int, int], str]
    # person key -> round -> station key (rounds without a station are left out).
    by_person: dict[str, dict[int, str]]
    # station key -> round -> person keys (every station is a key; empty rounds are left out).
    by_station: dict[str, dict[int, list[str]]]
    # The work `plan` did: ways of splitting into groups tried, backtracking nodes and swaps
    # looked at. A measure of speed that does not depend on the machine (see bench/planner.py).
    steps: int = field(default=0, compare=False)
    # From `nearest`: the people whose choice of stations was left aside (they visit every
    # station), and what that means, in plain Dutch. Empty: everyone's choice is kept.
    unmet: tuple[str, ...] = ()
    explanation: tuple[str, ...] = ()


@dataclass(frozen=True)
class Impossible:
    reasons: list[str]
    steps: int = field(default=0, compare=False)


def plan(
    stations: Sequence[Station],
    people: Sequence[Person],
    rounds: int,
    *,
    group_count: int | None = None,
) -> Plan | Impossible:
    """Divide `people` into groups and give every group a station per round.

    `group_count` fixes the number of groups; by default the planner makes the groups as small
    as the stations and rounds allow. Hosts come from `Station.host`. Returns a `Plan` that keeps
    every guarantee of this module, or `Impossible` with the reasons in plain Dutch.
    """
    event = _Event(stations, people, rounds)
    reasons = event.input_problems + _necessary(event, group_count)
    if reasons:
        return Impossible(reasons)
    if not event.people:
        return _to_plan(event, [], {}, 0)
    found, steps = _search(event, group_count)
    if found is None:
        return Impossible(_not_found(event, group_count), steps)
    groups, schedule = found
    result = _to_plan(event, groups, schedule, steps)
    # Never hand out a plan that breaks a guarantee, however it was made.
    if verify(result, stations, people, rounds):
        return Impossible(_not_found(event, group_count), steps)
    return result


def nearest(
    stations: Sequence[Station], people: Sequence[Person], rounds: int
) -> Plan | Impossible:
    """`plan`, and when no plan keeps every choice of stations: the nearest plan Balie finds.

    A choice of stations is the wish that can be set aside. Such a person then gets the most
    common choice in the event that fits their free rounds (often: every station), so that they
    can join a larger group. Balie tries, in this order, until a plan comes out: one person of
    each of the smallest sets of equal wishes (same stations, same free rounds); then whole
    sets, the smallest first, 1, 2, 4, … sets at a time. So few wishes are set aside, though
    not always the fewest possible. The plan says whose (`unmet`) and explains it in plain
    Dutch (`explanation`); the planner accepts it or not. Without a wish to set aside, or when
    no try gives a plan, the answer is that of `plan`. Pure and deterministic, like `plan`."""
    strict = plan(stations, people, rounds)
    if isinstance(strict, Plan):
        return strict
    every = tuple(sorted({s.key for s in stations}))
    popular: dict[tuple[str, ...], int] = defaultdict(int)
    for person in people:
        popular[tuple(sorted(person.chosen)) if person.chosen else every] += 1
    choices = sorted(popular, key=lambda c: (-popular[c], -len(c), c))
    kinds: dict[tuple[tuple[str, ...], frozenset[int]], list[Person]] = {}
    instead: dict[str, frozenset[str] | None] = {}
    for person in sorted(people, key=lambda p: p.key):
        free = frozenset(r for r in person.free_rounds if 0 <= r < rounds)
        own = tuple(sorted(person.chosen)) if person.chosen else every
        other = next((c for c in choices if c != own and len(c) <= len(free)), None)
        if person.chosen and other is not None:
            instead[person.key] = None if other == every else frozenset(other)
            kinds.setdefault((own, free), []).append(person)
    ordered = sorted(kinds.values(), key=lambda same: (len(same), same[0].key))
    tries: list[list[Person]] = [same[:1] for same in ordered[:3]]
    n = 1
    while ordered and n <= len(ordered):
        together = [p for same in ordered[:n] for p in same]
        if together not in tries:
            tries.append(together)
        n = len(ordered) if n < len(ordered) < 2 * n else 2 * n
    steps = strict.steps
    for aside in tries[:RELAX_TRIES]:
        keys = {p.key for p in aside}
        relaxed = [
            Person(p.key, p.name, p.free_rounds, instead[p.key]) if p.key in keys else p
            for p in people
        ]
        result = plan(stations, relaxed, rounds)
        steps += result.steps
        if isinstance(result, Plan):
            names = {s.key: s.name for s in stations}
            return replace(
                result,
                steps=steps,
                unmet=tuple(p.key for p in aside),
                explanation=tuple(_explain_unmet(strict, aside, instead, names)),
            )
    return Impossible(strict.reasons, steps)


def _explain_unmet(
    strict: Impossible,
    aside: list[Person],
    instead: dict[str, frozenset[str] | None],
    names: dict[str, str],
) -> list[str]:
    def shown(keys) -> str:
        return _list(sorted((names.get(k, k) for k in keys), key=str.casefold), _q, limit=None)

    n = len(aside)
    lines = [
        "Met ieders keuze van stations vond Balie geen rooster. Dit rooster komt het "
        f"dichtst bij: {_count(n, 'persoon krijgt', 'mensen krijgen')} niet de "
        "gekozen stations."
    ]
    for person in aside:
        other = instead[person.key]
        goes = f"alle {len(names)} stations" if other is None else shown(other)
        lines.append(
            f"{person.name} koos {shown(person.chosen or ())}, en gaat in dit rooster naar {goes}."
        )
    lines.append(f"Waarom het met alle keuzes niet lukt: {strict.reasons[0]}")
    return lines


def replan(
    stations: Sequence[Station],
    people: Sequence[Person],
    rounds: int,
    previous: Plan,
) -> Plan | Impossible:
    """A plan for the changed event that keeps as much of `previous` as the guarantees allow.

    1. Everyone who stays, and still fits their group (wants the stations the group visits and
       is free in its rounds), keeps their group and so their rounds. Visits to stations that
       are gone, or in rounds that are gone, are dropped.
    2. Newcomers, and people who no longer fit, join the smallest group with the same stations,
       rounds they are free in, and places left.
    3. While groups in a round differ by more than one person, one person moves from a largest
       group to a smallest one, when they fit there.

    When the result breaks a guarantee (checked by `verify`), a fresh `plan` is made instead:
    it answers a `Plan`, or `Impossible` with the reasons."""
    every = frozenset(s.key for s in stations)
    if len(every) != len(stations) or len({p.key for p in people}) != len(people):
        return plan(stations, people, rounds)
    capacity = {s.key: math.inf if s.capacity is None else s.capacity for s in stations}
    by_key = {p.key: p for p in people}

    def wants(person: Person) -> frozenset[str]:
        return frozenset(person.chosen) if person.chosen else every

    groups: list[tuple[list[str], dict[int, str]]] = []
    for gi, _members in enumerate(previous.groups):
        visits = {
            r: key
            for (g, r), key in previous.schedule.items()
            if g == gi and 0 <= r < rounds and key in every
        }
        groups.append(([], visits))

    def fits(person: Person, gi: int) -> bool:
        members, visits = groups[gi]
        places = min((capacity[k] for k in visits.values()), default=math.inf)
        return (
            bool(visits)
            and len(set(visits.values())) == len(visits)
            and frozenset(visits.values()) == wants(person)
            and set(visits) <= person.free_rounds
            and len(members) < places
        )

    placed: set[str] = set()
    for gi, members in enumerate(previous.groups):
        for key in members:
            person = by_key.get(key)
            if person is not None and key not in placed and fits(person, gi):
                groups[gi][0].append(key)
                placed.add(key)

    def spread(gi: int, size: int) -> int:
        """How far `size` is from the other groups in the rounds of group `gi`."""
        worst = 0
        for r in groups[gi][1]:
            for gj, (members, visits) in enumerate(groups):
                if gj != gi and members and r in visits:
                    worst = max(worst, abs(len(members) - size))
        return worst

    for person in people:
        if person.key in placed:
            continue
        options = [gi for gi in range(len(groups)) if fits(person, gi)]
        if not options:
            return plan(stations, people, rounds)
        best = min(
            options, key=lambda gi: (spread(gi, len(groups[gi][0]) + 1), len(groups[gi][0]), gi)
        )
        groups[best][0].append(person.key)
        placed.add(person.key)

    _rebalance(groups, by_key, fits, len(people))
    kept = [(sorted(m, key=_order(people)), v) for m, v in groups if m]
    result = _plan_from_groups(stations, people, kept)
    if verify(result, stations, people, rounds):
        return plan(stations, people, rounds)
    return result


def changed_people(before: Plan, after: Plan) -> set[str]:
    """The people in both plans whose stations or rounds differ."""
    return {
        key
        for key, visits in after.by_person.items()
        if key in before.by_person and before.by_person[key] != visits
    }


def _order(people: Sequence[Person]) -> Callable[[str], int]:
    position = {p.key: n for n, p in enumerate(people)}
    return lambda key: position.get(key, len(position))


def _rebalance(
    groups: list[tuple[list[str], dict[int, str]]],
    by_key: dict[str, Person],
    fits: Callable[[Person, int], bool],
    limit: int,
) -> None:
    """Move one person at a time from a largest to a smallest group in a round where sizes
    differ by more than one, while that makes the total difference smaller."""

    def unevenness() -> int:
        total = 0
        for r in {r for _m, visits in groups for r in visits}:
            sizes = [len(m) for m, visits in groups if m and r in visits]
            if sizes:
                total += max(0, max(sizes) - min(sizes) - 1)
        return total

    now = unevenness()
    for _ in range(limit):
        if now == 0:
            return
        best = None
        for r in sorted({r for _m, visits in groups for r in visits}):
            present = [gi for gi, (m, visits) in enumerate(groups) if m and r in visits]
            if not present:
                continue
            sizes = [len(groups[gi][0]) for gi in present]
            if max(sizes) - min(sizes) <= 1:
                continue
            large = [gi for gi in present if len(groups[gi][0]) == max(sizes)]
            small = [gi for gi in present if len(groups[gi][0]) == min(sizes)]
            for source in large:
                for target in small:
                    for key in list(reversed(groups[source][0])):
                        groups[source][0].remove(key)
                        if fits(by_key[key], target):
                            groups[target][0].append(key)
                            after = unevenness()
                            groups[target][0].remove(key)
                            if after < now and (best is None or after < best[0]):
                                best = (after, source, target, key)
                        groups[source][0].append(key)
                        if best is not None and best[0] == 0:
                            break
        if best is None:
            return
        now, source, target, key = best
        groups[source][0].remove(key)
        groups[target][0].append(key)


def _plan_from_groups(
    stations: Sequence[Station],
    people: Sequence[Person],
    groups: list[tuple[list[str], dict[int, str]]],
) -> Plan:
    by_person: dict[str, dict[int, str]] = {p.key: {} for p in people}
    by_station: dict[str, dict[int, list[str]]] = {s.key: {} for s in stations}
    schedule: dict[tuple[int, int], str] = {}
    for gi, (members, visits) in enumerate(groups):
        for r, key in sorted(visits.items()):
            schedule[gi, r] = key
            by_station[key][r] = list(members)
            for member in members:
                by_person[member][r] = key
    return Plan(
        groups=[list(m) for m, _v in groups],
        schedule=dict(sorted(schedule.items())),
        by_person={k: dict(sorted(v.items())) for k, v in by_person.items()},
        by_station={k: dict(sorted(v.items())) for k, v in by_station.items()},
    )


# -- the event, in indices -------------------------------------------------------------------


class _Event:
    """The input as indices and bit masks of rounds; also collects problems in the input.

    Stations and people are put in the order of their keys, so that the plan depends on the
    event only, not on the order in which it was given (nor on hashing: sets are sorted)."""

    def __init__(self, stations: Sequence[Station], people: Sequence[Person], rounds: int):
        self.stations = sorted(stations, key=lambda s: s.key)
        self.people = sorted(people, key=lambda p: p.key)
        self.rounds = max(rounds, 0)
        self.all_rounds = (1 << self.rounds) - 1
        self.input_problems: list[str] = []
        index: dict[str, int] = {}
        for n, station in enumerate(self.stations):
            if station.key in index:
                self.input_problems.append(f"Station {_q(station.name)} staat er twee keer in.")
            index.setdefault(station.key, n)
        self.station_index = index
        seen: set[str] = set()
        for person in self.people:
            if person.key in seen:
                self.input_problems.append(f"{person.name} staat twee keer ingeschreven.")
            seen.add(person.key)
        everything = tuple(range(len(self.stations)))
        self.chosen: list[tuple[int, ...]] = []
        self.free: list[int] = []
        for person in self.people:
            if person.chosen:
                unknown = sorted(k for k in person.chosen if k not in index)
                if unknown:
                    self.input_problems.append(
                        f"{person.name} koos een station dat niet (meer) bestaat "
                        f"({', '.join(unknown)})."
                    )
                self.chosen.append(tuple(sorted({index[k] for k in person.chosen if k in index})))
            else:
                self.chosen.append(everything)
            mask = 0
            for r in person.free_rounds:
                if 0 <= r < self.rounds:
                    mask |= 1 << r
            self.free.append(mask)

    def cap(self, s: int) -> float:
        capacity = self.stations[s].capacity
        return math.inf if capacity is None else max(capacity, 0)


@dataclass
class _Class:
    """People with the same choice of stations: only they can share a group."""

    stations: tuple[int, ...]
    members: list[int]
    cap: float
    min_groups: int


def _classes(event: _Event) -> list[_Class]:
    by_choice: dict[tuple[int, ...], list[int]] = {}
    for p, chosen in enumerate(event.chosen):
        by_choice.setdefault(chosen, []).append(p)
    classes = []
    for chosen, members in by_choice.items():
        cap = min((event.cap(s) for s in chosen), default=math.inf)
        least = 1 if cap == math.inf or cap <= 0 else math.ceil(len(members) / cap)
        classes.append(_Class(chosen, members, cap, max(1, least)))
    return classes


# -- necessary conditions --------------------------------------------------------------------


def _necessary(event: _Event, group_count: int | None) -> list[str]:
    reasons: list[str] = []
    reasons += _host_problems(event)
    if not event.people:
        return reasons
    if not event.stations:
        return [*reasons, "Er zijn nog geen stations."]
    if event.rounds == 0:
        return [*reasons, "Er zijn nog geen rondes."]
    reasons += _people_problems(event)
    classes = _classes(event)
    full, crowded = _station_problems(event, classes)
    reasons += full
    # A station that is too small also needs more groups everywhere; say it only once.
    if not full:
        reasons += crowded
    reasons += _round_problems(event, groups=not full)
    if group_count is not None:
        reasons += _group_count_problems(event, classes, group_count)
    return reasons


def _host_problems(event: _Event) -> list[str]:
    reasons = []
    hosted: dict[str, list[str]] = defaultdict(list)
    for station in event.stations:
        if station.host:
            hosted[station.host].append(station.name)
    for host, names in hosted.items():
        if len(names) > 1:
            reasons.append(
                f"{host} leidt {len(names)} stations tegelijk: {_list(names, _q)}. "
                "Een host blijft de hele tijd bij één station."
            )
    for person in event.people:
        for station in event.stations:
            if station.host and station.host in (person.key, person.name):
                reasons.append(
                    f"{person.name} leidt station {_q(station.name)} en staat ook "
                    "ingeschreven als deelnemer. Een host blijft bij het eigen station."
                )
    return reasons


def _people_problems(event: _Event) -> list[str]:
    """Each person needs a free round for every station they chose."""
    short: dict[tuple[int, int, bool], list[str]] = defaultdict(list)
    for p, person in enumerate(event.people):
        free, want = event.free[p].bit_count(), len(event.chosen[p])
        if free < want:
            short[free, want, not person.chosen].append(person.name)
    reasons = []
    for (free, want, everything), names in short.items():
        one = len(names) == 1
        who = _list(names)
        if everything:
            wish = f"{'wil' if one else 'willen'} alle {want} stations bezoeken"
        else:
            wish = f"{'koos' if one else 'kozen'} {want} stations"
        if free == 0:
            reasons.append(f"{who} {'is' if one else 'zijn'} in geen enkele ronde vrij.")
        elif free == event.rounds:
            reasons.append(
                f"{who} {wish}, maar er {'is' if free == 1 else 'zijn'} maar "
                f"{_count(free, 'ronde', 'rondes')}."
            )
        else:
            reasons.append(
                f"{who} {'is' if one else 'zijn'} vrij in "
                f"{_count(free, 'ronde', 'rondes')}, maar {wish}."
            )
    return reasons


def _station_problems(event: _Event, classes: list[_Class]) -> tuple[list[str], list[str]]:
    """Per station: its places, and one group per round (two lists of reasons)."""
    reasons = []
    crowded = []  # (station, least groups, usable rounds)
    for s, station in enumerate(event.stations):
        visitors = [p for p, chosen in enumerate(event.chosen) if s in chosen]
        if not visitors:
            continue
        free = 0
        for p in visitors:
            free |= event.free[p]
        usable = free.bit_count()
        cap = event.cap(s)
        wants = _count(len(visitors), "persoon wil", "mensen willen")
        if cap == 0:
            reasons.append(f"Station {_q(station.name)} heeft geen plaatsen, maar {wants} erheen.")
        elif len(visitors) > cap * usable:
            reasons.append(
                f"Station {_q(station.name)} heeft plaats voor {int(cap)} per ronde. {wants} "
                f"erheen, maar dat kan in {_count(usable, 'ronde', 'rondes')}: samen maar "
                f"{int(cap) * usable} plaatsen."
            )
        else:
            least = sum(c.min_groups for c in classes if s in c.stations)
            if least > usable:
                crowded.append((station.name, least, usable))
    if not crowded:
        return reasons, []
    if len(crowded) == 1:
        name, least, usable = crowded[0]
        text = (
            f"Bij station {_q(name)} moeten minstens {least} groepen langs, maar er kan "
            f"één groep per ronde komen, in {_count(usable, 'ronde', 'rondes')}."
        )
    else:
        text = (
            f"Bij {len(crowded)} stations moeten meer groepen langs dan er rondes zijn (één "
            "groep per station per ronde): "
            + _list(
                [
                    f"{_q(name)} minstens {least} groepen in {_count(usable, 'ronde', 'rondes')}"
                    for name, least, usable in crowded
                ],
                limit=None,
            )
            + "."
        )
    own = [event.people[p].name for p, person in enumerate(event.people) if person.chosen]
    if len(classes) > 1:
        text += (
            f" De deelnemers kozen {len(classes)} verschillende combinaties van stations, "
            "en wie iets anders koos, zit in een andere groep."
        )
        if own:
            text += f" Een eigen keuze maakten: {_list(own)}."
    if any(c.min_groups > 1 for c in classes):
        text += (
            " Een groep mag niet groter zijn dan de plaatsen van de stations die ze "
            "bezoekt, dus zijn er meer groepen nodig."
        )
    return reasons, [text]


def _round_problems(event: _Event, *, groups: bool) -> list[str]:
    """People who are free in exactly as many rounds as they chose stations must be at a
    station in every round in which they are free."""
    stations = len(event.stations)
    capped = all(s.capacity is not None for s in event.stations)
    places = sum(s.capacity or 0 for s in event.stations)
    too_many: list[tuple[int, int]] = []  # (round, people)
    too_many_groups: list[tuple[int, int]] = []  # (round, least groups)
    involved: dict[int, None] = {}
    mixed = smaller = False
    for r in range(event.rounds):
        bit = 1 << r
        forced = [
            p
            for p in range(len(event.people))
            if event.free[p] & bit and event.free[p].bit_count() == len(event.chosen[p])
        ]
        # Those with another choice of stations or other free rounds cannot share a group.
        kinds: dict[tuple[tuple[int, ...], int], list[int]] = defaultdict(list)
        for p in forced:
            kinds[event.chosen[p], event.free[p]].append(p)
        least = 0
        for (chosen, _), members in kinds.items():
            cap = min(event.cap(s) for s in chosen)
            least += 1 if cap in (0, math.inf) else math.ceil(len(members) / cap)
        if capped and len(forced) > places:
            too_many.append((r, len(forced)))
            involved.update(dict.fromkeys(forced))
        elif groups and least > stations:
            too_many_groups.append((r, least))
            mixed = mixed or len(kinds) > 1
            smaller = smaller or least > len(kinds)
            # Name the people whose needs differ from the largest set of equal needs, if
            # there is one; otherwise everyone.
            ranked = sorted(kinds.values(), key=len, reverse=True)
            if len(ranked) > 1 and len(ranked[0]) > len(ranked[1]):
                ranked = ranked[1:]
            for members in ranked:
                involved.update(dict.fromkeys(members))
    if not too_many and not too_many_groups:
        return []
    reasons = []
    if too_many:
        per_round = _list([f"ronde {r + 1} ({n})" for r, n in too_many], limit=None)
        reasons.append(
            f"Alle stations samen hebben plaats voor {places} mensen per ronde, maar "
            f"er moeten meer mensen bij een station zijn in {per_round}."
        )
    if too_many_groups:
        most = f"hooguit {_count(stations, 'groep', 'groepen')} per ronde"
        per_round = _list([f"ronde {r + 1} (minstens {n})" for r, n in too_many_groups], limit=None)
        reasons.append(
            f"Er {'is' if stations == 1 else 'zijn'} {_count(stations, 'station', 'stations')}"
            f", dus {most}, maar er moeten meer groepen tegelijk meedoen in {per_round}."
            + (
                " Wie andere stations koos of in andere rondes vrij is, zit in een andere groep."
                if mixed
                else ""
            )
            + (
                " Een groep mag niet groter zijn dan de plaatsen van de stations die ze bezoekt."
                if smaller
                else ""
            )
        )
    names = [event.people[p].name for p in involved]
    reasons[-1] += (
        " Het gaat om mensen die precies zo vaak vrij zijn als ze stations willen "
        "bezoeken; zij doen mee in elke ronde waarin ze vrij zijn"
        + (f": {_list(names)}." if names else ".")
    )
    return reasons


def _group_count_problems(event: _Event, classes: list[_Class], count: int) -> list[str]:
    asked = f"Je vroeg om {_count(count, 'groep', 'groepen')}"
    if count < 1:
        return ["Er moet minstens één groep zijn."]
    if count > len(event.people):
        return [
            f"{asked}, maar er {'is' if len(event.people) == 1 else 'zijn'} maar "
            f"{_count(len(event.people), 'deelnemer', 'deelnemers')}."
        ]
    if count < len(classes):
        return [
            f"{asked}, maar de deelnemers kozen {len(classes)} verschillende combinaties "
            "van stations. Wie iets anders koos, zit in een andere groep."
        ]
    least = sum(c.min_groups for c in classes)
    if count < least:
        return [f"{asked}, maar met de plaatsen per station zijn er minstens {least} nodig."]
    # Fewest visits: extra groups go to the choices with the fewest stations.
    visits = sum(c.min_groups * len(c.stations) for c in classes)
    extra = count - least
    for c in sorted(classes, key=lambda c: len(c.stations)):
        more = min(extra, len(c.members) - c.min_groups)
        visits += more * len(c.stations)
        extra -= more
    slots = len(event.stations) * event.rounds
    if visits > slots:
        return [
            f"{asked}. Die komen samen minstens {visits} keer bij een station, maar in "
            f"{_count(event.rounds, 'ronde', 'rondes')} met "
            f"{_count(len(event.stations), 'station', 'stations')} passen maar {slots} "
            "groepsbezoeken."
        ]
    return []


# -- groups ----------------------------------------------------------------------------------


@dataclass
class _Group:
    members: list[int]
    stations: tuple[int, ...]
    allowed: int  # rounds in which every member is free


def _search(
    event: _Event, group_count: int | None
) -> tuple[tuple[list[_Group], dict[tuple[int, int], int]] | None, int]:
    """The groups and their schedule (None when none was found), and the steps taken: ways of
    splitting tried, backtracking nodes and swaps looked at."""
    classes = _classes(event)
    budget = [SEARCH_BUDGET]
    work = [SWAP_WORK]
    tried = 0

    def steps() -> int:
        return tried + (SEARCH_BUDGET - budget[0]) + (SWAP_WORK - work[0])

    # When some people are not free in every round, there is more than one way to split.
    splits = PARTITIONS if any(f != event.all_rounds for f in event.free) else 1
    rng = random.Random(len(event.people))  # reproducible: same event, same plan
    for counts in _group_counts(event, classes, group_count):
        for split in range(splits):
            tried += 1
            groups = _make_groups(event, classes, counts, rng if split else None, work)
            if groups is None or not _fits(event, groups):
                continue
            schedule = _latin(event, groups)
            if schedule is None:
                schedule = _backtrack(event, groups, budget)
            if schedule is not None:
                return (groups, schedule), steps()
            if budget[0] <= 0:
                return None, steps()
    return None, steps()


def _group_counts(
    event: _Event, classes: list[_Class], group_count: int | None
) -> list[tuple[int, ...]]:
    """Candidate numbers of groups per choice of stations, the most promising first.

    Starting from the fewest groups the places allow, a group is added each step to the choice
    with the largest groups (as in D'Hondt), so that group sizes stay close. Candidates in which
    all groups differ by at most one come first, and among those the smallest groups."""
    counts = [c.min_groups for c in classes]
    load = [0] * len(event.stations)
    for c, n in zip(classes, counts, strict=True):
        for s in c.stations:
            load[s] += n
    chain = [tuple(counts)]
    while group_count is None or sum(counts) < group_count:
        best, best_key = None, None
        for i, c in enumerate(classes):
            if counts[i] >= len(c.members):
                continue
            if group_count is None and any(load[s] >= event.rounds for s in c.stations):
                continue
            key = (math.ceil(len(c.members) / counts[i]), len(c.members), -i)
            if best_key is None or key > best_key:
                best, best_key = i, key
        if best is None:
            break
        counts[best] += 1
        for s in classes[best].stations:
            load[s] += 1
        chain.append(tuple(counts))
    if group_count is not None:
        return [chain[-1]] if sum(chain[-1]) == group_count else []

    def spread(counts: tuple[int, ...]) -> int:
        sizes = [len(c.members) / n for c, n in zip(classes, counts, strict=True)]
        small = min(len(c.members) // n for c, n in zip(classes, counts, strict=True))
        return max(math.ceil(x) for x in sizes) - small

    return sorted(chain, key=lambda counts: (spread(counts) > 1, -sum(counts)))


def _make_groups(
    event: _Event,
    classes: list[_Class],
    counts: tuple[int, ...],
    rng: random.Random | None,
    work: list[int],
) -> list[_Group] | None:
    """Split each choice into its number of groups, sizes differing by at most one. The least
    free people are placed first, with others free in the same rounds where possible (`rng`
    breaks ties at random, for another split), then people are swapped between groups while
    that gives the groups more rounds in common."""
    groups = []
    for c, n in zip(classes, counts, strict=True):
        base, extra = divmod(len(c.members), n)
        if base + (extra > 0) > c.cap:
            return None
        members: list[list[int]] = [[] for _ in range(n)]
        allowed = [event.all_rounds] * n
        need = len(c.stations)
        larger = 0  # groups of base + 1 so far; `extra` of them in the end
        order = sorted(
            c.members,
            key=lambda p: (
                event.free[p].bit_count(),
                rng.random() if rng else 0,
                event.free[p],
                p,
            ),
        )
        for p in order:
            best, best_key = None, None
            for i in range(n):
                if len(members[i]) > base or (len(members[i]) == base and larger == extra):
                    continue
                left = (allowed[i] & event.free[p]).bit_count()
                key = (left >= need, left, bool(members[i]))
                if best_key is None or key > best_key:
                    best, best_key = i, key
            assert best is not None
            larger += len(members[best]) == base
            members[best].append(p)
            allowed[best] &= event.free[p]
        allowed = _swap(event, members, need, work)
        for i in range(n):
            if allowed[i].bit_count() < need:
                return None
            groups.append(_Group(sorted(members[i]), c.stations, allowed[i]))
    return groups


def _swap(event: _Event, members: list[list[int]], need: int, work: list[int]) -> list[int]:
    """Swap people between groups while that leaves the groups more rounds in common (first:
    more groups with enough rounds). Returns the rounds of each group. `work` bounds the swaps
    looked at, over all calls for one event."""
    free = event.free

    def rounds(group: list[int]) -> tuple[int, int]:
        """Rounds in which everyone is free, and in which all but one are."""
        everyone = all_but_one = 0
        for r in range(event.rounds):
            bit = 1 << r
            missing = 0
            for p in group:
                if not free[p] & bit:
                    missing += 1
                    if missing > 1:
                        break
            if missing == 0:
                everyone |= bit
            elif missing == 1:
                all_but_one |= bit
        return everyone, all_but_one

    def value(mask: int) -> int:
        bits = mask.bit_count()
        return bits + (1000 if bits >= need else 0)

    state = [rounds(group) for group in members]
    for _ in range(SWAP_PASSES):
        swapped = False
        for i, group in enumerate(members):
            for p in list(group):
                if free[p] == event.all_rounds:
                    continue
                if work[0] <= 0:
                    return [everyone for everyone, _ in state]
                everyone_i, all_but_one_i = state[i]
                without_p = everyone_i | (all_but_one_i & ~free[p])
                best, best_gain = None, 0
                for j, other in enumerate(members):
                    if j == i:
                        continue
                    everyone_j, all_but_one_j = state[j]
                    now = value(everyone_i) + value(everyone_j)
                    tried = {free[p]}
                    for q in other:
                        if free[q] in tried:
                            continue
                        tried.add(free[q])
                        work[0] -= 1
                        without_q = everyone_j | (all_but_one_j & ~free[q])
                        gain = value(without_p & free[q]) + value(without_q & free[p]) - now
                        if gain > best_gain:
                            best, best_gain = (j, q), gain
                if best is not None:
                    j, q = best
                    group[group.index(p)] = q
                    members[j][members[j].index(q)] = p
                    state[i], state[j] = rounds(group), rounds(members[j])
                    swapped = True
        if not swapped:
            break
    return [everyone for everyone, _ in state]


def _fits(event: _Event, groups: list[_Group]) -> bool:
    """Quick counts before searching. A group with exactly as many possible rounds as stations
    is at a station in each of them; other groups can only join such a round when their size is
    within one of it. Narrows `allowed` to those rounds, until nothing changes."""
    changed = True
    while changed:
        changed = False
        low = [math.inf] * event.rounds
        high = [-math.inf] * event.rounds
        for g in groups:
            if g.allowed.bit_count() == len(g.stations):
                for r in range(event.rounds):
                    if g.allowed >> r & 1:
                        low[r] = min(low[r], len(g.members))
                        high[r] = max(high[r], len(g.members))
        if any(hi - lo > 1 for lo, hi in zip(low, high, strict=True)):
            return False
        for g in groups:
            size = len(g.members)
            keep = 0
            for r in range(event.rounds):
                if g.allowed >> r & 1 and high[r] - 1 <= size <= low[r] + 1:
                    keep |= 1 << r
            if keep != g.allowed:
                if keep.bit_count() < len(g.stations):
                    return False
                g.allowed = keep
                changed = True
    for s in range(len(event.stations)):
        visiting = [g for g in groups if s in g.stations]
        rounds = 0
        for g in visiting:
            rounds |= g.allowed
        if len(visiting) > rounds.bit_count():
            return False
    return True


# -- rounds ----------------------------------------------------------------------------------


def _latin(event: _Event, groups: list[_Group]) -> dict[tuple[int, int], int] | None:
    """When all groups want the same stations in the same rounds: a cyclic Latin square. Group
    g visits, in its i-th round, station (i - g) mod m of the choice, if there is one."""
    first = groups[0]
    if any(g.stations != first.stations or g.allowed != first.allowed for g in groups):
        return None
    rounds = [r for r in range(event.rounds) if first.allowed >> r & 1]
    m = len(rounds)
    if len(groups) > m:
        return None
    schedule = {}
    for gi in range(len(groups)):
        for i, r in enumerate(rounds):
            n = (i - gi) % m
            if n < len(first.stations):
                schedule[gi, r] = first.stations[n]
    return schedule


class _OutOfBudget(Exception):
    pass


def _backtrack(
    event: _Event, groups: list[_Group], budget: list[int]
) -> dict[tuple[int, int], int] | None:
    """Give every (group, station) visit a round: a depth-first search that takes the visit with
    the fewest possible rounds first and checks, for every group and station, that enough rounds
    are left. Within a round, groups may differ in size by at most one."""
    visits = [(gi, s) for gi, g in enumerate(groups) for s in g.stations]
    size = [len(g.members) for g in groups]
    sizes = sorted(set(size))
    rounds = event.rounds
    group_busy = [0] * len(groups)
    station_busy = [0] * len(event.stations)
    present: list[dict[int, int]] = [{} for _ in range(rounds)]  # round -> size -> groups
    done = [-1] * len(visits)
    left_group = [len(g.stations) for g in groups]
    left_station = [0] * len(event.stations)
    for _, s in visits:
        left_station[s] += 1

    def balanced() -> dict[int, int]:
        """Per group size: the rounds it may join (all sizes there within one of it)."""
        empty, bands = 0, []
        for r in range(rounds):
            here = present[r]
            if here:
                bands.append((1 << r, max(here) - 1, min(here) + 1))
            else:
                empty |= 1 << r
        masks = {}
        for z in sizes:
            mask = empty
            for bit, low, high in bands:
                if low <= z <= high:
                    mask |= bit
            masks[z] = mask
        return masks

    def place(v: int, r: int, on: bool) -> None:
        gi, s = visits[v]
        bit = 1 << r
        here = present[r]
        if on:
            done[v] = r
            group_busy[gi] |= bit
            station_busy[s] |= bit
            here[size[gi]] = here.get(size[gi], 0) + 1
            left_group[gi] -= 1
            left_station[s] -= 1
        else:
            done[v] = -1
            group_busy[gi] &= ~bit
            station_busy[s] &= ~bit
            here[size[gi]] -= 1
            if not here[size[gi]]:
                del here[size[gi]]
            left_group[gi] += 1
            left_station[s] += 1

    nodes = [0]

    def search(rng: random.Random | None) -> bool:
        nodes[0] -= 1
        if nodes[0] < 0:
            raise _OutOfBudget
        fit = balanced()
        group_any = [0] * len(groups)
        station_any = [0] * len(event.stations)
        best, best_mask, best_key = -1, 0, None
        for v, (gi, s) in enumerate(visits):
            if done[v] >= 0:
                continue
            mask = groups[gi].allowed & ~group_busy[gi] & ~station_busy[s] & fit[size[gi]]
            if not mask:
                return False
            group_any[gi] |= mask
            station_any[s] |= mask
            key = (mask.bit_count(), -left_group[gi], -left_station[s])
            if best_key is None or key < best_key:
                best, best_mask, best_key = v, mask, key
        if best < 0:
            return True
        for gi, left in enumerate(left_group):
            if left and group_any[gi].bit_count() < left:
                return False
        for s, left in enumerate(left_station):
            if left and station_any[s].bit_count() < left:
                return False
        options = [r for r in range(rounds) if best_mask >> r & 1]
        if rng is not None:
            rng.shuffle(options)
        for r in options:
            place(best, r, True)
            if search(rng):
                return True
            place(best, r, False)
        return False

    rng = random.Random(len(visits))  # reproducible: same event, same plan
    for attempt in range(1 + RESTARTS):
        allowance = min(budget[0], ATTEMPT_BUDGET if attempt == 0 else ATTEMPT_BUDGET // 2)
        if allowance <= 0:
            return None
        nodes[0] = allowance
        try:
            found = search(None if attempt == 0 else rng)
        except _OutOfBudget:
            found = False
            for v in range(len(visits)):
                if done[v] >= 0:
                    place(v, done[v], False)
        budget[0] -= allowance - max(nodes[0], 0)
        if found:
            return {(visits[v][0], done[v]): visits[v][1] for v in range(len(visits))}
        if nodes[0] >= 0:
            return None  # searched everything: these groups have no schedule
    return None


# -- results ---------------------------------------------------------------------------------


def _to_plan(
    event: _Event, groups: list[_Group], schedule: dict[tuple[int, int], int], steps: int
) -> Plan:
    keys = [p.key for p in event.people]
    station_keys = [s.key for s in event.stations]
    by_person: dict[str, dict[int, str]] = {k: {} for k in keys}
    by_station: dict[str, dict[int, list[str]]] = {k: {} for k in station_keys}
    for (gi, r), s in sorted(schedule.items(), key=lambda item: (item[0][1], item[0][0])):
        members = [keys[p] for p in groups[gi].members]
        by_station[station_keys[s]][r] = members
        for key in members:
            by_person[key][r] = station_keys[s]
    return Plan(
        groups=[[keys[p] for p in g.members] for g in groups],
        schedule={(gi, r): station_keys[s] for (gi, r), s in sorted(schedule.items())},
        by_person=by_person,
        by_station={k: dict(sorted(v.items())) for k, v in by_station.items()},
        steps=steps,
    )


def _not_found(event: _Event, group_count: int | None) -> list[str]:
    """Honest: the checks passed, but the search found nothing. Names the likely causes."""
    groups = "" if group_count is None else f" met {_count(group_count, 'groep', 'groepen')}"
    reasons = [
        f"Balie vond geen indeling{groups} waarin elke groep al haar stations bezoekt en de "
        "groepen in elke ronde even groot zijn (hooguit één persoon verschil). Misschien kan "
        "het wel, maar Balie vond het niet."
    ]
    classes = _classes(event)
    if len(classes) > 1:
        everything = len(event.stations)
        small = sorted(
            (c for c in classes if len(c.stations) < everything), key=lambda c: len(c.members)
        )[:3]
        parts = [
            f"{_list([event.people[p].name for p in c.members])} "
            f"({_list([event.stations[s].name for s in c.stations], _q)})"
            for c in small
        ]
        reasons.append(
            "Wie andere stations kiest, komt in een eigen groep, en een kleine groep maakt de "
            "andere groepen in dezelfde ronde ook klein. Eigen keuzes: " + "; ".join(parts) + "."
        )
    limited = [
        person.name for p, person in enumerate(event.people) if event.free[p] != event.all_rounds
    ]
    if limited:
        reasons.append(
            "Wie niet in alle rondes vrij is, kan alleen in een groep met mensen die dan ook "
            f"vrij zijn: {_list(limited)}."
        )
    reasons.append(
        "Tip: vraag of iemand alle stations wil bezoeken of in meer rondes vrij is, "
        "of voeg een ronde toe."
    )
    return reasons


# -- verify ----------------------------------------------------------------------------------


def verify(
    result: Plan, stations: Sequence[Station], people: Sequence[Person], rounds: int
) -> list[str]:
    """Every broken guarantee of `result`, checked from the plan itself (empty: all kept)."""
    problems: list[str] = []
    station_by_key = {s.key: s for s in stations}
    person_by_key = {p.key: p for p in people}

    # Everyone in exactly one non-empty group, no strangers.
    group_of: dict[str, int] = {}
    for gi, members in enumerate(result.groups):
        if not members:
            problems.append(f"Groep {gi + 1} is leeg.")
        for key in members:
            if key not in person_by_key:
                problems.append(f"Groep {gi + 1} heeft een onbekende deelnemer {key}.")
            elif key in group_of:
                problems.append(f"{person_by_key[key].name} zit in twee groepen.")
            group_of[key] = gi
    for person in people:
        if person.key not in group_of:
            problems.append(f"{person.name} zit in geen groep.")

    # The schedule: known groups, rounds and stations; one group per station per round.
    at: dict[tuple[str, int], int] = {}
    for (gi, r), key in result.schedule.items():
        if not 0 <= gi < len(result.groups):
            problems.append(f"Het rooster noemt groep {gi + 1}, die er niet is.")
        if not 0 <= r < rounds:
            problems.append(f"Het rooster noemt ronde {r + 1}, die er niet is.")
        if key not in station_by_key:
            problems.append(f"Het rooster noemt station {key}, dat er niet is.")
        if (key, r) in at:
            problems.append(f"Ronde {r + 1}: twee groepen bij station {key}.")
        at[key, r] = gi

    # by_person and by_station say the same as groups and schedule.
    expected_person: dict[str, dict[int, str]] = {p.key: {} for p in people}
    expected_station: dict[str, dict[int, list[str]]] = {s.key: {} for s in stations}
    for (gi, r), key in result.schedule.items():
        if 0 <= gi < len(result.groups):
            for member in result.groups[gi]:
                expected_person.setdefault(member, {})[r] = key
            expected_station.setdefault(key, {})[r] = sorted(result.groups[gi])
    if result.by_person != expected_person:
        problems.append("Het rooster per persoon klopt niet met de groepen.")
    station_view = {k: {r: sorted(v) for r, v in rs.items()} for k, rs in result.by_station.items()}
    if station_view != expected_station:
        problems.append("Het rooster per station klopt niet met de groepen.")

    # (a) exactly the chosen stations, each once; (d) only in free rounds.
    for person in people:
        visits = expected_person.get(person.key, {})
        want = set(person.chosen) if person.chosen else set(station_by_key)
        seen = list(visits.values())
        if len(seen) != len(set(seen)):
            problems.append(f"{person.name} komt twee keer bij hetzelfde station.")
        if set(seen) != want:
            problems.append(f"{person.name} bezoekt niet precies de gekozen stations.")
        busy = sorted(r for r in visits if r not in person.free_rounds)
        if busy:
            problems.append(
                f"{person.name} is ingedeeld in ronde "
                f"{', '.join(str(r + 1) for r in busy)} maar is dan niet vrij."
            )

    # (b) group sizes per round, and places per station.
    sizes: dict[int, list[int]] = defaultdict(list)
    for (gi, r), key in result.schedule.items():
        if not 0 <= gi < len(result.groups):
            continue
        n = len(result.groups[gi])
        sizes[r].append(n)
        station = station_by_key.get(key)
        if station is not None and station.capacity is not None and n > station.capacity:
            problems.append(
                f"Ronde {r + 1}: {n} mensen bij {_q(station.name)}, dat plaats "
                f"heeft voor {station.capacity}."
            )
    for r, ns in sorted(sizes.items()):
        if max(ns) - min(ns) > 1:
            problems.append(f"Ronde {r + 1}: groepen van {min(ns)} tot {max(ns)} mensen.")

    # (c) hosts are not participants.
    hosts = {s.host: s for s in stations if s.host}
    for person in people:
        for name in (person.key, person.name):
            if name in hosts and person.key in group_of:
                problems.append(f"{person.name} leidt {_q(hosts[name].name)} en zit in een groep.")
                break
    return problems


# -- Dutch -----------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"“{name}”"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _list(
    items: Sequence[str], show: Callable[[str], str] = str, limit: int | None = NAMES_SHOWN
) -> str:
    """'A', 'A en B', 'A, B en C', and beyond `limit`: 'A, B, … en nog 4 anderen'."""
    shown = [show(x) for x in items[:limit]]
    rest = len(items) - len(shown)
    if rest:
        return f"{', '.join(shown)} en nog {rest} {'andere' if rest == 1 else 'anderen'}"
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} en {shown[-1]}"
