"""Demo data that makes every dashboard tell a story (DOMAIN.md (g)).

- Helmond-Peel and Het Markiezaat ran a pilot group some ten months ago (fictional staff, four
  meetings); Hilversum has not been trained yet and serves as the comparison.
- Two years of anonymous referrals in every branch of the three libraries: a few per week before
  the pilot, more after, with noise and the seasons (tax returns in March–April, the Week van
  Lezen en Schrijven in September, quiet summers and Christmas); warm share ~30% before, ~50%
  after.
- At Helmond-Peel, warm hand-overs to the Taalhuis in Anouk's free time: older ones purged of
  contact data as the retention rule says, a few coming ones (first names of the persona's only),
  free slots for the coming weeks; intakes by source per week in all three libraries.
- Anonymous evaluations of the pilot: module and meeting ratings, time verdicts, comments, and the
  self-assessment at the start, after 3 and after 6 months; open questionnaires for what the demo
  learners did in the last 30 days.

Deterministic (seeded) and idempotent: each part is skipped when its rows exist.
"""

from __future__ import annotations

import math
import random
import unicodedata
from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from balie.cohorts.actions import record_attendance, start_cohort
from balie.cohorts.models import AttendanceStatus, Cohort, Meeting
from balie.desk.models import (
    Channel,
    DeskSettings,
    HandOver,
    Intake,
    IntakeSource,
    Need,
    Offer,
    OfferKind,
    Outcome,
    Purge,
    Referral,
    Slot,
)
from balie.insights.actions import invite_due
from balie.insights.models import Kind, Response, TimeVerdict, Wave
from balie.learning.models import Module, ModuleProgress, Programme
from balie.orgs.actions import add_person, grant_role
from balie.orgs.models import Organisation, Role, Specialism, User

WEEKS_OF_HISTORY = 104
PILOT_WEEKS = {"helmond-peel": [-44, -41, -38, -35], "markiezaat": [-46, -43, -40, -37]}
LIBRARIES = ["helmond-peel", "markiezaat", "hilversum"]

# Fictional desk staff of the pilot groups (no real names; DOMAIN.md (g)).
PILOT_STAFF = {
    "helmond-peel": [
        "Anja Verhagen",
        "Tom Hendriks",
        "Priya Ramdin",
        "Henk van Bree",
        "Sofie Claassen",
        "Mark Swinkels",
        "Lotte van Gerwen",
        "Erik Manders",
        "Naima El Amrani",
        "Joost Vermeulen",
        "Carla Peeters",
        "Ruben Daniëls",
    ],
    "markiezaat": [
        "Ingrid Pijnenburg",
        "Bart de Jong",
        "Yvonne Huijbregts",
        "Dennis Maas",
        "Kim Oerlemans",
        "Sandra Rijken",
        "Paul van Dijk",
        "Esra Kaya",
        "Hanneke Moerland",
        "Wouter Nuijten",
    ],
}

# Weekly referrals per branch: (before, after) the pilot; the first branch is the main one.
RATES = {"main": (4.5, 8.0), "other": (2.5, 4.5)}
WARM_SHARE = (0.30, 0.50)
NEEDS = [
    (Need.DIGID, 22),
    (Need.LETTER, 18),
    (Need.LANGUAGE, 16),
    (Need.READING, 10),
    (Need.COMPUTER, 14),
    (Need.CHILD, 8),
    (Need.JOB, 5),
    (Need.MONEY, 7),
]
# Offers that fit a need when a demo offer does not list its needs.
FITTING_KINDS = {
    Need.DIGID: [OfferKind.IDO, OfferKind.KLIK_TIK, OfferKind.DIGISTERKER],
    Need.LETTER: [OfferKind.IDO, OfferKind.INTAKE, OfferKind.PARTNER],
    Need.LANGUAGE: [OfferKind.TAALCAFE, OfferKind.TAALMAATJE, OfferKind.INTAKE],
    Need.READING: [OfferKind.INTAKE, OfferKind.MATERIALS, OfferKind.TAALMAATJE],
    Need.COMPUTER: [OfferKind.KLIK_TIK, OfferKind.DIGISTERKER],
    Need.CHILD: [OfferKind.BOEKSTART],
    Need.JOB: [OfferKind.PARTNER, OfferKind.INTAKE, OfferKind.KLIK_TIK],
    Need.MONEY: [OfferKind.PARTNER, OfferKind.IDO],
}
COMMENTS = {
    Kind.MODULE: [
        "Veertig minuten was te krap, ik had er ruim een uur voor nodig.",
        "De video van de Taalhuiscoördinator maakte het concreet.",
        "Fijn dat ik aantekeningen kon maken, die zoek ik nu op aan de balie.",
        "Sommige links werkten niet op de tablet.",
        "Goed om te weten wat de IDO precies doet.",
        "Meer voorbeelden van gesprekken aan de balie graag.",
    ],
    Kind.MEETING: [
        "Nu weet ik bij wie ik terecht kan voor een taalmaatje.",
        "De rondleiding door het Taalhuis was nuttig.",
        "Te weinig tijd om te oefenen met de gesprekken.",
        "Goed dat de collega's van de back-office erbij waren.",
    ],
}
PERSONA_FIRST_NAMES = ["Gerrit", "Samira", "Kevin", "Ria"]


def load_evidence_demo(today: date | None = None) -> None:
    today = today or timezone.localdate()
    rng = random.Random(2018)  # noqa: S311 — demo noise, not security
    programme = Programme.objects.filter(is_published=True).order_by("pk").first()
    libraries = {o.slug: o for o in Organisation.objects.filter(slug__in=LIBRARIES)}
    if programme is None or len(libraries) < len(LIBRARIES):
        return
    trained_on: dict[str, date] = {}
    for slug, weeks in PILOT_WEEKS.items():
        cohort = _pilot_cohort(programme, libraries[slug], weeks, today, rng)
        last = cohort.meetings.aggregate(last=Max("starts_at"))["last"]
        trained_on[slug] = timezone.localdate(last)
        _pilot_evaluations(cohort, programme, rng)
    for slug, library in libraries.items():
        _referrals(library, trained_on.get(slug), today, rng)
        _intakes(library, trained_on.get(slug), today, rng)
    _handovers(libraries["helmond-peel"], trained_on["helmond-peel"], today, rng)
    # The demo learners' questionnaires for what they did lately (the hourly job's first run).
    invite_due(timezone.now())


# --- The pilot groups --------------------------------------------------------------------------


def _at(today: date, weeks: int, hour: int) -> datetime:
    day = today + timedelta(weeks=weeks)
    day -= timedelta(days=day.weekday() - 1)  # a Tuesday
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _pilot_cohort(
    programme: Programme, library: Organisation, weeks: list[int], today: date, rng: random.Random
) -> Cohort:
    first = _at(today, weeks[0], 14)
    name = f"{library.name.removeprefix('Bibliotheek ')} pilotgroep {first.year}"
    existing = Cohort.objects.filter(library=library, name=name).first()
    if existing is not None:
        return existing
    branches = list(library.children.order_by("pk"))
    staff = []
    for number, full_name in enumerate(PILOT_STAFF[library.slug]):
        email = f"{_local_part(full_name)}@{library.slug}.example"
        person = User.objects.filter(email=email).first() or add_person(
            email=email, full_name=full_name
        )
        grant_role(
            person,
            organisation=library,
            role=Role.LEARNER,
            branch=branches[number % len(branches)],
        )
        staff.append(person)
    adviser = User.objects.filter(
        memberships__organisation=library.parent, memberships__role=Role.ADVISER
    ).first()
    manager = User.objects.filter(
        memberships__organisation=library, memberships__role=Role.MANAGER
    ).first()
    cohort = start_cohort(
        programme,
        library=library,
        name=name,
        adviser=adviser,
        manager=manager,
        starts_on=(first - timedelta(days=7)).date(),
        participants=staff,
    )
    for meeting, week in zip(cohort.meetings.order_by("position"), weeks, strict=True):
        starts = _at(today, week, 14)
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            branch=branches[0],
            room="Leeszaal",
        )
        for person in staff:
            came = rng.random() < 0.9
            status = AttendanceStatus.PRESENT if came else AttendanceStatus.EXCUSED
            record_attendance(meeting, person, status=status, revision=1, by=adviser)
    # Everyone finished the e-learning during the pilot; most took longer than 40 minutes.
    progress = []
    for module in programme.modules.order_by("position"):
        typical = 48 if module.position <= 2 else 62
        for person in staff:
            minutes = max(20, rng.gauss(typical, 12))
            started = first + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 6))
            progress.append(
                ModuleProgress(
                    user=person,
                    module=module,
                    started_at=started,
                    completed_at=started + timedelta(days=rng.randint(0, 5), minutes=minutes),
                    seconds=int(minutes * 60),
                )
            )
    ModuleProgress.objects.bulk_create(progress, ignore_conflicts=True)
    return cohort


def _local_part(full_name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().split())


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pilot_evaluations(cohort: Cohort, programme: Programme, rng: random.Random) -> None:
    if (
        Response.objects.filter(cohort=cohort).exists()
        or Response.objects.filter(library=cohort.library, kind=Kind.MODULE).exists()
    ):
        return
    staff = list(cohort.participants.all())
    rows = []
    for module in Module.objects.filter(programme=programme):
        done = ModuleProgress.objects.filter(
            module=module, user__cohort_places__cohort=cohort, completed_at__isnull=False
        ).values_list("completed_at", flat=True)
        for completed in done:
            if rng.random() > 0.8:
                continue  # not everyone answers
            rows.append(
                Response(
                    library=cohort.library,
                    kind=Kind.MODULE,
                    module=module,
                    submitted_on=_monday(timezone.localdate(completed)),
                    rating=rng.choices([2, 3, 4, 5], weights=[1, 3, 6, 4])[0],
                    time_verdict=rng.choices(
                        [TimeVerdict.TOO_LITTLE, TimeVerdict.RIGHT, TimeVerdict.TOO_MUCH],
                        weights=[6, 3, 1] if module.position > 2 else [3, 5, 1],
                    )[0],
                    comment=rng.choice(COMMENTS[Kind.MODULE]) if rng.random() < 0.3 else "",
                )
            )
    for meeting in cohort.meetings.all():
        for _person in staff:
            if rng.random() > 0.75:
                continue
            rows.append(
                Response(
                    library=cohort.library,
                    kind=Kind.MEETING,
                    meeting=meeting,
                    cohort=cohort,
                    submitted_on=_monday(timezone.localdate(meeting.starts_at)),
                    rating=rng.choices([3, 4, 5], weights=[2, 5, 4])[0],
                    comment=rng.choice(COMMENTS[Kind.MEETING]) if rng.random() < 0.25 else "",
                )
            )
    # The self-assessment: knowing whom to ask and recognising signals grow; so does the quiz.
    levels = {
        Wave.START: (2.6, 2.9, 0.40),
        Wave.THREE: (3.8, 3.7, 0.70),
        Wave.SIX: (4.0, 3.8, 0.75),
    }
    for wave, (knows, signals, quiz) in levels.items():
        asked = cohort.starts_on + timedelta(days=30 * wave)
        for _person in staff:
            if rng.random() > 0.85:
                continue
            rows.append(
                Response(
                    library=cohort.library,
                    kind=Kind.SELF,
                    cohort=cohort,
                    wave=wave,
                    submitted_on=_monday(asked),
                    knows_colleagues=_one_to_five(rng.gauss(knows, 0.7)),
                    recognises_signals=_one_to_five(rng.gauss(signals, 0.7)),
                    quiz_right=sum(rng.random() < quiz for _ in range(4)),
                    quiz_total=4,
                )
            )
    Response.objects.bulk_create(rows)


def _one_to_five(value: float) -> int:
    return min(5, max(1, round(value)))


# --- The desk ------------------------------------------------------------------------------------


def _season(day: date, need: str) -> float:
    """How busy the desk is for `need` in the week of `day`."""
    factor = 1.0
    if day.month in (7, 8):
        factor *= 0.6
    if day.month == 12 and day.day >= 20:
        factor *= 0.3
    if day.month in (3, 4) and need in (Need.DIGID, Need.MONEY, Need.LETTER):
        factor *= 1.7
    if day.month == 9 and 7 <= day.day <= 21 and need in (Need.READING, Need.LANGUAGE):
        factor *= 2.0
    return factor


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; the means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _offer_for(need: str, offers: list[Offer], rng: random.Random) -> Offer | None:
    fitting = [o for o in offers if o.fits(need)] or [
        o for o in offers if o.kind in FITTING_KINDS[need]
    ]
    return rng.choice(fitting or offers) if offers else None


def _referrals(
    library: Organisation, trained_on: date | None, today: date, rng: random.Random
) -> None:
    if Referral.objects.filter(library=library).exists():
        return
    offers = list(Offer.objects.filter(library=library))
    if not offers:
        return
    branches = list(library.children.order_by("pk"))
    total_weight = sum(w for _, w in NEEDS)
    start = _monday(today) - timedelta(weeks=WEEKS_OF_HISTORY)
    rows = []
    for week in range(WEEKS_OF_HISTORY + 1):
        monday = start + timedelta(weeks=week)
        after = trained_on is not None and monday > trained_on
        for number, branch in enumerate(branches):
            before_rate, after_rate = RATES["main" if number == 0 else "other"]
            rate = after_rate if after else before_rate
            warm_share = WARM_SHARE[1] if after else WARM_SHARE[0]
            for need, weight in NEEDS:
                mean = rate * weight / total_weight * _season(monday, need)
                for _ in range(_poisson(rng, mean)):
                    day = monday + timedelta(days=rng.choices(range(6), [5, 6, 5, 6, 5, 3])[0])
                    if day > today:
                        continue
                    offer = _offer_for(need, offers, rng)
                    hour = timezone.make_aware(datetime.combine(day, time(rng.randint(10, 16))))
                    rows.append(
                        Referral(
                            library=library,
                            branch=branch,
                            hour=hour,
                            channel=rng.choices(
                                [Channel.DESK, Channel.PHONE, Channel.ACTIVITY], [8, 1, 1]
                            )[0],
                            need=need,
                            offer=offer,
                            offer_kind=offer.kind,
                            warm=rng.random() < warm_share,
                        )
                    )
    Referral.objects.bulk_create(rows, batch_size=2000)


def _intakes(
    library: Organisation, trained_on: date | None, today: date, rng: random.Random
) -> None:
    """Intakes from other sources, and (outside Helmond-Peel, which books hand-overs) from the
    desk directly."""
    if Intake.objects.filter(library=library).exists():
        return
    start = _monday(today) - timedelta(weeks=WEEKS_OF_HISTORY)
    rows = []
    for week in range(WEEKS_OF_HISTORY + 1):
        monday = start + timedelta(weeks=week)
        after = trained_on is not None and monday > trained_on
        sources = {
            IntakeSource.PARTNER: 1.0,
            IntakeSource.MUNICIPALITY: 0.5,
            IntakeSource.SELF: 0.6,
            IntakeSource.OTHER: 0.2,
        }
        if library.slug != "helmond-peel":
            sources[IntakeSource.DESK] = 0.9 if after else 0.3
        for source, mean in sources.items():
            for _ in range(_poisson(rng, mean)):
                day = monday + timedelta(days=rng.randint(0, 4))
                if day <= today:
                    rows.append(Intake(library=library, held_on=day, source=source))
    Intake.objects.bulk_create(rows, batch_size=2000)


def _handovers(library: Organisation, trained_on: date, today: date, rng: random.Random) -> None:
    colleague = User.objects.filter(
        memberships__organisation=library,
        memberships__specialism=Specialism.TAALHUIS_COORDINATOR,
    ).first()
    offer = Offer.objects.filter(library=library, takes_appointments=True).first()
    if colleague is None or offer is None or HandOver.objects.filter(library=library).exists():
        return
    branch = library.children.order_by("pk").first()
    place = "Taalhuis, eerste verdieping"
    retention = DeskSettings.retention_days_for(library)
    now = timezone.now()
    start = _monday(today) - timedelta(weeks=WEEKS_OF_HISTORY)
    purged_per_month: dict[date, int] = {}
    for week in range(WEEKS_OF_HISTORY + 5):
        monday = start + timedelta(weeks=week)
        after = monday > trained_on
        for _ in range(_poisson(rng, 2.2 if after else 0.6)):
            day = monday + timedelta(days=rng.choice([1, 3]))  # Tuesday or Thursday
            starts = timezone.make_aware(datetime.combine(day, time(rng.choice([10, 11, 14]))))
            if Slot.objects.filter(colleague=colleague, starts_at=starts).exists():
                continue
            slot = Slot.objects.create(
                library=library, colleague=colleague, branch=branch, place=place, starts_at=starts
            )
            booked = starts - timedelta(days=rng.randint(2, 9))
            if booked > now:
                slot.delete()
                continue
            need = rng.choice([Need.LANGUAGE, Need.READING, Need.LETTER])
            keep_until = day + timedelta(days=retention)
            past = starts < now
            outcome = Outcome.PENDING
            if past:
                outcome = rng.choices(
                    [Outcome.INTAKE, Outcome.NO_SHOW, Outcome.REFERRED_ON, Outcome.PENDING],
                    [60, 20, 12, 8 if starts > now - timedelta(days=14) else 0],
                )[0]
            purged = keep_until < today
            handover = HandOver.objects.create(
                library=library,
                slot=slot,
                offer=offer,
                need=need,
                referral=Referral.objects.create(
                    library=library,
                    branch=branch,
                    hour=Referral.hour_of(booked),
                    need=need,
                    offer=offer,
                    offer_kind=offer.kind,
                    warm=True,
                ),
                booked_at=booked,
                consent_at=booked,
                consent_text=(
                    "De klant vindt het goed dat de bibliotheek de voornaam en het telefoonnummer "
                    f"doorgeeft aan {colleague.get_short_name()} van het Taalhuis, tot "
                    f"{keep_until:%d-%m-%Y}."
                ),
                keep_until=keep_until,
                first_name="" if purged else rng.choice(PERSONA_FIRST_NAMES),
                contact="" if purged else "06 1234 5678",
                contact_deleted_at=(
                    timezone.make_aware(datetime.combine(keep_until + timedelta(days=1), time(3)))
                    if purged
                    else None
                ),
                outcome=outcome,
                outcome_at=starts + timedelta(hours=1) if outcome != Outcome.PENDING else None,
            )
            if purged:
                month = (keep_until + timedelta(days=1)).replace(day=1)
                purged_per_month[month] = purged_per_month.get(month, 0) + 1
            if outcome == Outcome.INTAKE:
                Intake.objects.create(
                    library=library, held_on=day, source=IntakeSource.DESK, handover=handover
                )
    Purge.objects.bulk_create(
        Purge(
            library=library,
            ran_at=timezone.make_aware(datetime.combine(month, time(3))),
            deleted=count,
        )
        for month, count in sorted(purged_per_month.items())
    )
    # Free time in the coming four weeks.
    for week in range(4):
        monday = _monday(today) + timedelta(weeks=week + 1)
        for day in (monday + timedelta(days=1), monday + timedelta(days=3)):
            for hour, minute in ((10, 0), (10, 45), (11, 30)):
                starts = timezone.make_aware(datetime.combine(day, time(hour, minute)))
                Slot.objects.get_or_create(
                    colleague=colleague,
                    starts_at=starts,
                    defaults={"library": library, "branch": branch, "place": place},
                )
