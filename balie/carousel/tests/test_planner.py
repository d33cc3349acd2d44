"""The kenniscarrousel planner: plain functions, no database."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from balie.carousel.planner import (
    Impossible,
    Person,
    Plan,
    Station,
    changed_people,
    nearest,
    plan,
    replan,
    verify,
)


def stations(*names: str, capacity: int | None = None) -> list[Station]:
    return [Station(key=f"s{n}", name=name, capacity=capacity) for n, name in enumerate(names)]


def people(count: int, rounds: int, prefix: str = "p") -> list[Person]:
    return [
        Person(
            key=f"{prefix}{n}", name=f"Persoon {prefix}{n}", free_rounds=frozenset(range(rounds))
        )
        for n in range(count)
    ]


def planned(result: Plan | Impossible, event_stations, event_people, rounds) -> Plan:
    assert isinstance(result, Plan), getattr(result, "reasons", result)
    assert verify(result, event_stations, event_people, rounds) == []
    assert_balanced(result)
    return result


def assert_balanced(result: Plan) -> None:
    """Counted from by_station, independently of verify: per round, the groups at a station
    differ in size by at most one, and one group per station per round."""
    sizes: dict[int, list[int]] = {}
    for visits in result.by_station.values():
        for r, members in visits.items():
            sizes.setdefault(r, []).append(len(members))
    for r, ns in sizes.items():
        assert max(ns) - min(ns) <= 1, (r, ns)
    for (g, r), key in result.schedule.items():
        assert sorted(result.by_station[key][r]) == sorted(result.groups[g])


def reasons(result: Plan | Impossible) -> str:
    assert isinstance(result, Impossible), result
    assert result.reasons and all(result.reasons)
    return "\n".join(result.reasons)


# -- hand-written events -----------------------------------------------------------------------


def test_200_people_8_stations_8_rounds_in_one_step() -> None:
    """Speed is counted as work, not timed (timing is in bench/planner.py): everyone wants the
    same, so the first way of splitting gives a Latin square, without any search."""
    event_stations = stations(*(f"Station {n}" for n in range(8)))
    event_people = people(200, 8)
    result = planned(plan(event_stations, event_people, 8), event_stations, event_people, 8)
    assert result.steps == 1
    assert sorted(len(g) for g in result.groups) == [25] * 8
    for visits in result.by_person.values():
        assert sorted(visits) == list(range(8))
        assert len(set(visits.values())) == 8
    # Every station has one group in every round.
    assert all(len(v) == 8 for v in result.by_station.values())


def test_desk_duty_keeps_people_out_of_the_rounds_they_are_not_free() -> None:
    event_stations = stations("Taalhuis", "IDO", "BoekStart")
    event_people = people(9, 4)
    desk = [
        Person(key=f"d{n}", name=f"Balie {n}", free_rounds=frozenset({1, 2, 3})) for n in range(3)
    ]
    result = planned(
        plan(event_stations, event_people + desk, 4), event_stations, event_people + desk, 4
    )
    for person in desk:
        assert 0 not in result.by_person[person.key]
        assert len(result.by_person[person.key]) == 3


def test_people_who_choose_some_stations_visit_exactly_those() -> None:
    event_stations = stations("Taalhuis", "IDO", "BoekStart")
    everyone = people(6, 4)
    choosers = [
        Person(
            key=f"c{n}",
            name=f"Kiezer {n}",
            free_rounds=frozenset(range(4)),
            chosen=frozenset({"s0", "s1"}),
        )
        for n in range(6)
    ]
    result = planned(
        plan(event_stations, everyone + choosers, 4), event_stations, everyone + choosers, 4
    )
    for person in choosers:
        assert sorted(result.by_person[person.key].values()) == ["s0", "s1"]
    for person in everyone:
        assert sorted(result.by_person[person.key].values()) == ["s0", "s1", "s2"]
    # Nobody shares a group with someone who chose differently.
    for group in result.groups:
        assert len({key[0] for key in group}) == 1


def test_a_host_who_is_also_a_participant_is_reported() -> None:
    event_stations = [
        Station("s0", "Taalhuis", host="Anouk", capacity=None),
        Station("s1", "IDO", host=None, capacity=None),
    ]
    event_people = [*people(4, 2), Person("a", "Anouk", frozenset({0, 1}), None)]
    text = reasons(plan(event_stations, event_people, 2))
    assert "Anouk leidt station “Taalhuis”" in text


def test_a_host_is_matched_on_key_too_and_may_not_host_two_stations() -> None:
    event_stations = [
        Station("s0", "Taalhuis", host="u7"),
        Station("s1", "IDO", host="Ruud"),
        Station("s2", "BoekStart", host="Ruud"),
    ]
    event_people = [*people(3, 3), Person("u7", "Anouk", frozenset({0, 1, 2}))]
    text = reasons(plan(event_stations, event_people, 3))
    assert "Anouk leidt station “Taalhuis”" in text
    assert "Ruud leidt 2 stations tegelijk: “IDO” en “BoekStart”" in text


def test_capacity_too_small_names_the_station_and_the_numbers() -> None:
    event_stations = [Station("s0", "IDO", capacity=4), Station("s1", "Taalhuis")]
    text = reasons(plan(event_stations, people(9, 2), 2))
    assert "Station “IDO” heeft plaats voor 4 per ronde. 9 mensen willen erheen" in text
    assert "samen maar 8 plaatsen" in text


def test_capacity_makes_more_smaller_groups() -> None:
    event_stations = [Station("s0", "IDO", capacity=3), Station("s1", "Taalhuis")]
    event_people = people(9, 4)
    result = planned(plan(event_stations, event_people, 4), event_stations, event_people, 4)
    assert max(len(g) for g in result.groups) <= 3


def test_too_few_free_rounds_names_the_person() -> None:
    event_stations = stations("Taalhuis", "IDO", "BoekStart")
    marieke = Person("m", "Marieke", frozenset({0, 2}), None)
    jan = Person("j", "Jan", frozenset({1}), frozenset({"s0", "s1"}))
    text = reasons(plan(event_stations, [*people(3, 3), marieke, jan], 3))
    assert "Marieke is vrij in 2 rondes, maar wil alle 3 stations bezoeken." in text
    assert "Jan is vrij in 1 ronde, maar koos 2 stations." in text


def test_fewer_rounds_than_stations() -> None:
    text = reasons(plan(stations("A", "B", "C"), people(2, 2), 2))
    assert (
        "Persoon p0 en Persoon p1 willen alle 3 stations bezoeken, maar er zijn maar 2 rondes."
        in text
    )


def test_more_groups_than_stations_in_a_round() -> None:
    event_stations = stations("Taalhuis", "IDO")
    event_people = [
        Person("x", "Xandra", frozenset({2}), frozenset({"s0"})),
        Person("y", "Youssef", frozenset({2}), frozenset({"s1"})),
        Person("z", "Zeynep", frozenset({1, 2}), None),
    ]
    text = reasons(plan(event_stations, event_people, 3))
    assert "ronde 3 (minstens 3)" in text
    assert "hooguit 2 groepen per ronde" in text
    assert "Xandra" in text and "Youssef" in text


def test_one_station_only() -> None:
    event_stations = stations("Taalhuis")
    event_people = people(5, 3)
    result = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    assert sorted(len(g) for g in result.groups) == [1, 2, 2]
    assert sorted(result.by_station["s0"]) == [0, 1, 2]
    one_round = planned(plan(event_stations, event_people, 1), event_stations, event_people, 1)
    assert one_round.groups == [[p.key for p in event_people]]


def test_zero_participants_is_an_empty_plan() -> None:
    result = plan(stations("Taalhuis", "IDO"), [], 3)
    assert result == Plan(groups=[], schedule={}, by_person={}, by_station={"s0": {}, "s1": {}})


def test_no_rounds_or_no_stations() -> None:
    assert "geen rondes" in reasons(plan(stations("A"), people(2, 0), 0))
    assert "geen stations" in reasons(plan([], people(2, 1), 1))


def test_a_chosen_station_that_does_not_exist() -> None:
    person = Person("p", "Fatma", frozenset({0, 1}), frozenset({"s0", "weg"}))
    assert "Fatma koos een station dat niet (meer) bestaat (weg)" in reasons(
        plan(stations("A", "B"), [person], 2)
    )


def test_a_fixed_number_of_groups() -> None:
    event_stations = stations("A", "B", "C", "D")
    event_people = people(20, 4)
    result = planned(
        plan(event_stations, event_people, 4, group_count=4), event_stations, event_people, 4
    )
    assert [len(g) for g in result.groups] == [5] * 4
    result = planned(
        plan(event_stations, event_people, 4, group_count=2), event_stations, event_people, 4
    )
    assert [len(g) for g in result.groups] == [10, 10]
    assert "minstens 20 keer bij een station" in reasons(
        plan(event_stations, event_people, 4, group_count=5)
    )
    assert "maar 20 deelnemers" in reasons(plan(event_stations, event_people, 4, group_count=21))


def test_a_small_group_with_its_own_choice_is_honestly_not_found() -> None:
    """Passes every necessary check, but the one person who chose only 'A' is a group of one,
    at a station in the same round as a group of ten."""
    event_stations = stations("A", "B")
    loner = Person("l", "Linda", frozenset({0, 1}), frozenset({"s0"}))
    text = reasons(plan(event_stations, [*people(10, 2), loner], 2))
    assert text.startswith("Balie vond geen indeling")
    assert "Linda (“A”)" in text


def test_the_same_event_gives_the_same_plan() -> None:
    event_stations = stations("A", "B", "C")
    event_people = people(14, 4) + [Person("d", "Bas", frozenset({1, 2, 3}), None)]
    assert plan(event_stations, event_people, 4) == plan(event_stations, event_people, 4)


def shifts(count: int = 200) -> tuple[list[Station], list[Person], int]:
    """Every fifth person has desk duty in the first or the last two of 10 rounds."""
    event_stations = stations(*(f"Station {n}" for n in range(8)))
    event_people = [
        Person(f"p{n}", f"Persoon {n}", frozenset(range(2, 10) if n % 10 == 0 else range(8)))
        if n % 5 == 0
        else Person(f"p{n}", f"Persoon {n}", frozenset(range(10)))
        for n in range(count)
    ]
    return event_stations, event_people, 10


def test_a_plan_with_shifts_takes_a_bounded_number_of_steps() -> None:
    event_stations, event_people, rounds = shifts()
    result = planned(
        plan(event_stations, event_people, rounds), event_stations, event_people, rounds
    )
    assert 1 < result.steps < 1_000


PLAN_IN_A_PROCESS = """
import json, random, sys
from balie.carousel.planner import Person, Plan, Station, plan
stations = [Station(f"s{n}", f"Station {n}") for n in range(6)]
people = [
    Person(f"p{n}", f"Persoon {n}", frozenset(range(1, 6) if n % 4 == 0 else range(6)),
           frozenset({"s1", "s2", "s3", "s4", "s5"}) if n % 4 == 0 else None)
    for n in range(60)
]
rng = random.Random(int(sys.argv[1]))
rng.shuffle(stations)
rng.shuffle(people)
result = plan(stations, people, 6)
assert isinstance(result, Plan), result
print(json.dumps([result.groups, sorted(result.schedule.items()), result.steps]))
"""


def test_the_same_plan_in_every_process_whatever_the_order_of_the_input() -> None:
    """No dependence on hashing (PYTHONHASHSEED) or on the order of stations and people."""
    answers = set()
    for seed in range(4):
        output = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", PLAN_IN_A_PROCESS, str(seed)],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        answers.add(output)
    assert len(answers) == 1
    groups, _schedule, steps = json.loads(answers.pop())
    assert len(groups) > 1 and steps > 0
    # The same in this process too, with the input in yet another order.
    here = people(3, 2)
    random.Random(7).shuffle(here)
    assert plan(stations("A", "B"), here, 2) == plan(stations("A", "B"), people(3, 2), 2)


def test_one_choice_does_not_block_the_schedule_the_nearest_plan_explains() -> None:
    event_stations = stations("A", "B")
    loner = Person("l", "Linda", frozenset({0, 1}), frozenset({"s0"}))
    event_people = [*people(10, 2), loner]
    assert isinstance(plan(event_stations, event_people, 2), Impossible)
    result = nearest(event_stations, event_people, 2)
    assert isinstance(result, Plan) and result.unmet == ("l",)
    assert result.by_person["l"] == {0: "s0", 1: "s1"} or result.by_person["l"] == {
        0: "s1",
        1: "s0",
    }
    assert result.explanation[0].startswith("Met ieders keuze van stations vond Balie geen rooster")
    assert "1 persoon krijgt niet de gekozen stations" in result.explanation[0]
    assert result.explanation[1] == "Linda koos “A”, en gaat in dit rooster naar alle 2 stations."
    assert result.explanation[2].startswith("Waarom het met alle keuzes niet lukt: ")
    # Everyone else keeps every guarantee; the same plan every time.
    assert verify(result, event_stations, event_people, 2) == [
        "Linda bezoekt niet precies de gekozen stations."
    ]
    assert nearest(event_stations, list(reversed(event_people)), 2) == result


def test_a_plan_that_keeps_every_choice_is_not_touched_by_nearest() -> None:
    event_stations = stations("A", "B", "C")
    event_people = people(12, 3)
    assert nearest(event_stations, event_people, 3) == plan(event_stations, event_people, 3)


def test_without_a_choice_to_set_aside_nearest_gives_the_reasons() -> None:
    event_stations = stations("A", "B", "C")
    event_people = people(5, 2)  # 3 stations for everyone in 2 rounds
    assert nearest(event_stations, event_people, 2) == plan(event_stations, event_people, 2)


def test_verify_catches_broken_plans() -> None:
    event_stations = stations("A", "B", "C")
    event_people = people(6, 3)
    good = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    g0, g1 = good.groups[0], good.groups[1]

    uneven = Plan(
        [g0 + g1[:1], g1[1:], *good.groups[2:]], good.schedule, good.by_person, good.by_station
    )
    assert verify(uneven, event_stations, event_people, 3)

    twice = dict(good.schedule)
    twice[0, 1] = twice[0, 0]
    assert verify(
        Plan(good.groups, twice, good.by_person, good.by_station), event_stations, event_people, 3
    )

    busy = [Person(p.key, p.name, frozenset({1, 2})) if p.key == g0[0] else p for p in event_people]
    assert any("niet vrij" in problem for problem in verify(good, event_stations, busy, 3))

    hosted = [Station("s0", "A", host=g0[0]), *event_stations[1:]]
    assert any("leidt" in problem for problem in verify(good, hosted, event_people, 3))

    small = [Station("s0", "A", capacity=1), *event_stations[1:]]
    assert any("plaats" in problem for problem in verify(good, small, event_people, 3))

    assert verify(good, event_stations, event_people + people(1, 3, prefix="x"), 3)


# -- many random events ------------------------------------------------------------------------


@st.composite
def events(draw):
    """Stations 1-8, rounds 1-8, people 0-60. Most people are free in every round and choose
    every station; others miss a round or more, or pick one of a few choices of stations (so
    that some events have a plan and some do not)."""
    count = draw(st.integers(1, 8))
    rounds = draw(st.integers(1, 8) | st.integers(count, 8))
    capped = draw(st.booleans())
    event_stations = [
        Station(f"s{n}", f"Station {n}", capacity=draw(st.integers(1, 20)) if capped else None)
        for n in range(count)
    ]
    all_rounds = frozenset(range(rounds))
    keys = [s.key for s in event_stations]
    choices = draw(st.lists(st.frozensets(st.sampled_from(keys), min_size=1), max_size=3))
    # Per event, how many in ten miss rounds, and how many in ten make their own choice.
    missing, choosing = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    event_people = []
    for n in range(draw(st.integers(0, 60) | st.integers(8, 60))):
        chosen = None
        if choices and draw(st.integers(0, 9)) < choosing:
            chosen = draw(st.sampled_from(choices))
        free = all_rounds
        if draw(st.integers(0, 9)) < missing:
            busy = st.frozensets(st.integers(0, rounds - 1), max_size=2)
            free = draw(st.frozensets(st.integers(0, rounds - 1)) | busy.map(all_rounds.__sub__))
        event_people.append(Person(f"p{n}", f"Persoon {n}", free, chosen))
    return event_stations, event_people, rounds


@settings(max_examples=200, deadline=None)
@given(events())
def test_random_events_get_a_valid_plan_or_reasons(event) -> None:
    event_stations, event_people, rounds = event
    result = plan(event_stations, event_people, rounds)
    if isinstance(result, Plan):
        assert verify(result, event_stations, event_people, rounds) == []
        assert_balanced(result)
    else:
        reasons(result)


@settings(max_examples=100, deadline=None)
@given(events())
def test_the_nearest_plan_sets_aside_only_the_choices_it_names(event) -> None:
    """With a plan for everyone's choice, `nearest` gives that plan. Otherwise its plan keeps
    every guarantee for everyone whose choice it did not set aside, and names the others."""
    event_stations, event_people, rounds = event
    strict, result = plan(event_stations, event_people, rounds), nearest(*event)
    if isinstance(strict, Plan):
        assert result == strict and result.unmet == ()
        return
    if isinstance(result, Impossible):
        assert result.reasons == strict.reasons
        return
    aside = set(result.unmet)
    assert aside and all(p.chosen for p in event_people if p.key in aside)
    problems = verify(result, event_stations, event_people, rounds)
    names = {p.name for p in event_people if p.key in aside}
    assert all(any(name in problem for name in names) for problem in problems), problems
    assert len(result.explanation) == len(aside) + 2
    assert_balanced(result)


@st.composite
def feasible_events(draw):
    """Everyone free in every round and choosing every station, at least as many rounds as
    stations, places for groups of ceil(people / stations): a plan always exists."""
    count = draw(st.integers(1, 8))
    rounds = draw(st.integers(count, 8))
    size = draw(st.integers(0, 60))
    least = max(1, math.ceil(size / count))
    event_stations = [
        Station(f"s{n}", f"Station {n}", capacity=draw(st.none() | st.integers(least, least + 5)))
        for n in range(count)
    ]
    everything = frozenset(s.key for s in event_stations)
    event_people = [
        Person(
            f"p{n}",
            f"Persoon {n}",
            frozenset(range(rounds)),
            draw(st.sampled_from([None, everything])),
        )
        for n in range(size)
    ]
    return event_stations, event_people, rounds


@settings(max_examples=200, deadline=None)
@given(feasible_events())
def test_feasible_events_always_get_a_plan(event) -> None:
    event_stations, event_people, rounds = event
    planned(plan(event_stations, event_people, rounds), event_stations, event_people, rounds)


@settings(max_examples=100, deadline=None)
@given(feasible_events(), st.data())
def test_feasible_events_with_a_fixed_number_of_groups(event, data) -> None:
    event_stations, event_people, rounds = event
    if not event_people:
        return
    least = max(
        math.ceil(len(event_people) / (s.capacity or len(event_people))) for s in event_stations
    )
    count = data.draw(st.integers(least, min(len(event_people), rounds)))
    result = planned(
        plan(event_stations, event_people, rounds, group_count=count),
        event_stations,
        event_people,
        rounds,
    )
    assert len(result.groups) == count


# -- re-planning: keep what can stay -----------------------------------------------------------


def without(result: Plan, key: str) -> Plan:
    """The old plan with one person simply taken out."""
    groups = [[k for k in g if k != key] for g in result.groups]
    by_station = {
        s: {r: [k for k in members if k != key] for r, members in visits.items()}
        for s, visits in result.by_station.items()
    }
    by_person = {k: v for k, v in result.by_person.items() if k != key}
    return Plan(groups, result.schedule, by_person, by_station)


def test_a_person_who_leaves_is_removed_and_the_others_keep_their_rounds() -> None:
    event_stations = stations("Taalhuis", "IDO", "BoekStart")
    event_people = people(9, 3)
    before = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    rest = event_people[1:]
    after = planned(replan(event_stations, rest, 3, before), event_stations, rest, 3)
    assert changed_people(before, after) == set()
    assert "p0" not in after.by_person


def test_a_newcomer_joins_a_group_with_room() -> None:
    event_stations = stations("Taalhuis", "IDO", "BoekStart")
    event_people = people(8, 3)
    before = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    more = [*event_people, Person("new", "Nieuw", frozenset({0, 1, 2}))]
    after = planned(replan(event_stations, more, 3, before), event_stations, more, 3)
    assert changed_people(before, after) == set()
    assert sorted(after.by_person["new"].values()) == ["s0", "s1", "s2"]


def test_someone_who_is_no_longer_free_in_a_round_moves_and_the_rest_stay() -> None:
    event_stations = stations("Taalhuis", "IDO")
    event_people = people(6, 3)
    before = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    # Find someone whose group is busy in round 0 and a group that is not.
    mover = next(k for k, visits in before.by_person.items() if 0 in visits)
    if not any(0 not in v for v in before.by_person.values()):
        return
    changed = [
        Person(p.key, p.name, frozenset({1, 2})) if p.key == mover else p for p in event_people
    ]
    after = planned(replan(event_stations, changed, 3, before), event_stations, changed, 3)
    assert 0 not in after.by_person[mover]
    assert len(changed_people(before, after) - {mover}) <= 1


def test_when_no_group_fits_a_fresh_plan_is_made() -> None:
    """A new station: nobody's old rounds visit it, so everything is planned again."""
    event_stations = stations("Taalhuis", "IDO")
    event_people = people(4, 3)
    before = planned(plan(event_stations, event_people, 3), event_stations, event_people, 3)
    more_stations = stations("Taalhuis", "IDO", "BoekStart")
    after = planned(replan(more_stations, event_people, 3, before), more_stations, event_people, 3)
    assert all(len(v) == 3 for v in after.by_person.values())


def test_replan_reports_reasons_when_nothing_is_possible() -> None:
    event_stations = stations("Taalhuis", "IDO")
    event_people = people(4, 2)
    before = planned(plan(event_stations, event_people, 2), event_stations, event_people, 2)
    busy = [*event_people, Person("b", "Bas", frozenset({0}))]
    assert "Bas" in reasons(replan(event_stations, busy, 2, before))


@st.composite
def small_changes(draw):
    """A random event with a plan, and a small change: people leave, come, or change their
    free rounds."""
    event_stations, event_people, rounds = draw(events())
    before = plan(event_stations, event_people, rounds)
    if not isinstance(before, Plan):
        return None
    changed = list(event_people)
    for _ in range(draw(st.integers(0, 2))):
        if changed:
            changed.pop(draw(st.integers(0, len(changed) - 1)))
    for n in range(draw(st.integers(0, 2))):
        free = draw(st.frozensets(st.integers(0, max(rounds - 1, 0)), min_size=1))
        changed.append(Person(f"new{n}", f"Nieuw {n}", free))
    if changed and draw(st.booleans()):
        i = draw(st.integers(0, len(changed) - 1))
        free = draw(st.frozensets(st.integers(0, max(rounds - 1, 0))))
        changed[i] = Person(changed[i].key, changed[i].name, free, changed[i].chosen)
    return event_stations, changed, rounds, before


@settings(max_examples=150, deadline=None)
@given(small_changes())
def test_after_a_small_change_the_new_plan_keeps_every_guarantee(change) -> None:
    if change is None:
        return
    event_stations, event_people, rounds, before = change
    result = replan(event_stations, event_people, rounds, before)
    if isinstance(result, Plan):
        assert verify(result, event_stations, event_people, rounds) == []
        assert_balanced(result)
    else:
        reasons(result)


@settings(max_examples=150, deadline=None)
@given(feasible_events(), st.data())
def test_removing_one_person_changes_nobody_else_when_it_can(event, data) -> None:
    """Remove one person: when the old plan without them still keeps every guarantee, nobody
    else changes; otherwise one other person moves at most."""
    event_stations, event_people, rounds = event
    if not event_people:
        return
    before = planned(
        plan(event_stations, event_people, rounds), event_stations, event_people, rounds
    )
    gone = data.draw(st.sampled_from(event_people))
    rest = [p for p in event_people if p.key != gone.key]
    after = planned(replan(event_stations, rest, rounds, before), event_stations, rest, rounds)
    changed = changed_people(before, after)
    if not verify(without(before, gone.key), event_stations, rest, rounds):
        assert changed == set()
    else:
        assert len(changed) <= 1


@settings(max_examples=150, deadline=None)
@given(feasible_events())
def test_a_newcomer_changes_nobody_else_when_places_are_unlimited(event) -> None:
    event_stations, event_people, rounds = event
    if not event_people:
        return
    event_stations = [Station(s.key, s.name) for s in event_stations]
    before = planned(
        plan(event_stations, event_people, rounds), event_stations, event_people, rounds
    )
    more = [*event_people, Person("new", "Nieuw", frozenset(range(rounds)))]
    after = planned(replan(event_stations, more, rounds, before), event_stations, more, rounds)
    assert changed_people(before, after) == set()
