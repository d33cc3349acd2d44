"""National-scale data on top of the demo: ~135 library organisations with their branches under
the nine POIs, each with its offer, and two years of anonymous referrals and intakes.

Run on the database of the environment (BALIE_DATABASE_URL or the SQLite default), after
`balie migrate` and `balie load_demo`:

    .venv/bin/python bench/national.py [--libraries 135] [--referrals 500000] [--seed 1]

Rows are written with bulk inserts in batches; it takes about a minute for 500,000 referrals.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balie.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from balie.desk.models import (  # noqa: E402
    Channel,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Referral,
)
from balie.orgs.models import Organisation  # noqa: E402

BATCH = 5000
OFFER_KINDS = [
    (OfferKind.TAALCAFE, [Need.LANGUAGE]),
    (OfferKind.TAALMAATJE, [Need.LANGUAGE, Need.READING]),
    (OfferKind.INTAKE, [Need.READING, Need.LETTER, Need.LANGUAGE, Need.JOB]),
    (OfferKind.IDO, [Need.DIGID, Need.LETTER, Need.MONEY]),
    (OfferKind.KLIK_TIK, [Need.COMPUTER, Need.DIGID]),
    (OfferKind.DIGISTERKER, [Need.DIGID, Need.COMPUTER]),
    (OfferKind.BOEKSTART, [Need.CHILD]),
    (OfferKind.PARTNER, [Need.MONEY, Need.JOB]),
]


def libraries(count: int, rng: random.Random) -> list[Organisation]:
    """Top up the libraries to `count`, spread over the POIs, each with 4–14 branches."""
    pois = list(Organisation.objects.filter(kind=Organisation.Kind.POI).order_by("pk"))
    existing = list(Organisation.objects.filter(kind=Organisation.Kind.LIBRARY))
    new = []
    for number in range(len(existing), count):
        new.append(
            Organisation(
                kind=Organisation.Kind.LIBRARY,
                name=f"Bibliotheek Bench {number:03d}",
                slug=f"bench-{number:03d}",
                parent=pois[number % len(pois)],
            )
        )
    Organisation.objects.bulk_create(new)
    created = list(Organisation.objects.filter(slug__startswith="bench-", kind="library"))
    Organisation.objects.bulk_create(
        Organisation(
            kind=Organisation.Kind.BRANCH,
            name=f"{library.name} vestiging {n}",
            slug=f"{library.slug}-v{n}",
            parent=library,
        )
        for library in created
        for n in range(rng.randint(4, 14))
    )
    Offer.objects.bulk_create(
        Offer(library=library, kind=kind, name=str(kind.label), needs=list(needs), position=n)
        for library in created
        for n, (kind, needs) in enumerate(OFFER_KINDS)
    )
    return existing + created


def referrals(total: int, libs: list[Organisation], rng: random.Random) -> int:
    """`total` referrals over the last two years, every branch of every library."""
    now = timezone.now()
    branches: dict[int, list[int]] = {}
    for branch_id, library_id in Organisation.objects.filter(
        kind=Organisation.Kind.BRANCH, parent__in=libs
    ).values_list("pk", "parent_id"):
        branches.setdefault(library_id, []).append(branch_id)
    offers: dict[int, list[Offer]] = {}
    for offer in Offer.objects.filter(library__in=libs):
        offers.setdefault(offer.library_id, []).append(offer)
    targets = [lib.pk for lib in libs if branches.get(lib.pk) and offers.get(lib.pk)]
    needs = list(Need.values)
    written = 0
    while written < total:
        rows = []
        for _ in range(min(BATCH, total - written)):
            library = rng.choice(targets)
            offer = rng.choice(offers[library])
            moment = now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
            rows.append(
                Referral(
                    library_id=library,
                    branch_id=rng.choice(branches[library]),
                    hour=Referral.hour_of(moment),
                    channel=Channel.DESK,
                    need=rng.choice(offer.needs or needs),
                    offer=offer,
                    offer_kind=offer.kind,
                    warm=rng.random() < 0.4,
                )
            )
        with transaction.atomic():
            Referral.objects.bulk_create(rows)
        written += len(rows)
    return written


def intakes(per_library: int, libs: list[Organisation], rng: random.Random) -> int:
    today = timezone.localdate()
    rows = [
        Intake(
            library=library,
            held_on=today - timedelta(days=rng.randint(0, 730)),
            source=rng.choice(IntakeSource.values),
        )
        for library in libs
        for _ in range(per_library)
    ]
    Intake.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--libraries", type=int, default=135)
    parser.add_argument("--referrals", type=int, default=500_000)
    parser.add_argument("--intakes-per-library", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    with transaction.atomic():
        libs = libraries(args.libraries, rng)
    written = referrals(args.referrals, libs, rng)
    taken = intakes(args.intakes_per_library, libs, rng)
    print(
        f"{len(libs)} libraries, "
        f"{Organisation.objects.filter(kind=Organisation.Kind.BRANCH).count()} branches, "
        f"{written} referrals and {taken} intakes added in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
