"""Editors import and replace packages; a refused package leaves nothing behind."""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from balie.learning.models import Module, Step, StepKind
from balie.scorm.actions import import_package
from balie.scorm.models import Package
from balie.scorm.tests import zips
from balie.scorm.tests.base import ScormTestCase


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


class UploadTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("scorm:upload", args=[self.module.pk])

    def test_an_editor_adds_a_package_as_the_last_step(self) -> None:
        self.login(self.editor)
        data = zips.fixture("RuntimeBasicCalls_SCORM20043rdEdition.zip")
        response = self.client.post(
            self.url, {"package": upload("golf.zip", data), "title": "Golf in 2004"}
        )
        step = Step.objects.get(module=self.module, kind=StepKind.SCORM)
        self.assertRedirects(response, reverse("learning:step", args=[step.pk]))
        self.assertEqual(step.title, "Golf in 2004")
        self.assertEqual(step.position, 6)
        package = step.scorm_package
        self.assertEqual((package.version, package.edition), ("2004", "2004 3rd Edition"))
        self.assertEqual(package.uploaded_by, self.editor)
        self.assertTrue((self.media_root / package.folder / "shared/launchpage.html").is_file())

    def test_the_page_shows_for_editors(self) -> None:
        self.login(self.editor)
        response = self.client.get(self.url)
        self.assertContains(response, 'enctype="multipart/form-data"')

    def test_a_refused_package_leaves_nothing_behind(self) -> None:
        self.login(self.editor)
        before = (self.folders(), Step.objects.count(), Package.objects.count())
        cases = {
            "MissingLaunchUrl_SCORM12.zip": "heeft geen startadres",
            "InvalidFileReferences_SCORM12.zip": "content/nonexistent.html",
            "MalformedXml_SCORM12.zip": "geen geldige XML",
        }
        for name, message in cases.items():
            with self.subTest(name=name):
                response = self.client.post(self.url, {"package": upload(name, zips.fixture(name))})
                self.assertContains(response, message, status_code=400)
        hostile = zips.package(**{"../../evil.html": "x"})
        response = self.client.post(self.url, {"package": upload("evil.zip", hostile)})
        self.assertContains(response, "een pad met ..", status_code=400)
        after = (self.folders(), Step.objects.count(), Package.objects.count())
        self.assertEqual(before, after)

    def test_a_failing_save_removes_the_unpacked_folder(self) -> None:
        gone = Module(pk=999_999, programme=self.programme, title="Verdwenen", theme="other")
        before = self.folders()
        with self.assertRaises(ValidationError):
            import_package(io.BytesIO(zips.package()), module=gone, by=self.editor)
        self.assertEqual(self.folders(), before)

    def test_only_editors_import(self) -> None:
        with self.assertRaises(PermissionDenied):
            import_package(io.BytesIO(zips.package()), module=self.module, by=self.manager)
        self.assertEqual(self.folders(), {self.golf.folder.split("/")[1]})

    def test_only_a_zip_file(self) -> None:
        self.login(self.editor)
        response = self.client.post(self.url, {"package": upload("golf.pdf", b"%PDF")})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Step.objects.filter(kind=StepKind.SCORM, module=self.module).exists())

    def test_learners_and_managers_do_not_get_the_page(self) -> None:
        for user in (self.alice, self.manager, self.adviser):
            with self.subTest(user=user.email):
                self.login(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                data = zips.package()
                response = self.client.post(self.url, {"package": upload("p.zip", data)})
                self.assertEqual(response.status_code, 404)
        self.assertFalse(Step.objects.filter(kind=StepKind.SCORM, module=self.module).exists())


class ReplaceTests(ScormTestCase):
    def test_a_new_version_gets_a_new_folder_and_the_old_one_goes(self) -> None:
        self.login(self.editor)
        old = self.golf.folder
        url = reverse("scorm:replace", args=[self.golf_step.pk])
        data = zips.package()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"package": upload("v2.zip", data)})
        self.assertRedirects(response, reverse("learning:step", args=[self.golf_step.pk]))
        self.golf.refresh_from_db()
        self.assertNotEqual(self.golf.folder, old)
        self.assertEqual(self.golf.launch, "index.html")
        self.assertFalse((self.media_root / old).exists())
        self.assertTrue((self.media_root / self.golf.folder / "index.html").is_file())

    def test_a_refused_version_changes_nothing(self) -> None:
        self.login(self.editor)
        before = self.folders()
        url = reverse("scorm:replace", args=[self.golf_step.pk])
        response = self.client.post(url, {"package": upload("x.zip", b"not a zip")})
        self.assertContains(response, "geen zipbestand", status_code=400)
        self.assertEqual(self.folders(), before)

    def test_only_scorm_steps_and_only_editors(self) -> None:
        self.login(self.editor)
        url = reverse("scorm:replace", args=[self.text_step.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.alice)
        url = reverse("scorm:replace", args=[self.golf_step.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
