"""/media/<path>: an uploaded file only for whoever may see what holds it, with byte ranges."""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse

from balie.cohorts import actions as cohort_actions
from balie.cohorts.models import Material
from balie.learning.models import StepKind
from balie.personas.models import Persona, PersonaKind
from balie.personas.pictures import draw
from balie.testing import BaseTestCase, make_step
from balie.views import UPLOAD_FOLDERS, byte_range

VIDEO = bytes(range(256)) * 40  # 10,240 bytes, each position recognisable


class MediaTests(BaseTestCase):
    def setUp(self) -> None:
        # Files go to the test's own MEDIA_ROOT (conftest.py), so they are made per test.
        self.video_step = make_step(
            self.module,
            StepKind.VIDEO,
            title="Video",
            transcript="Tekst.",
            video_file=ContentFile(VIDEO, name="uitleg.mp4"),
        )
        self.persona = Persona.objects.create(
            name="Gerrit van Dijk",
            kind=PersonaKind.CUSTOMER,
            library=self.other_library,
            is_published=True,
            image=ContentFile(draw("GD", (21, 66, 115), "envelope"), name="gerrit.png"),
        )

    def get(self, path: str, **headers):
        return self.client.get(reverse("media", kwargs={"path": path}), headers=headers)

    def test_the_whole_file_with_its_type(self) -> None:
        self.login(self.alice)
        response = self.get(self.video_step.video_file.name)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), VIDEO)
        self.assertEqual(response["Content-Type"], "video/mp4")
        self.assertEqual(response["Accept-Ranges"], "bytes")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response["Content-Disposition"].startswith("inline"))

    def test_a_range_answers_206_with_those_bytes(self) -> None:
        self.login(self.alice)
        response = self.get(self.video_step.video_file.name, Range="bytes=1000-1099")
        self.assertEqual(response.status_code, 206)
        self.assertEqual(b"".join(response.streaming_content), VIDEO[1000:1100])
        self.assertEqual(response["Content-Range"], f"bytes 1000-1099/{len(VIDEO)}")
        self.assertEqual(response["Content-Length"], "100")
        self.assertEqual(response["Content-Type"], "video/mp4")
        # Safari's first question, and an open end.
        probe = self.get(self.video_step.video_file.name, Range="bytes=0-1")
        self.assertEqual(b"".join(probe.streaming_content), VIDEO[:2])
        tail = self.get(self.video_step.video_file.name, Range="bytes=10000-")
        self.assertEqual(b"".join(tail.streaming_content), VIDEO[10000:])

    def test_a_range_past_the_end_answers_416(self) -> None:
        self.login(self.alice)
        response = self.get(self.video_step.video_file.name, Range=f"bytes={len(VIDEO)}-")
        self.assertEqual(response.status_code, 416)
        self.assertEqual(response["Content-Range"], f"bytes */{len(VIDEO)}")

    def test_byte_ranges(self) -> None:
        self.assertEqual(byte_range("bytes=0-99", 1000), (0, 99))
        self.assertEqual(byte_range("bytes=900-5000", 1000), (900, 999))
        self.assertEqual(byte_range("bytes=-100", 1000), (900, 999))
        self.assertEqual(byte_range("bytes=-5000", 1000), (0, 999))
        for ignored in ("", "bytes=5-1", "bytes=0-1,5-9", "items=0-1", "bytes=-"):
            self.assertIsNone(byte_range(ignored, 1000), ignored)

    def test_another_librarys_persona_image_is_not_found(self) -> None:
        path = self.persona.image.name
        self.login(self.alice)
        self.assertEqual(self.get(path).status_code, 404)
        self.login(self.outsider)  # her own library's persona
        response = self.get(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/png")

    def test_a_step_out_of_reach_is_not_found(self) -> None:
        self.programme.is_published = False
        self.programme.save()
        self.login(self.alice)
        self.assertEqual(self.get(self.video_step.video_file.name).status_code, 404)

    def test_a_meeting_material_for_the_cohort_only(self) -> None:
        cohort = cohort_actions.start_cohort(
            self.programme,
            library=self.library,
            name="HP-2026-FO",
            adviser=self.adviser,
            manager=self.manager,
            starts_on=date(2026, 12, 1),
            participants=[self.alice],
        )
        material = Material.objects.create(
            meeting=cohort.meetings.first(),
            title="Hand-out",
            file=ContentFile(b"<script>alert(1)</script>", name="hand-out.html"),
        )
        self.login(self.alice)
        response = self.get(material.file.name)
        self.assertEqual(response.status_code, 200)
        # Not a page of Balie's own: downloaded, never shown.
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        self.login(self.outsider)
        self.assertEqual(self.get(material.file.name).status_code, 404)

    def test_paths_that_leave_their_folder_are_not_found(self) -> None:
        self.login(self.editor)  # sees every step and persona
        name = self.video_step.video_file.name
        for path in (
            f"videos/../{name}",
            f"videos/./{name.split('/')[1]}",
            "videos/../../etc/passwd",
            "../settings.py",
            "videos",
            f"scorm/{name}",
            "nothing-here.txt",
            f"{name}%00",
        ):
            with self.subTest(path=path):
                response = self.client.get(f"/media/{path}")
                self.assertEqual(response.status_code, 404)

    def test_a_file_missing_from_disk_is_not_found(self) -> None:
        self.login(self.alice)
        self.video_step.video_file.storage.delete(self.video_step.video_file.name)
        self.assertEqual(self.get(self.video_step.video_file.name).status_code, 404)

    def test_not_logged_in_goes_to_the_login_page(self) -> None:
        self.assertEqual(self.get(self.video_step.video_file.name).status_code, 302)

    def test_every_upload_folder_is_scoped(self) -> None:
        """A new FileField must say here who may see its files; until then they are 404."""
        folders = {
            field.upload_to.rstrip("/")
            for model in apps.get_models()
            for field in model._meta.get_fields()
            if isinstance(field, models.FileField)
        }
        self.assertEqual(folders, set(UPLOAD_FOLDERS))
