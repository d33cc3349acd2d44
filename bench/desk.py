"""Benchmark: the desk tally and the Kirkpatrick dashboards at national scale, against a floor in
the same run.

Loads the demo into a fresh database (with `--database-url`, dropped and created first), adds
national-scale data with `bench/national.py` (~135 libraries, 1,200+ branches, by default
500,000 referrals over two years), serves Balie with gunicorn as in production, and times one
request at a time over kept-alive loopback connections:

- floor:        GET /health/live — a minimal Django view through the whole middleware stack
- tally page:   GET /doorverwijzen/ as a desk worker
- tally tap:    POST one referral (JSON, a new client_id each time) as that desk worker
- library:      GET the library dashboard (Helmond-Peel) as its manager, default period
- poi:          GET the POI dashboard (Cubiss, its libraries side by side) as its adviser
- national:     GET the country dashboard as the programme editor

Usage:

    .venv/bin/python bench/desk.py [--referrals 500000] [--requests 200] [--database-url …]
        [--statements 0]
"""

from __future__ import annotations

import argparse
import json
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from harness import Client, Served, report
from load import recreate

DESK_WORKER = "jeroen@helmond-peel.example"
MANAGER = "hans@helmond-peel.example"
ADVISER = "sanne@cubiss.example"
EDITOR = "redactie@spn.example"


def dashboard_path(client: Client) -> str:
    """Where /inzicht/ sends this person."""
    status, _ = client.request("GET", "/inzicht/")
    assert status == 302, f"/inzicht/ answered {status}"
    return client.last_location


def tally_choices(client: Client) -> dict:
    """An offer and a branch from the tally page, to tap with."""
    status, page = client.request("GET", "/doorverwijzen/")
    assert status == 200, f"/doorverwijzen/ answered {status}"
    offer = re.search(r'data-offer="(\d+)"', page) or re.search(r'name="offer" value="(\d+)"', page)
    branch = re.search(r'<option value="(\d+)"[^>]*>', page)
    assert offer, "no offer on the tally page"
    return {"offer": int(offer.group(1)), "branch": int(branch.group(1)) if branch else None}


def tap(client: Client, choices: dict) -> float:
    body = {
        "client_id": str(uuid.uuid4()),
        "need": "digid",
        "offer": choices["offer"],
        "warm": True,
        "branch": choices["branch"],
        "channel": "desk",
        "tapped_at": datetime.now(UTC).isoformat(),
    }
    return client.timed("POST", "/doorverwijzen/tellen", json_body=body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--dashboard-requests", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--statements", type=int, default=0, help="xAPI statements (no dashboard reads them)"
    )
    args = parser.parse_args()

    if args.database_url:  # a fresh database, also where it does not exist yet
        recreate(args.database_url)
    served = Served(args.database_url)
    demo_seconds = served.load_demo()
    started = time.monotonic()
    served.python(
        Path(__file__).with_name("national.py"),
        *("--referrals", str(args.referrals), "--statements", str(args.statements)),
    )
    national_seconds = time.monotonic() - started

    with served.serving(args.workers) as floor:
        desk, manager, adviser, editor = (Client(served.port) for _ in range(4))
        desk.log_in(DESK_WORKER)
        manager.log_in(MANAGER)
        adviser.log_in(ADVISER)
        editor.log_in(EDITOR)
        choices = tally_choices(desk)
        pages = {
            "library": (manager, dashboard_path(manager)),
            "poi": (adviser, dashboard_path(adviser)),
            "national": (editor, dashboard_path(editor)),
        }
        results: dict[str, list[float]] = {"floor": [], "tally_page": [], "tally_tap": []}
        results.update({name: [] for name in pages})
        cold = {}
        for name, (client, path) in pages.items():
            cold[name] = round(client.timed("GET", path) * 1000, 1)
        for _ in range(10):
            floor.timed("GET", "/health/live")
            desk.timed("GET", "/doorverwijzen/")
        for i in range(args.requests):
            results["floor"].append(floor.timed("GET", "/health/live"))
            results["tally_page"].append(desk.timed("GET", "/doorverwijzen/"))
            results["tally_tap"].append(tap(desk, choices))
            if i < args.dashboard_requests:
                for name, (client, path) in pages.items():
                    results[name].append(client.timed("GET", path))
    report(
        "desk",
        f"Database: {served.database}, {args.workers} gunicorn workers; demo loaded in "
        f"{demo_seconds:.1f} s, {args.referrals:,} national referrals added in "
        f"{national_seconds:.1f} s; first dashboard requests (ms): {json.dumps(cold)}",
        results,
        {
            "database": served.database,
            "workers": args.workers,
            "referrals": args.referrals,
            "first_request_ms": cold,
        },
    )


if __name__ == "__main__":
    main()
