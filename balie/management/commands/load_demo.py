"""Load Balie's demo data: the national programme, the POIs, the three pilot libraries with
their branches, fictional staff in every role, and some learners part-way. Running it again
updates the content and adds what is missing; it never removes what people did in the demo."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from balie.cohorts.actions import add_outcome, record_attendance, start_cohort
from balie.cohorts.models import AttendanceStatus, Cohort, Meeting, MeetingKind, OutcomeKind
from balie.demo.carousel import load_carousel_demo
from balie.demo.desk import load_desk_offers_demo
from balie.demo.directory import load_directory_demo
from balie.demo.insights import load_evidence_demo
from balie.demo.local_blocks import load_local_blocks_demo
from balie.demo.personas import load_personas_demo
from balie.demo.scorm import load_scorm_demo
from balie.demo.xapi import record_demo_statements
from balie.learning.models import (
    Choice,
    Module,
    ModuleProgress,
    Note,
    Programme,
    Step,
    StepProgress,
)
from balie.orgs.actions import add_person, create_organisation, grant_role
from balie.orgs.models import Organisation, Role, Specialism, User

DEMO_PASSWORD = "balie-demo"
DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
PROGRAMME_FILE = DEMO_DIR / "programme.toml"
MEDIA_DIR = DEMO_DIR / "media"
Kind = Organisation.Kind

POIS = [
    ("cubiss", "Cubiss", "Tilburg"),
    ("probiblio", "Probiblio", "Hoofddorp"),
    ("rijnbrink", "Rijnbrink", "Arnhem"),
    ("bisc", "BiSC (Bibliotheek Service Centrum Utrecht)", "Utrecht"),
    ("zb", "ZB Planbureau en Bibliotheek van Zeeland", "Middelburg"),
    ("biblionet-groningen", "Biblionet Groningen", "Groningen"),
    ("biblionet-drenthe", "Biblionet Drenthe", "Assen"),
    ("fers", "Fers", "Leeuwarden"),
    ("bibliotheeknetwerk-flevoland", "Bibliotheeknetwerk Flevoland", "Lelystad"),
]
LIBRARIES = [
    (
        "helmond-peel",
        "Bibliotheek Helmond-Peel",
        "cubiss",
        "Helmond",
        ["Helmond", "Deurne", "Asten", "Someren"],
    ),
    (
        "markiezaat",
        "Bibliotheek Het Markiezaat",
        "cubiss",
        "Bergen op Zoom",
        ["Bergen op Zoom", "Halsteren", "Hoogerheide", "Steenbergen", "Dinteloord"],
    ),
    ("hilversum", "Bibliotheek Hilversum", "probiblio", "Hilversum", ["Hilversum Centrum"]),
]
# (e-mail, name, organisation slug, role, specialism, branch slug). All names are fictional.
PEOPLE = [
    ("beheer@balie.example", "Beheerder Balie", "spn", Role.ADMIN, "", ""),
    ("redactie@spn.example", "Noor Bakker", "spn", Role.EDITOR, "", ""),
    ("sanne@cubiss.example", "Sanne Hoekstra", "cubiss", Role.ADVISER, "", ""),
    ("hans@helmond-peel.example", "Hans Kuijpers", "helmond-peel", Role.MANAGER, "", ""),
    (
        "anouk@helmond-peel.example",
        "Anouk Martens",
        "helmond-peel",
        Role.SPECIALIST,
        Specialism.TAALHUIS_COORDINATOR,
        "helmond-peel-helmond",
    ),
    (
        "ilse@helmond-peel.example",
        "Ilse Coppens",
        "helmond-peel",
        Role.SPECIALIST,
        Specialism.READING_CONSULTANT,
        "helmond-peel-deurne",
    ),
    (
        "ruud@helmond-peel.example",
        "Ruud Smulders",
        "helmond-peel",
        Role.SPECIALIST,
        Specialism.EDUCATION_ACCOUNT_MANAGER,
        "helmond-peel-helmond",
    ),
    (
        "marieke@helmond-peel.example",
        "Marieke de Wit",
        "helmond-peel",
        Role.LEARNER,
        "",
        "helmond-peel-helmond",
    ),
    (
        "jeroen@helmond-peel.example",
        "Jeroen Pauwels",
        "helmond-peel",
        Role.LEARNER,
        "",
        "helmond-peel-helmond",
    ),
    (
        "fatma@helmond-peel.example",
        "Fatma Yilmaz",
        "helmond-peel",
        Role.LEARNER,
        "",
        "helmond-peel-deurne",
    ),
    (
        "bas@helmond-peel.example",
        "Bas Verhagen",
        "helmond-peel",
        Role.LEARNER,
        "",
        "helmond-peel-asten",
    ),
    (
        "linda@helmond-peel.example",
        "Linda Hermans",
        "helmond-peel",
        Role.LEARNER,
        "",
        "helmond-peel-someren",
    ),
    ("petra@markiezaat.example", "Petra Goossens", "markiezaat", Role.MANAGER, "", ""),
    (
        "youssef@markiezaat.example",
        "Youssef El Amrani",
        "markiezaat",
        Role.LEARNER,
        "",
        "markiezaat-bergen-op-zoom",
    ),
    (
        "karin@markiezaat.example",
        "Karin Dekkers",
        "markiezaat",
        Role.LEARNER,
        "",
        "markiezaat-halsteren",
    ),
    ("wim@hilversum.example", "Wim Schouten", "hilversum", Role.MANAGER, "", ""),
    ("rob@probiblio.example", "Rob Jacobs", "probiblio", Role.ADVISER, "", ""),
    (
        "esther@hilversum.example",
        "Esther Vos",
        "hilversum",
        Role.LEARNER,
        "",
        "hilversum-hilversum-centrum",
    ),
]
LOGINS_SHOWN = [
    ("learner", "jeroen@helmond-peel.example"),
    ("learner, part-way", "marieke@helmond-peel.example"),
    ("manager", "hans@helmond-peel.example"),
    ("Taalhuis coordinator", "anouk@helmond-peel.example"),
    ("POI adviser", "sanne@cubiss.example"),
    ("programme editor", "redactie@spn.example"),
    ("administrator", "beheer@balie.example"),
]
# Learners part-way: (e-mail, module code, steps seen, minutes per step, notes by step number).
PROGRESS = [
    (
        "marieke@helmond-peel.example",
        "M1",
        None,
        9,
        {
            2: "Koffertje: 2 babyboekjes + info over voorlezen. Bon via het consultatiebureau.",
        },
    ),
    (
        "marieke@helmond-peel.example",
        "M2",
        3,
        11,
        {
            1: "Vragen voor de leesconsulent: welke scholen in Deurne doen mee?",
        },
    ),
    ("fatma@helmond-peel.example", "M1", 4, 8, {}),
    ("bas@helmond-peel.example", "M1", None, 12, {}),
    ("youssef@markiezaat.example", "M3", 2, 10, {}),
]


def at_weeks(weeks: int, hour: int) -> datetime:
    """The Tuesday of the week `weeks` from now, at `hour`."""
    day = timezone.localdate() + timedelta(weeks=weeks)
    day -= timedelta(days=day.weekday() - 1)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def attach(field: FieldFile, name: str, content: bytes) -> None:
    """Store `content` in a file field unless the stored file already holds exactly that."""
    if field:
        try:
            with field.open("rb") as stored:
                if stored.read() == content:
                    return
        except FileNotFoundError:
            pass
    field.save(name, ContentFile(content))


def slugify(text: str) -> str:
    return "-".join(text.lower().replace("(", "").replace(")", "").split())


class Command(BaseCommand):
    help = "Load (or refresh) the demo data. Safe to run more than once."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            organisations = self.load_organisations()
            self.load_people(organisations)
            programme = self.load_programme()
            self.load_progress(programme)
            self.load_cohorts(programme)
            load_directory_demo()
            load_local_blocks_demo()
            load_carousel_demo()
            load_desk_offers_demo()
            load_personas_demo()
            load_scorm_demo()
            # Last: the evidence needs the offers, cohorts and people above.
            load_evidence_demo()
            record_demo_statements()  # Balie's own xAPI statements for what the demo did
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
        for role, email in LOGINS_SHOWN:
            self.stdout.write(f"  {role:<22} {email}")

    def organisation(self, slug: str, **fields) -> Organisation:
        existing = Organisation.objects.filter(slug=slug).first()
        if existing is not None:
            return existing
        return create_organisation(slug=slug, **fields)

    def load_organisations(self) -> dict[str, Organisation]:
        found: dict[str, Organisation] = {}
        national = self.organisation(
            "spn", kind=Kind.NATIONAL, name="SPN (Samenwerkende POI's Nederland)"
        )
        found["spn"] = national
        for slug, name, place in POIS:
            found[slug] = self.organisation(
                slug, kind=Kind.POI, name=name, parent=national, place=place
            )
        for slug, name, poi, place, branches in LIBRARIES:
            library = self.organisation(
                slug, kind=Kind.LIBRARY, name=name, parent=found[poi], place=place
            )
            found[slug] = library
            for branch in branches:
                branch_slug = f"{slug}-{slugify(branch)}"
                found[branch_slug] = self.organisation(
                    branch_slug,
                    kind=Kind.BRANCH,
                    name=f"{name}, {branch}",
                    parent=library,
                    place=branch,
                )
        return found

    def load_people(self, organisations: dict[str, Organisation]) -> None:
        hashed = make_password(DEMO_PASSWORD)  # hashing is slow on purpose: do it once
        for email, name, org, role, specialism, branch in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = add_person(email=email, full_name=name)
                user.password = hashed
                user.save(update_fields=["password"])
            grant_role(
                user,
                organisation=organisations[org],
                role=role,
                specialism=specialism,
                branch=organisations.get(branch),
            )

    def load_programme(self) -> Programme:
        data = tomllib.loads(PROGRAMME_FILE.read_text(encoding="utf-8"))
        info = data["programme"]
        programme, _ = Programme.objects.update_or_create(
            slug=info["slug"],
            defaults={"title": info["title"], "summary": info["summary"], "is_published": True},
        )
        for position, item in enumerate(data["modules"], start=1):
            module, _ = Module.objects.update_or_create(
                programme=programme,
                code=item["code"],
                defaults={
                    "position": position,
                    "title": item["title"],
                    "theme": item["theme"],
                    "summary": item["summary"],
                    "estimated_minutes": item["estimated_minutes"],
                    "is_published": True,
                },
            )
            for step_position, step_data in enumerate(item["steps"], start=1):
                self.load_step(module, step_position, step_data)
        return programme

    def load_step(self, module: Module, position: int, data: dict) -> None:
        fields = {
            key: data.get(key, "")
            for key in [
                "kind",
                "title",
                "body",
                "transcript",
                "video_url",
                "link_url",
                "link_why",
                "article_url",
            ]
        }
        fields["video_seconds"] = data.get("video_seconds", 0)
        step, _ = Step.objects.update_or_create(module=module, position=position, defaults=fields)
        if data.get("video_file"):
            video = (MEDIA_DIR / data["video_file"]).read_bytes()
            attach(step.video_file, data["video_file"], video)
        if data.get("captions_vtt"):
            name = Path(data.get("video_file", f"step-{step.pk}")).stem + ".vtt"
            attach(step.captions_file, name, data["captions_vtt"].encode())
        step.full_clean()
        for choice_position, choice in enumerate(data.get("choices", []), start=1):
            Choice.objects.update_or_create(
                step=step,
                position=choice_position,
                defaults={
                    "text": choice["text"],
                    "is_correct": choice["correct"],
                    "feedback": choice["feedback"],
                },
            )

    def load_cohorts(self, programme: Programme) -> None:
        # One library recorded its works council's agreement to per-person progress.
        Organisation.objects.filter(slug="markiezaat", works_council_agreed_on=None).update(
            works_council_agreed_on=date(2026, 3, 2)
        )
        for slug, name, adviser, manager, people, weeks in COHORTS:
            library = Organisation.objects.get(slug=slug)
            if Cohort.objects.filter(library=library, name=name).exists():
                continue
            participants = [User.objects.get(email=demo_email(p, slug)) for p in people]
            cohort = start_cohort(
                programme,
                library=library,
                name=name,
                adviser=User.objects.get(email=adviser),
                manager=User.objects.get(email=manager),
                starts_on=(at_weeks(weeks[0], 14) - timedelta(days=7)).date(),
                participants=participants,
            )
            branch = library.children.order_by("pk").first()
            for meeting, week in zip(cohort.meetings.order_by("position"), weeks, strict=True):
                starts = at_weeks(week, 14)
                Meeting.objects.filter(pk=meeting.pk).update(
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    branch=branch,
                    room="Leeszaal",
                )
                if week >= 0:
                    continue
                for number, person in enumerate(participants):
                    status = AttendanceStatus.PRESENT
                    if number == 1 and meeting.position == 2:
                        status = AttendanceStatus.EXCUSED
                    record_attendance(meeting, person, status=status, revision=1, by=cohort.adviser)
                texts = {
                    MeetingKind.KICK_OFF: (OutcomeKind.QUESTION, LEARNING_QUESTIONS),
                    MeetingKind.AGREEMENTS: (OutcomeKind.AGREEMENT, TEAM_AGREEMENTS),
                }
                kind, lines = texts.get(meeting.kind, (None, []))
                for text in lines:
                    add_outcome(meeting, kind=kind, text=text)

    def load_progress(self, programme: Programme) -> None:
        now = timezone.now()
        for days_ago, (email, code, seen, minutes, notes) in enumerate(PROGRESS, start=2):
            user = User.objects.get(email=email)
            module = programme.modules.get(code=code)
            if ModuleProgress.objects.filter(user=user, module=module).exists():
                continue
            steps = list(module.steps.all())
            count = len(steps) if seen is None else seen
            started = now - timedelta(days=days_ago * 3)
            for number, step in enumerate(steps[:count], start=1):
                StepProgress.objects.create(
                    user=user,
                    step=step,
                    seen_at=started + timedelta(minutes=number * minutes),
                    seconds=minutes * 60,
                    answered_at=started if step.is_check else None,
                    choice=step.choices.filter(is_correct=True).first() if step.is_check else None,
                    attempts=1 if step.is_check else 0,
                    ever_correct=step.is_check,
                )
                if number in notes:
                    Note.objects.create(
                        user=user,
                        step=step,
                        body=notes[number],
                        revision=1,
                        updated_at=started + timedelta(minutes=number * minutes),
                    )
            ModuleProgress.objects.create(
                user=user,
                module=module,
                started_at=started,
                completed_at=started + timedelta(hours=2) if count == len(steps) else None,
                current_step=steps[min(count, len(steps) - 1)],
                seconds=count * minutes * 60,
            )


# Cohorts: (library, name, adviser, manager, participants, weeks from now of meetings 1–4).
COHORTS = [
    (
        "helmond-peel",
        "Helmond-Peel publieksservice 2026",
        "sanne@cubiss.example",
        "hans@helmond-peel.example",
        ["marieke", "jeroen", "fatma", "bas", "linda"],
        [-4, -1, 1, 4],
    ),
    (
        "markiezaat",
        "Het Markiezaat publieksservice 2026",
        "sanne@cubiss.example",
        "petra@markiezaat.example",
        ["youssef", "karin"],
        [-12, -9, -6, -3],
    ),
    (
        "hilversum",
        "Hilversum publieksservice 2027",
        "rob@probiblio.example",
        "wim@hilversum.example",
        ["esther"],
        [2, 5, 8, 11],
    ),
]
LEARNING_QUESTIONS = [
    "Hoe herken ik dat iemand moeite heeft met lezen, zonder dat het pijnlijk wordt?",
    "Bij wie kan ik terecht als iemand vraagt naar een taalmaatje?",
    "Wat zeg ik tegen ouders die met de BoekStartbon komen?",
]
TEAM_AGREEMENTS = [
    "We verwijzen warm: we lopen mee of maken meteen een afspraak met het Taalhuis.",
    "We schrijven nooit iets over iemands taal in het klantsysteem.",
    "De wie-doet-wat-kaart ligt bij elke balie.",
]


def demo_email(name: str, library: str) -> str:
    return name if "@" in name else f"{name}@{library}.example"
