"""Benchmark: the kenniscarrousel planner, against a floor in the same run.

Times `planner.plan` on events of 200 participants over 8 stations, each repeated (default 20
times), and prints median and p95 milliseconds. The floor, measured in the same run, is what
any planner must at least do: build the input objects and `verify` the result. Each figure is
also given as a ratio to that floor, since absolute times differ between machines.

- uniform:  8 rounds, everyone free in every round and choosing every station
- harder:   8 rounds, 20% have desk duty in 2 random rounds and choose 6 random stations of 8
            (this has no plan: people with another choice are another group, see the outcome)
- shifts:   10 rounds, 20% have desk duty in the first or the last 2 rounds (a plan, made by
            the backtracking search rather than the Latin square)

`--seeds N` instead checks that the planner has no slow path that depends on hashing or on the
order of its input: for each of the three events it starts N processes, each with its own
PYTHONHASHSEED, and each process plans the event in `--orders` shuffled orders of stations and
people. It prints the distribution (p50, p99, max) of the time and of `Plan.steps` (the work the
planner did, which does not depend on the machine), and how many different plans came out
(one: the same plan in every process and every order).

Usage:

    .venv/bin/python bench/planner.py [--repeat 20] [--seed 1]
    .venv/bin/python bench/planner.py --seeds 100 --orders 30
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from balie.carousel.planner import Impossible, Person, Plan, Station, plan, verify  # noqa: E402

PEOPLE = 200
STATIONS = 8


def uniform(rng: random.Random) -> tuple[list[Station], list[Person], int]:
    stations = [Station(f"s{n}", f"Station {n}") for n in range(STATIONS)]
    people = [Person(f"p{n}", f"Persoon {n}", frozenset(range(8))) for n in range(PEOPLE)]
    return stations, people, 8


def harder(rng: random.Random) -> tuple[list[Station], list[Person], int]:
    stations = [Station(f"s{n}", f"Station {n}") for n in range(STATIONS)]
    people = []
    for n in range(PEOPLE):
        if rng.random() < 0.2:
            desk = set(rng.sample(range(8), 2))
            chosen = frozenset(f"s{k}" for k in rng.sample(range(STATIONS), 6))
            people.append(Person(f"p{n}", f"Persoon {n}", frozenset(set(range(8)) - desk), chosen))
        else:
            people.append(Person(f"p{n}", f"Persoon {n}", frozenset(range(8))))
    return stations, people, 8


def shifts(rng: random.Random) -> tuple[list[Station], list[Person], int]:
    stations = [Station(f"s{n}", f"Station {n}") for n in range(STATIONS)]
    people = []
    for n in range(PEOPLE):
        free = set(range(10))
        if rng.random() < 0.2:
            free -= {0, 1} if rng.random() < 0.5 else {8, 9}
        people.append(Person(f"p{n}", f"Persoon {n}", frozenset(free)))
    return stations, people, 10


def measure(make, repeat: int, seed: int) -> dict:
    planning, floor, outcome = [], [], ""
    for n in range(repeat):
        # The floor: building the input and verifying the result.
        started = time.perf_counter()
        stations, people, rounds = make(random.Random(seed + n))
        built = time.perf_counter() - started
        started = time.perf_counter()
        result = plan(stations, people, rounds)
        planning.append(time.perf_counter() - started)
        started = time.perf_counter()
        if isinstance(result, Plan):
            problems = verify(result, stations, people, rounds)
            assert problems == [], problems
            sizes = sorted({len(g) for g in result.groups})
            outcome = f"plan: {len(result.groups)} groups of {'/'.join(map(str, sizes))}"
        else:
            assert isinstance(result, Impossible) and result.reasons
            outcome = f"impossible: {result.reasons[0][:90]}…"
        floor.append(built + time.perf_counter() - started)
    return {"plan": planning, "floor": floor, "outcome": outcome}


def ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


EVENTS = {"uniform": uniform, "harder": harder, "shifts": shifts}


def digest(result: Plan | Impossible) -> str:
    if isinstance(result, Impossible):
        return repr(result.reasons)
    return repr((result.groups, sorted(result.schedule.items())))


def one_process(name: str, orders: int, seed: int) -> None:
    """In a process of its own: plan the event in `orders` shuffled orders; print JSON."""
    rng = random.Random(seed)
    stations, people, rounds = EVENTS[name](random.Random(1))
    runs = []
    for _ in range(orders):
        rng.shuffle(stations)
        rng.shuffle(people)
        started = time.perf_counter()
        result = plan(stations, people, rounds)
        runs.append((time.perf_counter() - started, result.steps, digest(result)))
    print(json.dumps(runs))


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99, ordered[-1]


def over_seeds(seeds: int, orders: int) -> None:
    print(f"planner over {seeds} PYTHONHASHSEEDs x {orders} input orders, one process per seed")
    print(
        f"{'event':<9} {'runs':>5} {'ms p50':>7} {'p99':>7} {'max':>7} "
        f"{'steps p50':>9} {'p99':>6} {'max':>6} {'plans':>5}"
    )
    for name in EVENTS:
        times: list[float] = []
        steps: list[float] = []
        plans: set[str] = set()
        for seed in range(seeds):
            output = subprocess.run(
                [sys.executable, __file__, "--one", name, "--orders", str(orders)],
                env={**os.environ, "PYTHONHASHSEED": str(seed)},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for elapsed, n, plan_digest in json.loads(output):
                times.append(elapsed * 1000)
                steps.append(n)
                plans.add(plan_digest)
        t50, t99, tmax = percentiles(times)
        s50, s99, smax = percentiles(steps)
        print(
            f"{name:<9} {len(times):>5} {t50:>7.2f} {t99:>7.2f} {tmax:>7.2f} "
            f"{s50:>9.0f} {s99:>6.0f} {smax:>6.0f} {len(plans):>5}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, default=0)
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--one", choices=EVENTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_process(args.one, args.orders, int(os.environ.get("PYTHONHASHSEED", "0")))
        return
    if args.seeds:
        over_seeds(args.seeds, args.orders)
        return
    print(f"planner bench: {PEOPLE} participants, {STATIONS} stations, {args.repeat} runs each")
    print(f"{'event':<9} {'plan med':>9} {'p95':>7} {'floor med':>10} {'p95':>7} {'ratio':>6}")
    for name, make in EVENTS.items():
        figures = measure(make, args.repeat, args.seed)
        plan_med, plan_p95 = ms(figures["plan"])
        floor_med, floor_p95 = ms(figures["floor"])
        print(
            f"{name:<9} {plan_med:>7.2f}ms {plan_p95:>5.2f}ms {floor_med:>8.2f}ms "
            f"{floor_p95:>5.2f}ms {plan_med / floor_med:>5.1f}x"
        )
        print(f"          {figures['outcome']}")


if __name__ == "__main__":
    main()
