"""Benchmark: the module player at demo scale, against a floor in the same run.

Loads the demo into a fresh database, serves Balie with gunicorn as in production, logs in as
a demo learner and times, one request at a time over a kept-alive loopback connection:

- floor:      GET /health/live — a minimal Django view through the whole middleware stack
- player:     GET a module step page (rotating over every step of every module)
- heartbeat:  POST time on task for the step
- note save:  POST a note
- scorm commit: POST a SCORM commit of the demo's golf package (a new bookmark each time),
  which stores the SCO's attempt, credits time and rolls the package's status up

Each figure is also given as a ratio to the floor measured in the same run, since absolute
times differ between machines. Usage:

    .venv/bin/python bench/player.py [--requests 400] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import json
import re
import time

from harness import Client, Served, report

LEARNER = "jeroen@helmond-peel.example"


def collect_steps(client: Client) -> tuple[list[str], str]:
    """Every step of every module on the learner's page, via each module's step list, that
    keeps Balie's time on task (a SCORM package keeps its own: its page has no visit token);
    and the start address of the first SCORM package."""
    _, page = client.request("GET", "/leren/")
    steps: set[str] = set()
    for module in sorted(set(re.findall(r'href="/leren/modules/(\d+)/"', page))):
        client.request("GET", f"/leren/modules/{module}/")
        first = client.last_location
        _, step_page = client.request("GET", first)
        steps.update(re.findall(r'href="/leren/stappen/(\d+)/"', step_page))
    pages = {s: client.request("GET", f"/leren/stappen/{s}/")[1] for s in steps}
    timed = [s for s, text in pages.items() if "data-visit-token" in text]
    found = (re.search(r'data-scorm-start="([^"]+)"', text) for text in pages.values())
    starts = [match.group(1) for match in found if match]
    return sorted(timed, key=int), starts[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    served = Served(args.database_url)
    demo_seconds = served.load_demo()
    with served.serving(args.workers) as client:
        client.log_in(LEARNER)
        steps, scorm_start = collect_steps(client)
        _, start = client.request("GET", scorm_start)
        scorm_token = json.loads(start)["token"]
        results: dict[str, list[float]] = {
            "floor": [],
            "player": [],
            "heartbeat": [],
            "note_save": [],
            "scorm_commit": [],
        }
        for warmup in range(20):
            client.timed("GET", "/health/live")
            client.timed("GET", f"/leren/stappen/{steps[warmup % len(steps)]}/")
        for i in range(args.requests):
            step = steps[i % len(steps)]
            results["floor"].append(client.timed("GET", "/health/live"))
            started = time.perf_counter()
            status, text = client.request("GET", f"/leren/stappen/{step}/")
            results["player"].append(time.perf_counter() - started)
            token = re.search(r'data-visit-token="([^"]+)"', text).group(1)
            results["heartbeat"].append(
                client.timed(
                    "POST", f"/leren/stappen/{step}/tijd/", {"token": token, "active_seconds": 0}
                )
            )
            results["note_save"].append(
                client.timed(
                    "POST",
                    f"/leren/stappen/{step}/aantekening/",
                    {"body": f"Aantekening {i}", "revision": 10_000 + i},
                )
            )
            commit = {"core": {"lesson_location": str(i), "lesson_status": "incomplete"}}
            results["scorm_commit"].append(
                client.timed(
                    "POST",
                    "/scorm/commit/",
                    json_body={"token": scorm_token, "sequence": i + 1, "cmi": commit},
                )
            )
    report(
        "player",
        f"Database: {served.database}, {args.workers} gunicorn workers, "
        f"{len(steps)} steps, demo loaded in {demo_seconds:.1f} s",
        results,
        {
            "database": served.database,
            "workers": args.workers,
            "steps": len(steps),
            "demo_load_seconds": round(demo_seconds, 2),
        },
    )


if __name__ == "__main__":
    main()
