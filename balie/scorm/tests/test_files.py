"""Package files: served with their own content type and policy, only to who may see the
module, and never from outside the package folder."""

from __future__ import annotations

from django.urls import reverse

from balie.scorm.tests.base import ScormTestCase


class PackageFileTests(ScormTestCase):
    def url(self, path: str, package=None) -> str:
        return reverse("scorm:file", args=[(package or self.golf).pk, path])

    def get(self, path: str, package=None):
        return self.client.get(self.url(path, package))

    def test_content_types(self) -> None:
        self.login(self.alice)
        cases = {
            "shared/launchpage.html": "text/html",
            "shared/scormfunctions.js": "text/javascript",
            "shared/style.css": "text/css",
            "shared/background.jpg": "image/jpeg",
            "shared/cclicense.png": "image/png",
            "imsmanifest.xml": "application/xml",
        }
        for path, content_type in cases.items():
            with self.subTest(path=path):
                response = self.get(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], content_type)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_the_package_gets_a_policy_of_its_own(self) -> None:
        self.login(self.alice)
        response = self.get("shared/launchpage.html")
        policy = response["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'self'", policy)
        self.assertIn("sandbox allow-scripts allow-same-origin allow-forms allow-modals", policy)
        self.assertIn("script-src 'self' 'unsafe-inline' 'unsafe-eval'", policy)
        self.assertIn("object-src 'none'", policy)
        self.assertEqual(response["X-Frame-Options"], "SAMEORIGIN")
        self.assertIn(b"Course Launch Page", b"".join(response.streaming_content))

    def test_balie_pages_keep_their_strict_policy(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("learning:step", args=[self.golf_step.pk]))
        self.assertIn("frame-ancestors 'none'", response["Content-Security-Policy"])
        self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_paths_out_of_the_package_folder(self) -> None:
        self.login(self.alice)
        (self.media_root / "secret.txt").write_text("not yours")
        for path in (
            "../../secret.txt",
            "shared/../../../secret.txt",
            "%2e%2e/%2e%2e/secret.txt",
            "/etc/passwd",
            "shared/",
            "shared",
            "nothing-here.html",
            "shared/launchpage.html\x00.txt",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.get(path).status_code, 404)

    def test_another_package_folder_is_not_reachable(self) -> None:
        self.login(self.alice)
        other = self.import_into(self.golf_module, "RuntimeBasicCalls_SCORM20043rdEdition.zip")
        escape = f"../{other.folder.split('/')[1]}/shared/launchpage.html"
        self.assertEqual(self.get(escape).status_code, 404)
        self.assertEqual(self.get("shared/launchpage.html", other).status_code, 200)

    def test_a_module_the_learner_may_not_see(self) -> None:
        self.golf_module.is_published = False
        self.golf_module.save()
        for user in (self.alice, self.outsider):
            with self.subTest(user=user.email):
                self.login(user)
                self.assertEqual(self.get("shared/launchpage.html").status_code, 404)
        self.login(self.editor)
        self.assertEqual(self.get("shared/launchpage.html").status_code, 200)

    def test_someone_without_a_role_gets_nothing(self) -> None:
        from balie.orgs.actions import add_person

        nobody = add_person(email="x@nowhere.test", full_name="Niemand", password="x" * 12)
        self.login(nobody)
        self.assertEqual(self.get("shared/launchpage.html").status_code, 404)

    def test_anonymous_visitors_are_sent_to_the_login(self) -> None:
        response = self.get("shared/launchpage.html")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])
