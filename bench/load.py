"""Load benchmark: Balie under Locust with national-scale data, each scenario against the floor
measured in the same run (QUALITY.md S0, S2, S3, S7, S8).

Prepares the database (the demo plus `bench/national.py`), or `--reuse`s one prepared before,
serves Balie with gunicorn as in production (gthread workers), runs Locust headless with
`bench/locustfile.py` and reports per scenario: requests/s, p50/p95/p99, 4xx and 5xx counts, the
latencies as ratios to the floor's, the peak memory (VmHWM) of each gunicorn worker and the
server CPU time per request. The result is kept as JSON in bench/results/, with Locust's CSV
files beside it.

`--shape burst` is S1 (a cohort logging in at once: `--users` log in within `--burst-seconds`,
each then opens "Mijn leertraject"; the logins are measured), `--shape spike` is S11 (`--users`
U for 30 s, 3 × U within 10 s for 30 s, U again for 60 s; p95 per 10 s and the time until the
p95 is back near the baseline's).

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/balie_bench \\
        [--recreate] [--staff 8000 --step-progress 1000000 --referrals 500000] \\
        [--users 20 --spawn-rate 10 --run-time 60s] [--workers 3 --threads 4]
    .venv/bin/python bench/load.py --database-url … --reuse --users 40

Without `--recreate` the PostgreSQL database must exist and be empty; `--recreate` drops and
creates it first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from harness import ROOT, Served

SCENARIOS = [
    "floor",
    "step page",
    "heartbeat",
    "note save",
    "tally tap",
    "library dashboard",
    "statement post",
]
USER_CLASSES = {
    "steady": ["Floor", "Learner", "DeskWorker", "Manager", "AuthoringTool"],
    "burst": ["Floor", "Arrival"],
    "spike": ["Floor", "Learner", "DeskWorker", "Manager", "AuthoringTool"],
}
SPIKE = (30, 70)  # seconds: the spike starts, and is over


def spike_windows(timeline: list, width: int = 10) -> list[dict]:
    """p95 per `width` seconds of the spike run, the floor apart from the rest."""
    windows: dict[int, dict[str, list[float]]] = {}
    for moment, name, ms in timeline:
        window = windows.setdefault(int(moment // width) * width, {"floor": [], "app": []})
        window["floor" if name == "floor" else "app"].append(ms)
    return [
        {
            "from_s": start,
            "requests": len(w["app"]),
            "p95_ms": percentile(sorted(w["app"]), 0.95),
            "floor_p95_ms": percentile(sorted(w["floor"]), 0.95),
        }
        for start, w in sorted(windows.items())
    ]


def recovery_seconds(windows: list[dict], tolerance: float = 1.5) -> float | None:
    """Seconds after the spike until a 10-s window's p95 is within `tolerance` × the p95 of
    the calm before it (10–30 s; the first 10 s are the ramp-up)."""
    calm = [w["p95_ms"] for w in windows if 10 <= w["from_s"] < SPIKE[0]]
    if not calm:
        return None
    baseline = max(calm)
    for window in windows:
        if window["from_s"] >= SPIKE[1] and window["p95_ms"] <= tolerance * baseline:
            return window["from_s"] - SPIKE[1]
    return None


def recreate(database_url: str) -> None:
    """Drop and create the PostgreSQL database of `database_url`."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(samples: dict, seconds: float) -> dict[str, dict]:
    """Per scenario: throughput, latencies, errors, and latencies as ratios to the floor's."""
    found = {}
    for name in [*SCENARIOS, *sorted(set(samples["times"]) - set(SCENARIOS))]:
        times = sorted(samples["times"].get(name, []))
        if not times:
            continue
        statuses = samples["statuses"].get(name, {})
        found[name] = {
            "requests": len(times),
            "requests_per_s": len(times) / seconds,
            "p50_ms": percentile(times, 0.50),
            "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99),
            "errors_4xx": sum(n for code, n in statuses.items() if code.startswith("4")),
            "errors_5xx": sum(n for code, n in statuses.items() if code.startswith("5")),
            "errors_other": samples["exceptions"].get(name, 0),
            "statuses": statuses,
        }
    floor = found.get("floor")
    for result in found.values():
        for key in ("p50", "p95", "p99"):
            base = floor[f"{key}_ms"] if floor else 0
            result[f"{key}_x_floor"] = result[f"{key}_ms"] / base if base else float("nan")
    return found


def print_table(header: str, found: dict[str, dict], footer: list[str]) -> None:
    print(header)
    width = max(len(name) for name in found)
    print(
        f"{'scenario':<{width}} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'4xx':>5} {'5xx':>5} {'p50×fl':>7} {'p95×fl':>7} {'p99×fl':>7}"
    )
    for name, r in found.items():
        print(
            f"{name:<{width}} {r['requests_per_s']:>7.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['p99_ms']:>7.1f} {r['errors_4xx']:>5} {r['errors_5xx']:>5} "
            f"{r['p50_x_floor']:>7.1f} {r['p95_x_floor']:>7.1f} {r['p99_x_floor']:>7.1f}"
        )
    for line in footer:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL (SQLite if left out)")
    parser.add_argument("--reuse", action="store_true", help="the database is prepared already")
    parser.add_argument("--recreate", action="store_true", help="drop and create it first")
    data = parser.add_argument_group("national data (see bench/national.py)")
    data.add_argument("--libraries", type=int, default=135)
    data.add_argument("--staff", type=int, default=8000)
    data.add_argument("--step-progress", type=int, default=1_000_000)
    data.add_argument("--statements", type=int, default=5_000_000)
    data.add_argument("--referrals", type=int, default=500_000)
    data.add_argument("--intakes-per-library", type=int, default=400)
    data.add_argument("--accounts", type=int, default=10, help="benchmark logins per role")
    load = parser.add_argument_group("load")
    load.add_argument("--shape", choices=sorted(USER_CLASSES), default="steady")
    load.add_argument("--burst-seconds", type=float, default=40, help="S1: the ramp")
    load.add_argument("--users", type=int, default=20)
    load.add_argument("--spawn-rate", type=float, default=10)
    load.add_argument("--run-time", default="60s")
    load.add_argument("--wait", default="0.1,0.5", help="seconds between a user's tasks")
    load.add_argument("--processes", type=int, default=0, help="Locust --processes (0: one)")
    load.add_argument("--no-pin", action="store_true", help="do not pin Locust to the last core")
    load.add_argument("--workers", type=int, default=3)
    load.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    served = Served(args.database_url)
    prepared = {}
    if not args.reuse:
        if args.recreate and args.database_url:
            recreate(args.database_url)
        prepared["demo_seconds"] = round(served.load_demo(), 1)
        started = time.monotonic()
        served.python(
            Path(__file__).with_name("national.py"),
            *("--libraries", str(args.libraries), "--staff", str(args.staff)),
            *("--step-progress", str(args.step_progress), "--referrals", str(args.referrals)),
            *("--statements", str(args.statements)),
            *("--intakes-per-library", str(args.intakes_per_library)),
            *("--accounts", str(args.accounts)),
        )
        prepared["national_seconds"] = round(time.monotonic() - started, 1)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    prefix = out / f"load-{served.database}-{stamp}"
    samples_file = Path(f"{prefix}-samples.json")
    if args.shape == "burst":  # S1: everybody arrives within the ramp, then 20 s to settle
        args.spawn_rate = args.users / args.burst_seconds
        args.run_time = f"{round(args.burst_seconds + 20)}s"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        f"http://127.0.0.1:{served.port}",
        *(
            []
            if args.shape == "spike"  # the shape class sets users and time
            else ["--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
        ),
        *([] if args.shape == "spike" else ["--run-time", args.run_time]),
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *USER_CLASSES[args.shape],
    ]
    if args.processes:
        command += ["--processes", str(args.processes)]
    last_core = max(os.sched_getaffinity(0))
    pin = None if args.no_pin else (lambda: os.sched_setaffinity(0, {last_core}))
    with served.serving(args.workers, args.threads):
        env = {
            **served.env,
            "BENCH_ACCOUNTS": str(args.accounts),
            "BENCH_WAIT": args.wait,
            "BENCH_SHAPE": args.shape,
            "BENCH_SPIKE_USERS": str(args.users),
            "BENCH_SAMPLES": str(samples_file),
            "BENCH_WORKER_PIDS": ",".join(map(str, served.worker_peak_rss_kb())),
        }
        locust = subprocess.run(command, env=env, cwd=ROOT, preexec_fn=pin, check=False)
        peaks = served.worker_peak_rss_kb()
    if not samples_file.exists():
        raise SystemExit(f"Locust wrote no samples (exit {locust.returncode})")
    samples = json.loads(samples_file.read_text())
    samples_file.unlink()
    window = samples["window"]
    seconds = window["stopped"] - window["started"]
    found = figures(samples, seconds)
    total = sum(r["requests"] for r in found.values())
    setup_requests = {k: len(v) for k, v in samples["setup_times"].items()}
    timeline = samples.pop("timeline", [])
    windows = spike_windows(timeline) if args.shape == "spike" else []
    result = {
        "database": served.database,
        "shape": args.shape,
        "workers": args.workers,
        "threads": args.threads,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "run_time": args.run_time,
        "measured_seconds": round(seconds, 1),
        "wait": args.wait,
        "locust_exit": locust.returncode,
        "reused": args.reuse,
        "data": {
            key: getattr(args, key)
            for key in (
                "libraries",
                "staff",
                "step_progress",
                "statements",
                "referrals",
                "accounts",
            )
        },
        **prepared,
        "worker_peak_rss_mb": {str(pid): round(kb / 1024, 1) for pid, kb in peaks.items()},
        "server_cpu_ms_per_request": (
            round(window["cpu_seconds"] * 1000 / total, 2)
            if total and window.get("cpu_seconds") is not None
            else None
        ),
        "setup_requests": setup_requests,
        "scenarios": found,
        **(
            {"spike_windows": windows, "recovery_seconds": recovery_seconds(windows)}
            if windows
            else {}
        ),
    }
    Path(f"{prefix}.json").write_text(json.dumps(result, indent=2))
    peak = max(peaks.values(), default=0) / 1024
    for window in windows:
        print(
            f"{window['from_s']:>4}–{window['from_s'] + 10:<4} s  {window['requests']:>5} requests"
            f"  p95 {window['p95_ms']:>7.1f} ms  floor p95 {window['floor_p95_ms']:>6.1f} ms"
        )
    if windows:
        print(f"Back within 1.5 × the calm p95: {result['recovery_seconds']} s after the spike")
    print_table(
        f"Shape: {args.shape}. Database: {served.database}; "
        f"gunicorn {args.workers} workers × {args.threads} threads; "
        f"{args.users} users, {args.run_time} ({seconds:.0f} s measured"
        f"{' after the ramp-up' if args.shape == 'steady' else ', ramp included'}); "
        + (
            "reused database"
            if args.reuse
            else f"demo {prepared['demo_seconds']} s, "
            f"national data {prepared['national_seconds']} s"
        ),
        found,
        [
            f"Peak RSS of one gunicorn worker: {peak:.1f} MB "
            f"(each: {', '.join(f'{kb / 1024:.1f}' for kb in peaks.values())} MB)",
            f"Server CPU (gunicorn workers) per request, measured window: "
            f"{result['server_cpu_ms_per_request']} ms",
            f"Result: {prefix}.json (Locust's CSV: {prefix}_stats.csv)",
        ],
    )


if __name__ == "__main__":
    main()
