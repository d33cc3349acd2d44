"""National-scale data on top of the demo: ~135 library organisations with their branches under
the nine POIs, each with its offer; ~8,000 staff with their roles and branches; two programme
runs per library as cohorts with four meetings, attendance and evaluation responses; ~1 million
step-progress rows with the matching module progress; ~5 million xAPI statements (Balie's own for
that progress, as `lrs.record` makes them, and up to the total those that each library's
authoring tool sends through its xAPI client); two years of anonymous referrals and intakes.

Run once on the database of the environment (BALIE_DATABASE_URL or the SQLite default), after
`balie migrate` and `balie load_demo`:

    .venv/bin/python bench/national.py [--libraries 135] [--staff 8000]
        [--step-progress 1000000] [--statements 5000000] [--referrals 500000] [--accounts 10]
        [--seed 1]

Every generated person has an unusable password, except the benchmark accounts (`--accounts` per
role): learner0@bench.example …, manager0@bench.example …, adviser0@bench.example …, all with
the demo password; the bench libraries' xAPI clients have the keys `tool-000`, `tool-001`, …
and the secrets `tool-secret-000`, …. Rows are written with bulk inserts
in batches, statements by COPY (PostgreSQL only); on PostgreSQL the default sizes take a few
minutes, the statements a few more per million.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balie.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from balie.cohorts.actions import DEFAULT_MEETINGS  # noqa: E402
from balie.cohorts.models import (  # noqa: E402
    Attendance,
    AttendanceStatus,
    Cohort,
    Meeting,
    Participant,
)
from balie.desk.models import (  # noqa: E402
    Channel,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Referral,
)
from balie.insights.models import Kind as ResponseKind  # noqa: E402
from balie.insights.models import Response, TimeVerdict, Wave  # noqa: E402
from balie.learning.actions import (  # noqa: E402
    answered_event,
    completed_event,
    experienced_event,
    started_event,
)
from balie.learning.models import (  # noqa: E402
    Choice,
    ModuleProgress,
    Programme,
    Step,
    StepProgress,
)
from balie.lrs import record  # noqa: E402
from balie.lrs.http import hash_secret  # noqa: E402
from balie.lrs.models import Account, Client  # noqa: E402
from balie.orgs.models import Membership, Organisation, Role, Specialism, User  # noqa: E402

BATCH = 5000
PASSWORD = "balie-demo"  # noqa: S105 — the published demo password, for the benchmark accounts
BENCH_PROGRAMME = "bench-vervolg"
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


def insert(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    """Bulk-insert `rows` in batches of BATCH, one transaction per batch; answers the count."""
    written = 0
    batch: list[models.Model] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            with transaction.atomic():
                model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        with transaction.atomic():
            model.objects.bulk_create(batch)
        written += len(batch)
    return written


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
    created = list(
        Organisation.objects.filter(slug__startswith="bench-", kind="library").order_by("pk")
    )
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


def bench_libraries() -> list[Organisation]:
    return list(
        Organisation.objects.filter(slug__startswith="bench-", kind="library").order_by("pk")
    )


def staff(total: int, accounts: int, rng: random.Random) -> dict[str, int]:
    """`total` people over the generated libraries: per library a manager and a Taalhuis
    coordinator, per POI an adviser, the rest learners (front-office staff) at a branch.
    Passwords are unusable, except for the first `accounts` people of each role, who get the
    demo password — hashed once."""
    libs = bench_libraries()
    pois = list(Organisation.objects.filter(kind=Organisation.Kind.POI).order_by("pk"))
    branches: dict[int, list[int]] = {}
    for branch_id, library_id in Organisation.objects.filter(
        kind=Organisation.Kind.BRANCH, parent__in=libs
    ).values_list("pk", "parent_id"):
        branches.setdefault(library_id, []).append(branch_id)
    known = make_password(PASSWORD)  # slow on purpose: once, then reused
    counters: dict[str, int] = {}

    def person(role: str, where: str) -> User:
        number = counters.get(role, 0)
        counters[role] = number + 1
        if number < accounts:
            email, password = f"{role}{number}@bench.example", known
        else:
            email, password = f"{role}{number}@{where}.bench.example", make_password(None)
        return User(email=email, full_name=f"{role.title()} {number}", password=password)

    people: list[tuple[User, int, str, int | None]] = []  # user, organisation, role, branch
    for poi in pois:
        people.append((person(Role.ADVISER, poi.slug), poi.pk, Role.ADVISER, None))
    for library in libs:
        first = branches[library.pk][0]
        people.append((person(Role.MANAGER, library.slug), library.pk, Role.MANAGER, first))
        people.append((person(Role.SPECIALIST, library.slug), library.pk, Role.SPECIALIST, first))
    learners = max(0, total - len(people))
    # Larger libraries have more staff: weights from 1 to 6, so 20 to 120 each at 8,000.
    weights = [rng.randint(1, 6) for _ in libs]
    for number in range(learners):
        library = libs[number % len(libs)] if number < len(libs) else None
        if library is None:
            library = rng.choices(libs, weights)[0]
        people.append(
            (
                person(Role.LEARNER, library.slug),
                library.pk,
                Role.LEARNER,
                rng.choice(branches[library.pk]),
            )
        )
    insert(User, (user for user, *_ in people))
    ids = dict(User.objects.filter(email__contains="bench.example").values_list("email", "pk"))
    insert(
        Membership,
        (
            Membership(
                user_id=ids[user.email],
                organisation_id=organisation,
                role=role,
                branch_id=branch,
                specialism=Specialism.TAALHUIS_COORDINATOR if role == Role.SPECIALIST else "",
            )
            for user, organisation, role, branch in people
        ),
    )
    return {"people": len(people), "learners": learners}


def bench_programme(mean_steps: float) -> list[Step]:
    """The steps a learner goes through, in order: the demo programme's, then those of a second
    published programme, made of copies of the demo modules, long enough that a learner does on
    average `mean_steps` of them with room to spare."""
    demo = Programme.objects.exclude(slug=BENCH_PROGRAMME).order_by("pk").first()
    demo_modules = list(demo.modules.order_by("position", "pk"))
    demo_steps = Step.objects.filter(module__in=demo_modules).count()
    copies = max(1, math.ceil((mean_steps * 1.35 - demo_steps) / demo_steps))
    programme = Programme.objects.create(
        slug=BENCH_PROGRAMME,
        title="Vervolgprogramma (benchmark)",
        summary=demo.summary,
        is_published=True,
    )
    position = 0
    for copy in range(copies):
        for module in demo_modules:
            steps = list(module.steps.order_by("position", "pk").prefetch_related("choices"))
            module.pk = None
            module.programme = programme
            module.position = position
            module.code = f"V{copy + 1}.{module.code}"[:20]
            module.save()
            position += 1
            for step in steps:
                choices = list(step.choices.all())
                step.pk = None
                step.module = module
                step.save()
                for choice in choices:
                    choice.pk = None
                    choice.step = step
                Choice.objects.bulk_create(choices)
    return list(
        Step.objects.filter(module__programme__in=[demo, programme])
        .order_by("module__programme_id", "module__position", "module_id", "position", "pk")
        .prefetch_related("choices")
    )


def learners_by_library() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for user_id, library_id in Membership.objects.filter(
        role=Role.LEARNER, user__email__contains="bench.example"
    ).values_list("user_id", "organisation_id"):
        found.setdefault(library_id, []).append(user_id)
    return found


def cohorts(rng: random.Random) -> dict[str, int]:
    """Two runs per generated library: the demo programme a year ago (all four meetings past)
    and the second programme now (two meetings past, two to come); everyone takes part in
    both, attendance is recorded for the past meetings."""
    now = timezone.now()
    today = timezone.localdate()
    programmes = list(Programme.objects.order_by("pk"))
    first, second = programmes[0], programmes[-1]
    advisers = dict(
        Membership.objects.filter(
            role=Role.ADVISER, user__email__contains="bench.example"
        ).values_list("organisation_id", "user_id")
    )
    managers = dict(
        Membership.objects.filter(
            role=Role.MANAGER, user__email__contains="bench.example"
        ).values_list("organisation_id", "user_id")
    )
    staff_of = learners_by_library()
    libs = bench_libraries()
    runs = [(first, -56, "2025"), (second, -6, "2026")]  # programme, weeks from now, name
    new = [
        Cohort(
            programme=programme,
            library=library,
            name=f"{library.name} publieksservice {year}",
            adviser_id=advisers[library.parent_id],
            manager_id=managers[library.pk],
            starts_on=today + timedelta(weeks=weeks),
        )
        for library in libs
        for programme, weeks, year in runs
    ]
    with transaction.atomic():
        Cohort.objects.bulk_create(new)
    made = list(Cohort.objects.filter(library__in=libs).order_by("pk"))
    meetings = []
    for cohort in made:
        start = timezone.make_aware(datetime.combine(cohort.starts_on, clock(14)))
        for number, (kind, title, _themes) in enumerate(DEFAULT_MEETINGS, start=1):
            starts = start + timedelta(weeks=3 * (number - 1) + 1)
            meetings.append(
                Meeting(
                    cohort=cohort,
                    position=number,
                    kind=kind,
                    title=title,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    room="Leeszaal",
                )
            )
    insert(Meeting, meetings)
    participants = insert(
        Participant,
        (
            Participant(cohort=cohort, user_id=user_id)
            for cohort in made
            for user_id in staff_of.get(cohort.library_id, [])
        ),
    )
    statuses = [AttendanceStatus.PRESENT] * 8 + [AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
    past = Meeting.objects.filter(cohort__in=made, starts_at__lt=now).select_related("cohort")
    attendance = insert(
        Attendance,
        (
            Attendance(
                meeting=meeting,
                user_id=user_id,
                status=rng.choice(statuses),
                revision=1,
                recorded_at=meeting.ends_at,
                recorded_by_id=meeting.cohort.adviser_id,
            )
            for meeting in past
            for user_id in staff_of.get(meeting.cohort.library_id, [])
        ),
    )
    return {
        "cohorts": len(made),
        "meetings": len(meetings),
        "participants": participants,
        "attendance": attendance,
    }


def progress(total: int, steps: list[Step], rng: random.Random) -> dict[str, int]:
    """About `total` StepProgress rows: each learner went through the first n steps (n around
    the mean, different for each), with the ModuleProgress of every module they began."""
    learners = sorted(u for ids in learners_by_library().values() for u in ids)
    if not learners:
        return {"step_progress": 0, "module_progress": 0}
    mean = total / len(learners)
    spread = min(mean, len(steps) - mean, mean * 0.3)
    now = timezone.now()
    module_rows: list[ModuleProgress] = []

    def rows() -> Iterable[StepProgress]:
        for user_id in learners:
            count = max(0, min(len(steps), round(rng.uniform(mean - spread, mean + spread))))
            started = now - timedelta(days=rng.randint(20, 400), minutes=rng.randint(0, 600))
            moment = started
            seconds: dict[int, int] = {}
            firsts: dict[int, object] = {}
            for step in steps[:count]:
                spent = rng.randint(20, 600)
                moment += timedelta(seconds=spent + rng.randint(0, 3600))
                seconds[step.module_id] = seconds.get(step.module_id, 0) + spent
                firsts.setdefault(step.module_id, moment)
                check = step.is_check
                choices = list(step.choices.all()) if check else []
                choice = rng.choice(choices) if choices else None
                yield StepProgress(
                    user_id=user_id,
                    step=step,
                    seen_at=moment,
                    seconds=spent,
                    choice=choice,
                    answered_at=moment if choice else None,
                    attempts=1 if choice else 0,
                    ever_correct=bool(choice and choice.is_correct),
                )
            following = steps[count] if count < len(steps) else None
            for module_id, first_seen in firsts.items():
                unfinished = following is not None and following.module_id == module_id
                module_rows.append(
                    ModuleProgress(
                        user_id=user_id,
                        module_id=module_id,
                        started_at=first_seen,
                        completed_at=None if unfinished else moment,
                        current_step=following if unfinished else None,
                        seconds=seconds[module_id],
                    )
                )

    written = insert(StepProgress, rows())
    modules = insert(ModuleProgress, module_rows)
    return {"step_progress": written, "module_progress": modules}


def responses(rng: random.Random) -> int:
    """Anonymous evaluation answers: after about half of the finished modules, after the past
    meetings and the self-assessments at 0, 3 and 6 months of each cohort."""
    today = timezone.localdate()
    libs = {lib.pk for lib in bench_libraries()}
    library_of = dict(
        Membership.objects.filter(role=Role.LEARNER, organisation_id__in=libs).values_list(
            "user_id", "organisation_id"
        )
    )

    def rows() -> Iterable[Response]:
        for user_id, module_id, completed_at in (
            ModuleProgress.objects.filter(user_id__in=library_of, completed_at__isnull=False)
            .values_list("user_id", "module_id", "completed_at")
            .iterator(chunk_size=BATCH)
        ):
            if rng.random() < 0.5:
                yield Response(
                    library_id=library_of[user_id],
                    kind=ResponseKind.MODULE,
                    module_id=module_id,
                    submitted_on=completed_at.date() - timedelta(days=completed_at.weekday()),
                    rating=rng.choices([1, 2, 3, 4, 5], [1, 2, 5, 8, 6])[0],
                    time_verdict=rng.choice(TimeVerdict.values),
                )
        for meeting_id, cohort_id, library_id, starts_at, present in (
            Attendance.objects.filter(meeting__cohort__library_id__in=libs)
            .values_list(
                "meeting_id",
                "meeting__cohort_id",
                "meeting__cohort__library_id",
                "meeting__starts_at",
                "status",
            )
            .iterator(chunk_size=BATCH)
        ):
            if present == AttendanceStatus.PRESENT and rng.random() < 0.6:
                day = starts_at.date()
                yield Response(
                    library_id=library_id,
                    kind=ResponseKind.MEETING,
                    meeting_id=meeting_id,
                    cohort_id=cohort_id,
                    submitted_on=day - timedelta(days=day.weekday()),
                    rating=rng.choices([1, 2, 3, 4, 5], [1, 1, 4, 8, 7])[0],
                )
        for cohort_id, library_id, starts_on, participants in (
            Cohort.objects.filter(library_id__in=libs)
            .annotate(n=models.Count("participants"))
            .values_list("pk", "library_id", "starts_on", "n")
        ):
            for wave in Wave:
                day = starts_on + timedelta(days=30 * wave.value)
                if day > today:
                    continue
                for _ in range(participants):
                    if rng.random() < 0.7:
                        yield Response(
                            library_id=library_id,
                            kind=ResponseKind.SELF,
                            cohort_id=cohort_id,
                            wave=wave.value,
                            submitted_on=day - timedelta(days=day.weekday()),
                            knows_colleagues=min(5, rng.randint(1, 4) + wave.value // 3),
                            recognises_signals=min(5, rng.randint(1, 4) + wave.value // 3),
                            quiz_right=rng.randint(0, 4),
                            quiz_total=4,
                        )

    return insert(Response, rows())


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

    def rows() -> Iterable[Referral]:
        for _ in range(total):
            library = rng.choice(targets)
            offer = rng.choice(offers[library])
            moment = now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
            yield Referral(
                library_id=library,
                branch_id=rng.choice(branches[library]),
                hour=Referral.hour_of(moment),
                channel=Channel.DESK,
                need=rng.choice(offer.needs or needs),
                offer=offer,
                offer_kind=offer.kind,
                warm=rng.random() < 0.4,
            )

    return insert(Referral, rows())


def intakes(per_library: int, libs: list[Organisation], rng: random.Random) -> int:
    today = timezone.localdate()
    rows = (
        Intake(
            library=library,
            held_on=today - timedelta(days=rng.randint(0, 730)),
            source=rng.choice(IntakeSource.values),
        )
        for library in libs
        for _ in range(per_library)
    )
    return insert(Intake, rows)


STATEMENT_CHUNK = 250_000  # statements per COPY: bounds the memory of the index rows
TOOL_VERBS = [record.Verb.EXPERIENCED, record.Verb.EXPERIENCED, record.Verb.ANSWERED]


def statements(total: int, rng: random.Random) -> dict[str, int]:
    """About `total` statements. First Balie's own for the bench learners' progress (started,
    experienced, answered, completed), built by the same functions as the actions use, under
    each learner's opaque account; then, up to `total`, what the libraries' authoring tools
    send through their xAPI clients: slides experienced and questions answered in their own
    e-learning, by the same learners."""
    from lrs import copy_statements  # bench/lrs.py: the COPY in the shape the store writes

    by_library = learners_by_library()
    library_of = {user: library for library, users in by_library.items() for user in users}
    Account.objects.bulk_create(
        [Account(user_id=user) for user in library_of], batch_size=BATCH, ignore_conflicts=True
    )
    names = dict(
        Account.objects.filter(user_id__in=list(library_of)).values_list("user_id", "name")
    )
    libraries = Organisation.objects.filter(pk__in=list(by_library)).order_by("pk")
    Client.objects.bulk_create(
        [
            Client(
                organisation=library,
                name=f"Auteurstool {library.name}",
                key=f"tool-{number:03d}",
                secret_hash=hash_secret(f"tool-secret-{number:03d}"),
            )
            for number, library in enumerate(libraries)
        ]
    )
    clients = {c.organisation_id: c for c in Client.objects.filter(organisation__in=libraries)}
    balie = record.balie_agent()

    def stored(payload: dict, authority: dict) -> dict:
        return {**payload, "stored": payload["timestamp"], "authority": authority}

    def own():
        progress = StepProgress.objects.filter(user_id__in=list(library_of)).select_related(
            "step__module", "choice"
        )
        for answer in progress.order_by("pk").iterator(chunk_size=BATCH):
            actor = record.actor_of(names[answer.user_id])
            library = library_of[answer.user_id]
            event = experienced_event(answer.step, answer.seen_at)
            yield library, None, stored(record.build_statement(actor, event), balie)
            if answer.choice is not None:
                event = answered_event(answer.step, answer)
                yield library, None, stored(record.build_statement(actor, event), balie)
        modules = ModuleProgress.objects.filter(user_id__in=list(library_of)).select_related(
            "module"
        )
        for done in modules.order_by("pk").iterator(chunk_size=BATCH):
            actor = record.actor_of(names[done.user_id])
            library = library_of[done.user_id]
            events = [started_event(done, done.module)]
            if done.completed_at is not None:
                events.append(completed_event(done, done.module))
            for event in events:
                yield library, None, stored(record.build_statement(actor, event), balie)

    def from_tools(count: int):
        learners = list(library_of)
        now = timezone.now()
        for _ in range(count):
            user = rng.choice(learners)
            client = clients[library_of[user]]
            verb = rng.choice(TOOL_VERBS)
            course = rng.randrange(40)
            moment = now - timedelta(seconds=rng.randrange(2 * 365 * 86400))
            payload = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "actor": record.actor_of(names[user]),
                "verb": {"id": verb.iri, "display": verb.display},
                "object": {
                    "objectType": "Activity",
                    "id": f"https://elearning.example/{client.key}/courses/{course}/"
                    f"slides/{rng.randrange(60)}",
                },
                "context": {
                    "contextActivities": {
                        "parent": [
                            {
                                "objectType": "Activity",
                                "id": f"https://elearning.example/{client.key}/courses/{course}",
                            }
                        ]
                    }
                },
                "timestamp": moment.isoformat(),
                "version": "1.0.0",
            }
            if verb is record.Verb.ANSWERED:
                payload["result"] = {"success": rng.random() < 0.7}
            yield client.organisation_id, client.pk, stored(payload, client.authority())

    connection.ensure_connection()

    def copy(rows) -> int:
        chunk, count = [], 0
        for row in rows:
            chunk.append(row)
            if len(chunk) == STATEMENT_CHUNK:
                count += copy_statements(connection.connection, chunk)
                chunk = []
        return count + (copy_statements(connection.connection, chunk) if chunk else 0)

    own_count = copy(own())
    written = own_count + copy(from_tools(max(0, total - own_count)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lrs_statement, lrs_statementagent, lrs_statementactivity")
    return {"statements": written, "balie_statements": own_count, "xapi_clients": len(clients)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--libraries", type=int, default=135)
    parser.add_argument(
        "--staff",
        type=int,
        default=8000,
        help="people; 0 skips people, cohorts, progress and evaluations",
    )
    parser.add_argument("--step-progress", type=int, default=1_000_000)
    parser.add_argument(
        "--statements",
        type=int,
        default=5_000_000,
        help="xAPI statements in all (PostgreSQL only; 0: none)",
    )
    parser.add_argument("--accounts", type=int, default=10, help="benchmark logins per role")
    parser.add_argument("--referrals", type=int, default=500_000)
    parser.add_argument("--intakes-per-library", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if Organisation.objects.filter(slug__startswith="bench-").exists():
        raise SystemExit("This database has the national data already: start from a fresh demo.")
    started = time.monotonic()
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}

    def part(name: str, work):
        begun = time.monotonic()
        result = work()
        seconds[name] = time.monotonic() - begun
        if isinstance(result, dict):
            counts.update(result)
        elif isinstance(result, int):
            counts[name] = result
        print(f"  {name}: {seconds[name]:.1f} s", flush=True)
        return result

    def make_libraries():
        with transaction.atomic():
            return libraries(args.libraries, rng)

    libs = part("libraries", make_libraries)
    counts["libraries"] = len(libs)
    counts["branches"] = Organisation.objects.filter(kind=Organisation.Kind.BRANCH).count()
    if args.staff:
        part("staff", lambda: staff(args.staff, args.accounts, rng))
        mean = args.step_progress / max(1, counts["learners"])
        steps = part("programme", lambda: bench_programme(mean))
        counts["steps"] = len(steps)
        part("cohorts", lambda: cohorts(rng))
        part("progress", lambda: progress(args.step_progress, steps, rng))
        part("responses", lambda: responses(rng))
        if args.statements and connection.vendor == "postgresql":
            part("statements", lambda: statements(args.statements, rng))
    part("referrals", lambda: referrals(args.referrals, libs, rng))
    part("intakes", lambda: intakes(args.intakes_per_library, libs, rng))
    print(f"National data added in {time.monotonic() - started:.1f} s:")
    for name, count in counts.items():
        print(f"  {name:<16} {count:>10,}")


if __name__ == "__main__":
    main()
