from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from balie.learning.models import Choice, Module, ModuleProgress, Note, Step, StepKind
from balie.orgs.models import Membership, Organisation, Role, User


def row_counts() -> list[int]:
    models = (Organisation, User, Membership, Module, Step, Choice, ModuleProgress, Note)
    return [model.objects.count() for model in models]


class LoadDemoTests(TestCase):
    def load(self) -> str:
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    def test_it_loads_the_programme_the_libraries_and_people_in_every_role(self) -> None:
        output = self.load()
        self.assertIn("jeroen@helmond-peel.example", output)
        modules = Module.objects.filter(programme__slug="fo-publieksservice-emb")
        self.assertEqual(modules.count(), 7)  # the six of the course and the SCORM example
        for module in modules.exclude(steps__kind=StepKind.SCORM):
            with self.subTest(module=module.code):
                steps = list(module.steps.all())
                self.assertTrue(5 <= len(steps) <= 8)
                self.assertEqual(module.estimated_minutes, 40)
                self.assertGreater(len({s.kind for s in steps}), 2)
                self.assertEqual(steps[-1].kind, StepKind.CHECK)
        for check in Step.objects.filter(kind=StepKind.CHECK):
            self.assertEqual(check.choices.filter(is_correct=True).count(), 1)
        self.assertEqual(Organisation.objects.filter(kind=Organisation.Kind.POI).count(), 9)
        helmond = Organisation.objects.get(slug="helmond-peel")
        self.assertEqual(helmond.children.count(), 4)
        self.assertEqual({m.role for m in Membership.objects.all()}, set(Role.values))
        self.assertTrue(ModuleProgress.objects.filter(completed_at__isnull=True).exists())
        self.assertTrue(ModuleProgress.objects.filter(completed_at__isnull=False).exists())
        self.assertTrue(Note.objects.exists())

    def test_running_it_twice_does_no_harm(self) -> None:
        self.load()
        jeroen = User.objects.get(email="jeroen@helmond-peel.example")
        step = Step.objects.filter(module__code="M1").first()
        Note.objects.create(
            user=jeroen, step=step, body="Mijn eigen", revision=5, updated_at=timezone.now()
        )
        before = row_counts()
        self.load()
        self.assertEqual(before, row_counts())
        self.assertTrue(Note.objects.filter(user=jeroen, body="Mijn eigen").exists())
