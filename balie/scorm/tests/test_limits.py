"""What a package may be and load: web pages only as launch files, limits on its unpacked
size, its files and an organisation's storage (from the settings), one upload limit, and the
other websites it names (warned about at upload, allowed per package in Beheer)."""

from __future__ import annotations

import io
import json
import os

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from balie.learning.models import Step
from balie.scorm.actions import import_package, replace_package
from balie.scorm.models import Package
from balie.scorm.package import PackageError
from balie.scorm.tests import zips
from balie.scorm.tests.base import ScormTestCase


def upload(data: bytes, name: str = "pakket.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def noise(size: int) -> bytes:
    """Bytes that do not compress: a zip of them is as large as they are."""
    return os.urandom(size)


class LimitTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.url = reverse("scorm:upload", args=[self.module.pk])
        self.login(self.editor)

    def post(self, data: bytes):
        return self.client.post(self.url, {"package": upload(data)})

    def assert_refused(self, data: bytes, message: str) -> None:
        before = (self.folders(), Step.objects.count(), Package.objects.count())
        response = self.post(data)
        self.assertContains(response, message, status_code=400)
        self.assertEqual(before, (self.folders(), Step.objects.count(), Package.objects.count()))

    def test_only_web_pages_are_launched(self) -> None:
        for href in ("setup.exe", "index.php", "course.pdf", "page.html.exe"):
            with self.subTest(href=href):
                data = zips.build(
                    {
                        "imsmanifest.xml": zips.manifest(href=href).replace(
                            '<file href="index.html"/>', f'<file href="{href}"/>'
                        ),
                        href: b"MZ",
                    }
                )
                self.assert_refused(
                    data,
                    f"Het pakket start &#x27;{href}&#x27;. Balie start in een pakket alleen "
                    "webpagina&#x27;s (.html of .htm).",
                )
        for href in ("index.htm", "Index.HTML", "start.html?page=2"):
            with self.subTest(href=href):
                path = href.split("?")[0]
                manifest = zips.manifest(href=href).replace('<file href="index.html"/>', "")
                data = zips.build({"imsmanifest.xml": manifest, path: zips.PAGE})
                self.assertEqual(self.post(data).status_code, 302)

    @override_settings(BALIE_PACKAGE_MAX_FILES=3)
    def test_the_number_of_files(self) -> None:
        data = zips.package(**{"a.css": "a", "b.css": "b"})
        self.assert_refused(data, "Het pakket bevat meer dan 3 bestanden.")
        self.assertEqual(self.post(zips.package(**{"a.css": "a"})).status_code, 302)

    @override_settings(BALIE_PACKAGE_MAX_MB=1)
    def test_the_unpacked_size_as_the_zip_declares_it(self) -> None:
        data = zips.package(**{"video.mp4": noise(700_000), "audio.mp3": noise(700_000)})
        self.assert_refused(data, "Uitgepakt is het pakket groter dan 1 MB.")

    @override_settings(BALIE_PACKAGE_MAX_MB=1)
    def test_the_unpacked_size_as_it_comes_out(self) -> None:
        # The zip says 1000 bytes; 3 MB would come out. Unpacking stops at what the zip
        # says (the rest fails its checksum) and nothing stays.
        self.assert_refused(
            zips.lying_bomb(3 * 2**20, 1000),
            "Het bestand &#x27;index.html&#x27; in het zipbestand is beschadigd.",
        )

    @override_settings(BALIE_PACKAGE_STORAGE_MB=2)
    def test_the_storage_of_an_organisation(self) -> None:
        used = Package.objects.get(pk=self.golf.pk).size  # the golf sample, by the same editor
        self.assertEqual(self.golf.organisation, self.national)
        fits = 2 * 2**20 - used - 300_000
        self.assertEqual(self.post(zips.package(**{"v.mp4": noise(fits)})).status_code, 302)
        self.assert_refused(
            zips.package(**{"w.mp4": noise(600_000)}),
            "Er is geen ruimte voor dit pakket: de pakketten van je organisatie mogen samen "
            "2 MB innemen",
        )
        # A new version counts instead of the one it replaces.
        replace_package(
            io.BytesIO(zips.package(**{"w.mp4": noise(600_000)})),
            step=self.golf_step,
            by=self.editor,
        )
        with self.assertRaises(PackageError):
            import_package(
                io.BytesIO(zips.package(**{"x.mp4": noise(600_000)})),
                module=self.module,
                by=self.editor,
            )

    @override_settings(BALIE_UPLOAD_MAX_MB=1)
    def test_one_upload_limit(self) -> None:
        form = self.client.get(self.url)
        self.assertContains(form, "Hoogstens 1 MB.")
        self.assert_refused(
            zips.package(**{"video.mp4": noise(1_200_000)}),
            "Het bestand is groter dan 1 MB. Maak het pakket kleiner",
        )

    def test_the_default_upload_limit_matches_the_proxy(self) -> None:
        self.assertContains(self.client.get(self.url), "Hoogstens 20 MB.")

    def test_other_websites_are_named_at_upload(self) -> None:
        page = (
            b'<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head>'
            b'<link href="https://fonts.googleapis.com/css2?family=Inter" rel="stylesheet">'
            b'<script src="https://cdn.jsdelivr.net/npm/jquery"></script></head><body>'
            b'<iframe src="https://www.youtube.com/embed/abc"></iframe></body></html>'
        )
        style = b"@import url('https://fonts.googleapis.com/x'); a { color: red }"
        response = self.post(zips.package(**{"index.html": page, "style.css": style}))
        self.assertEqual(response.status_code, 302)
        package = Package.objects.latest("pk")
        self.assertEqual(
            package.external_hosts,
            ["cdn.jsdelivr.net", "fonts.googleapis.com", "www.youtube.com"],
        )
        warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
        self.assertEqual(len(warnings), 1)
        self.assertIn("cdn.jsdelivr.net, fonts.googleapis.com, www.youtube.com", warnings[0])
        self.assertIn("Beheer", warnings[0])

    def test_a_new_version_warns_only_about_websites_not_yet_allowed(self) -> None:
        self.golf.allowed_hosts = "https://fonts.googleapis.com\nhttps://*.youtube.com"
        self.golf.save()
        page = (
            b'<link href="https://fonts.googleapis.com/css2?family=Inter" rel="stylesheet">'
            b'<iframe src="https://www.youtube.com/embed/abc"></iframe>'
            b'<script src="https://cdn.jsdelivr.net/npm/jquery"></script>'
        )
        response = self.client.post(
            reverse("scorm:replace", args=[self.golf_step.pk]),
            {"package": upload(zips.package(**{"index.html": page}))},
        )
        warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
        self.assertEqual(len(warnings), 1)
        self.assertIn("andere websites: cdn.jsdelivr.net.", warnings[0])

    def test_a_package_that_names_no_other_website_gets_no_warning(self) -> None:
        response = self.post(zips.package())
        self.assertEqual(Package.objects.latest("pk").external_hosts, [])
        levels = [m.level_tag for m in get_messages(response.wsgi_request)]
        self.assertEqual(levels, ["success"])


class AllowanceTests(ScormTestCase):
    def change_url(self) -> str:
        return reverse("admin:scorm_package_change", args=[self.golf.pk])

    def test_an_editor_allows_other_websites_in_beheer(self) -> None:
        self.login(self.editor)
        response = self.client.get(self.change_url())
        self.assertContains(response, 'name="allowed_hosts"')
        response = self.client.post(
            self.change_url(),
            {
                "finish_rule": "never",
                "allowed_hosts": "https://fonts.googleapis.com\r\nhttps://*.vimeo.com",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.golf.refresh_from_db()
        self.assertEqual(
            self.golf.allowed_sources, ["https://fonts.googleapis.com", "https://*.vimeo.com"]
        )
        # Nothing else of the package changes here.
        self.assertEqual(self.golf.title, Package.objects.get(pk=self.golf.pk).title)

    def test_only_https_hosts_without_a_path(self) -> None:
        self.login(self.editor)
        for wrong in (
            "http://cdn.example.com",
            "https://cdn.example.com/js",
            "*",
            "'unsafe-eval'",
            "https://a.example; script-src *",
        ):
            with self.subTest(wrong=wrong):
                response = self.client.post(
                    self.change_url(), {"finish_rule": "never", "allowed_hosts": wrong}
                )
                self.assertContains(response, "Geen websiteadres zoals")
        self.golf.refresh_from_db()
        self.assertEqual(self.golf.allowed_hosts, "")

    def test_other_roles_do_not_set_it(self) -> None:
        for user in (self.alice, self.manager):
            with self.subTest(user=user.email):
                self.login(user)
                response = self.client.post(
                    self.change_url(), {"allowed_hosts": "https://x.example"}
                )
                self.assertIn(response.status_code, (302, 403))
        self.golf.refresh_from_db()
        self.assertEqual(self.golf.allowed_hosts, "")


class CommitChannelTests(ScormTestCase):
    def test_a_commit_needs_the_player_pages_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        token = client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
        body = json.dumps({"token": token, "sequence": 1, "cmi": {"core": {}}})
        refused = client.post(reverse("scorm:commit"), body, content_type="application/json")
        self.assertEqual(refused.status_code, 403)
        client.get(reverse("learning:step", args=[self.golf_step.pk]))
        csrf = client.cookies["csrftoken"].value
        saved = client.post(
            reverse("scorm:commit"), body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        self.assertEqual(saved.status_code, 200)
        # The player page's beats go the same way.
        beat = json.dumps({"token": token, "beat": 30})
        refused = client.post(reverse("scorm:commit"), beat, content_type="application/json")
        self.assertEqual(refused.status_code, 403)
