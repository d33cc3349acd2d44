"""Load benchmark: Balie under Locust with national-scale data, each scenario against the floor
measured in the same run (QUALITY.md S0, S2, S3, S7, S8).

Prepares the database (the demo plus `bench/national.py`), or `--reuse`s one prepared before,
serves Balie with gunicorn as in production (gthread workers), runs Locust headless with
`bench/locustfile.py` and reports per scenario: requests/s, p50/p95/p99, 4xx and 5xx counts, the
latencies as ratios to the floor's, the peak memory (VmHWM) of each gunicorn worker and the
server CPU time per request. The result is kept as JSON in bench/results/, with Locust's CSV
files beside it. Statement POSTs (xAPI) are not measured: Balie has no LRS yet.

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

SCENARIOS = ["floor", "step page", "heartbeat", "note save", "tally tap", "library dashboard"]


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
    data.add_argument("--referrals", type=int, default=500_000)
    data.add_argument("--intakes-per-library", type=int, default=400)
    data.add_argument("--accounts", type=int, default=10, help="benchmark logins per role")
    load = parser.add_argument_group("load")
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
            *("--intakes-per-library", str(args.intakes_per_library)),
            *("--accounts", str(args.accounts)),
        )
        prepared["national_seconds"] = round(time.monotonic() - started, 1)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    prefix = out / f"load-{served.database}-{stamp}"
    samples_file = Path(f"{prefix}-samples.json")
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        f"http://127.0.0.1:{served.port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
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
    result = {
        "database": served.database,
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
            for key in ("libraries", "staff", "step_progress", "referrals", "accounts")
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
    }
    Path(f"{prefix}.json").write_text(json.dumps(result, indent=2))
    peak = max(peaks.values(), default=0) / 1024
    print_table(
        f"Database: {served.database}; gunicorn {args.workers} workers × {args.threads} threads; "
        f"{args.users} users, {args.run_time} ({seconds:.0f} s measured after the ramp-up); "
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
            "Not measured: statement POSTs (no LRS yet).",
            f"Result: {prefix}.json (Locust's CSV: {prefix}_stats.csv)",
        ],
    )


if __name__ == "__main__":
    main()
