from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings

from balie.learning.models import Module
from balie.scorm.actions import import_package
from balie.scorm.models import Package
from balie.scorm.tests import zips
from balie.testing import BaseTestCase, make_module


class ScormTestCase(BaseTestCase):
    """The cast, and a module "Golf" whose only step is the golf sample package (SCORM 1.2),
    imported by editor Noor into the test's own MEDIA_ROOT (see conftest.py)."""

    def setUp(self) -> None:
        self.golf_module = make_module(self.programme, "Golf", code="G1")
        self.golf = self.import_into(self.golf_module, "RuntimeBasicCalls_SCORM12.zip")
        self.golf_step = self.golf.step

    def import_into(self, module: Module, fixture: str) -> Package:
        return import_package(io.BytesIO(zips.fixture(fixture)), module=module, by=self.editor)

    @property
    def media_root(self) -> Path:
        return Path(settings.MEDIA_ROOT)

    def folders(self) -> set[str]:
        root = self.media_root / "scorm"
        return {path.name for path in root.iterdir()} if root.exists() else set()
