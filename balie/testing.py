"""The fixed cast every test plays with, built through Balie's own actions.

- Cubiss (a POI) with adviser Sanne; it serves library A (Helmond-Peel, branch Helmond).
- Library A: manager Hans, desk staff Alice and Bob, Taalhuis coordinator Anouk.
- Probiblio (another POI) serves library B (Hilversum), whose desk worker Olga is the
  outsider: she must see nothing of library A's people.
- Editor Noor at the national organisation authors the programme.
- One published programme with a module of five steps: text, video, reflection, knowledge
  check and link.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import connections
from django.test import TestCase

from balie.learning.models import Choice, Module, Programme, Step, StepKind, Theme
from balie.orgs.actions import add_person, create_organisation, grant_role
from balie.orgs.models import Organisation, Role, Specialism, User

PASSWORD = "een-lang-wachtwoord"
# A moment early in a minute: a test frozen there (time_machine, tick=False) stays in one
# window of django-ratelimit, whose windows are fixed, whatever the clock says when it runs.
ONE_RATE_LIMIT_WINDOW = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)
Kind = Organisation.Kind


def make_person(email: str, name: str, organisation: Organisation, role: str, **extra) -> User:
    user = add_person(email=email, full_name=name, password=PASSWORD)
    grant_role(user, organisation=organisation, role=role, **extra)
    return user


def make_programme(title: str = "De publieksservice", *, published: bool = True) -> Programme:
    return Programme.objects.create(
        slug=title.lower().replace(" ", "-")[:80], title=title, is_published=published
    )


def make_module(programme: Programme, title: str = "BoekStart", **fields: Any) -> Module:
    fields.setdefault("theme", Theme.BOEKSTART)
    fields.setdefault("position", programme.modules.count() + 1)
    return Module.objects.create(programme=programme, title=title, **fields)


def make_step(module: Module, kind: str = StepKind.TEXT, **fields: Any) -> Step:
    fields.setdefault("title", f"Stap {module.steps.count() + 1}")
    fields.setdefault("position", module.steps.count() + 1)
    fields.setdefault("body", "Een tekst om te lezen.")
    step = Step(module=module, kind=kind, **fields)
    step.full_clean()
    step.save()
    return step


def make_check(module: Module, question: str = "Wat zit er in het BoekStartkoffertje?") -> Step:
    step = make_step(module, StepKind.CHECK, title="Test je kennis", body=question)
    for position, (text, correct) in enumerate(
        [("Een tablet", False), ("Twee babyboekjes", True), ("Een bibliotheekpas", False)],
        start=1,
    ):
        Choice.objects.create(
            step=step,
            position=position,
            text=text,
            is_correct=correct,
            feedback="Goed zo." if correct else "Nee, kijk nog eens.",
        )
    return step


T = TypeVar("T")


def at_once(works: Sequence[Callable[[], T]]) -> list[T]:
    """Run each work in a thread of its own, with a database connection of its own, released
    together, as when a request and its retry or two workers meet. Returns the results in the
    order of `works`; the first error of a thread is raised here, once all have ended. For
    a TransactionTestCase: the threads cannot see a TestCase's transaction."""
    barrier = threading.Barrier(len(works), timeout=30)
    results: list[Any] = [None] * len(works)
    errors: list[BaseException] = []

    def run(index: int, work: Callable[[], T]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.national = create_organisation(kind=Kind.NATIONAL, name="SPN", slug="spn")
        cls.poi = create_organisation(
            kind=Kind.POI, name="Cubiss", slug="cubiss", parent=cls.national
        )
        cls.other_poi = create_organisation(
            kind=Kind.POI, name="Probiblio", slug="probiblio", parent=cls.national
        )
        cls.library = create_organisation(
            kind=Kind.LIBRARY, name="Bibliotheek Helmond-Peel", slug="helmond-peel", parent=cls.poi
        )
        cls.branch = create_organisation(
            kind=Kind.BRANCH, name="Helmond", slug="hp-helmond", parent=cls.library
        )
        cls.other_library = create_organisation(
            kind=Kind.LIBRARY, name="Bibliotheek Hilversum", slug="hilversum", parent=cls.other_poi
        )

        cls.adviser = make_person("sanne@cubiss.test", "Sanne Hoekstra", cls.poi, Role.ADVISER)
        cls.manager = make_person("hans@hp.test", "Hans Kuijpers", cls.library, Role.MANAGER)
        cls.alice = make_person(
            "alice@hp.test", "Alice de Vries", cls.library, Role.LEARNER, branch=cls.branch
        )
        cls.bob = make_person("bob@hp.test", "Bob Jansen", cls.library, Role.LEARNER)
        cls.taalhuis = make_person(
            "anouk@hp.test",
            "Anouk Martens",
            cls.library,
            Role.SPECIALIST,
            specialism=Specialism.TAALHUIS_COORDINATOR,
        )
        cls.outsider = make_person(
            "olga@hilversum.test", "Olga Visser", cls.other_library, Role.LEARNER
        )
        cls.editor = make_person("noor@spn.test", "Noor Bakker", cls.national, Role.EDITOR)

        cls.programme = make_programme()
        cls.module = make_module(cls.programme, "BoekStart", code="M1", estimated_minutes=40)
        cls.text_step = make_step(
            cls.module,
            title="Wat is BoekStart?",
            body="BoekStart is er voor **baby's** en hun ouders.",
        )
        cls.video_step = make_step(
            cls.module,
            StepKind.VIDEO,
            title="Een leesconsulent vertelt",
            video_url="https://video.example/boekstart.mp4",
            video_seconds=180,
            transcript="Leesconsulent: wij geven het koffertje mee.",
        )
        cls.reflection_step = make_step(
            cls.module,
            StepKind.REFLECTION,
            title="En bij jou?",
            body="Welke collega in jouw bibliotheek weet alles van BoekStart?",
        )
        cls.check_step = make_check(cls.module)
        cls.link_step = make_step(
            cls.module,
            StepKind.LINK,
            title="BoekStart bij de KB",
            body="De site van het programma.",
            link_url="https://www.kb.nl/boekstart",
            link_why="Hier staat wat ouders krijgen.",
        )
        cls.steps = [
            cls.text_step,
            cls.video_step,
            cls.reflection_step,
            cls.check_step,
            cls.link_step,
        ]

    def login(self, user: User) -> None:
        self.client.force_login(user)
