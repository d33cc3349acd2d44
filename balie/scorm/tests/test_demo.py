from __future__ import annotations

import io

from django.core.management import call_command

from balie.demo.scorm import EDITOR_EMAIL, MODULE_CODE, PROGRAMME_SLUG
from balie.learning.models import Module, StepKind
from balie.orgs.models import Role
from balie.scorm.models import Package
from balie.scorm.tests.base import ScormTestCase
from balie.testing import make_person, make_programme


class DemoTests(ScormTestCase):
    def test_the_demo_adds_the_golf_module_once(self) -> None:
        programme = make_programme("Demo")
        programme.slug = PROGRAMME_SLUG
        programme.save()
        make_person(EDITOR_EMAIL, "Redactie", self.national, Role.EDITOR)
        call_command("load_scorm_demo", stdout=io.StringIO())
        call_command("load_scorm_demo", stdout=io.StringIO())
        module = Module.objects.get(programme=programme, code=MODULE_CODE)
        self.assertEqual(module.steps.filter(kind=StepKind.SCORM).count(), 1)
        self.assertEqual(Package.objects.filter(step__module=module).count(), 1)
        self.assertEqual(len(self.folders()), 2)  # the demo's and the test cast's golf

    def test_without_the_demo_programme_it_does_nothing(self) -> None:
        call_command("load_scorm_demo", stdout=io.StringIO())
        self.assertEqual(Package.objects.count(), 1)
