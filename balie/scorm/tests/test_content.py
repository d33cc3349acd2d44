"""Package files on the content host: a different origin without Balie's cookies, reached
only with a signed ticket of the learner's showing, and nothing else there."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from balie.scorm import checks
from balie.scorm.actions import replace_package
from balie.scorm.tests import zips
from balie.scorm.tests.base import ScormTestCase
from balie.scorm.tests.test_runtime import core

LAUNCH = "shared/launchpage.html"


class ContentHostTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The content host gets no cookie: a fresh client, as the browser on another origin.
        self.content = Client()

    def frame_url(self, user=None, package=None) -> str:
        self.login(user or self.alice)
        response = self.client.get(reverse("scorm:start", args=[(package or self.golf).pk]))
        self.assertEqual(response.status_code, 200)
        return response.json()["frameUrl"]

    def get(self, url: str, **extra):
        parts = urlsplit(url)
        return self.content.get(parts.path, HTTP_HOST=parts.netloc, **extra)

    def file(self, path: str, **kwargs):
        return self.get(self.frame_url(**kwargs) + "f/" + path)

    def test_the_frame_is_on_another_origin(self) -> None:
        url = self.frame_url()
        self.assertTrue(url.startswith("http://localhost/"), url)
        self.assertNotEqual(urlsplit(url).netloc, "testserver")

    def test_content_types_without_a_session(self) -> None:
        base = self.frame_url()
        cases = {
            LAUNCH: "text/html",
            "shared/scormfunctions.js": "text/javascript",
            "shared/style.css": "text/css",
            "shared/background.jpg": "image/jpeg",
            "shared/cclicense.png": "image/png",
            "imsmanifest.xml": "application/xml",
        }
        for path, content_type in cases.items():
            with self.subTest(path=path):
                response = self.get(base + "f/" + path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], content_type)
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Referrer-Policy"], "no-referrer")
                self.assertNotIn("Set-Cookie", response)
        self.assertNotIn(settings.SESSION_COOKIE_NAME, self.content.cookies)

    def test_a_package_file_may_be_framed_only_by_balie_and_its_frame(self) -> None:
        response = self.file(LAUNCH)
        policy = response["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'self' http://testserver;", policy)
        self.assertIn("connect-src 'self';", policy)
        self.assertIn("form-action 'self'", policy)
        self.assertIn("sandbox allow-scripts allow-same-origin allow-forms allow-modals", policy)
        self.assertIn("script-src 'self' 'unsafe-inline' 'unsafe-eval';", policy)
        self.assertIn("object-src 'none'", policy)
        self.assertNotIn("X-Frame-Options", response)
        self.assertIn(b"Course Launch Page", b"".join(response.streaming_content))

    def test_the_run_time_frame(self) -> None:
        response = self.get(self.frame_url())
        self.assertEqual(response.status_code, 200)
        policy = response["Content-Security-Policy"]
        self.assertIn("default-src 'none'", policy)
        self.assertIn("script-src http://testserver;", policy)
        self.assertIn("frame-ancestors http://testserver;", policy)
        self.assertContains(response, 'data-balie-origin="http://testserver"')
        self.assertContains(response, "http://testserver/static/vendor/scorm-again/scorm12.min.js")
        self.assertContains(response, "http://testserver/static/scorm/frame.js")

    def test_the_editor_allows_other_websites(self) -> None:
        self.golf.allowed_hosts = "https://fonts.googleapis.com\nhttps://*.vimeo.com\n"
        self.golf.full_clean()
        self.golf.save()
        policy = self.file(LAUNCH)["Content-Security-Policy"]
        self.assertIn(
            "font-src 'self' data: https://fonts.googleapis.com https://*.vimeo.com;", policy
        )
        self.assertIn("frame-src 'self' https://fonts.googleapis.com https://*.vimeo.com;", policy)

    def test_nothing_else_is_served_on_the_content_host(self) -> None:
        token = urlsplit(self.frame_url()).path.split("/")[1]
        for path in (
            "/",
            reverse("learning:my_learning"),
            reverse("learning:notes"),
            reverse("login"),
            "/beheer/",
            "/health/ready",
            "/static/scorm/runtime.js",
            f"/{token}/f/",
            f"/{token}/other/{LAUNCH}",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.content.get(path, HTTP_HOST="localhost").status_code, 404)
        refused = self.content.post(f"/{token}/f/{LAUNCH}", HTTP_HOST="localhost")
        self.assertEqual(refused.status_code, 405)

    def start(self, user=None) -> dict:
        self.login(user or self.alice)
        return self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()

    def farewell(self, frame_url: str, body: object):
        """What frame.js sends with sendBeacon when the page goes: a string, as text/plain."""
        parts = urlsplit(frame_url)
        return self.content.post(
            parts.path + "afscheid",
            data=json.dumps(body),
            content_type="text/plain;charset=UTF-8",
            HTTP_HOST=parts.netloc,
        )

    def test_the_last_commit_as_the_page_goes(self) -> None:
        """The run-time frame's last commit, without cookies or CSRF token: written to the
        showing's attempt; a repeat or an older one (the player page saved them) is not."""
        start = self.start()
        body = {"token": start["token"], "sequence": 3, **core(lesson_location="p7")}
        self.assertEqual(self.farewell(start["frameUrl"], body).status_code, 204)
        self.assertEqual(self.start()["cmi"]["core"]["lesson_location"], "p7")
        for sequence, location in ((3, "p8"), (2, "p9")):
            body = {"token": start["token"], "sequence": sequence, **core(lesson_location=location)}
            self.assertEqual(self.farewell(start["frameUrl"], body).status_code, 204)
        self.assertEqual(self.start()["cmi"]["core"]["lesson_location"], "p7")
        self.assertEqual(
            self.content.get(
                urlsplit(start["frameUrl"]).path + "afscheid", HTTP_HOST="localhost"
            ).status_code,
            405,
        )

    def test_the_last_commit_writes_only_the_showings_own_attempt(self) -> None:
        alice, bob = self.start(), self.start(self.bob)
        forged = "http://localhost/x" + urlsplit(alice["frameUrl"]).path[1:]
        cases = {
            "bob's commit ticket in alice's frame": (alice["frameUrl"], bob["token"], 400),
            "a forged commit ticket": (alice["frameUrl"], alice["token"] + "x", 400),
            "a forged frame ticket": (forged, alice["token"], 404),
        }
        for name, (frame_url, token, status) in cases.items():
            with self.subTest(name):
                body = {"token": token, "sequence": 1, **core(lesson_location="x")}
                self.assertEqual(self.farewell(frame_url, body).status_code, status)
        for body in ("not json", {"token": alice["token"], **core()}, ["a list"]):
            with self.subTest(body=body):
                self.assertEqual(self.farewell(alice["frameUrl"], body).status_code, 400)
        self.assertEqual(self.start()["cmi"]["core"]["lesson_location"], "")
        path = urlsplit(alice["frameUrl"]).path + "afscheid"
        self.assertEqual(self.client.post(path, "{}", content_type="text/plain").status_code, 404)

    def test_balie_does_not_serve_package_files_on_its_own_host(self) -> None:
        path = urlsplit(self.frame_url()).path + "f/" + LAUNCH
        self.assertEqual(self.client.get(path).status_code, 404)

    def test_balie_pages_keep_their_strict_policy(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("learning:step", args=[self.golf_step.pk]))
        policy = response["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertIn("frame-src http://localhost:*", policy)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        # A package step's page may send a form to the content host (a cmi5 AU starts with a
        # POST that is redirected there); no other page may, the login page included.
        self.assertIn("form-action 'self' http://localhost:*", policy)
        for url in (
            reverse("learning:step", args=[self.text_step.pk]),
            reverse("learning:my_learning"),
            reverse("login"),
        ):
            with self.subTest(url=url):
                other = self.client.get(url)["Content-Security-Policy"]
                self.assertIn("form-action 'self';", other + ";")
                self.assertNotIn("localhost", other.split("form-action")[1].split(";")[0])

    def test_a_forged_or_expired_ticket(self) -> None:
        url = self.frame_url()
        token = urlsplit(url).path.split("/")[1]
        forged = url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
        self.assertEqual(self.get(forged + "f/" + LAUNCH).status_code, 404)
        self.assertEqual(self.get("http://localhost/not-a-ticket/f/" + LAUNCH).status_code, 404)
        later = timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
        with time_machine.travel(later):
            self.assertEqual(self.get(url + "f/" + LAUNCH).status_code, 404)

    def test_a_ticket_stops_working_when_the_learner_may_no_longer_see_it(self) -> None:
        url = self.frame_url() + "f/" + LAUNCH
        self.assertEqual(self.get(url).status_code, 200)
        self.golf_module.is_published = False
        self.golf_module.save()
        self.assertEqual(self.get(url).status_code, 404)
        self.golf_module.is_published = True
        self.golf_module.save()
        self.alice.is_active = False
        self.alice.save()
        self.assertEqual(self.get(url).status_code, 404)

    def test_a_replaced_package_needs_a_new_ticket(self) -> None:
        url = self.frame_url() + "f/imsmanifest.xml"
        replace_package(io.BytesIO(zips.package()), step=self.golf_step, by=self.editor)
        self.assertEqual(self.get(url).status_code, 404)

    def test_modules_and_people_that_may_not_see_the_package_get_no_ticket(self) -> None:
        self.golf_module.is_published = False
        self.golf_module.save()
        for user in (self.alice, self.outsider):
            with self.subTest(user=user.email):
                self.login(user)
                response = self.client.get(reverse("scorm:start", args=[self.golf.pk]))
                self.assertEqual(response.status_code, 404)

    def test_paths_out_of_the_package_folder(self) -> None:
        (self.media_root / "secret.txt").write_text("not yours")
        base = self.frame_url() + "f/"
        for path in (
            "../../secret.txt",
            "shared/../../../secret.txt",
            "%2e%2e/%2e%2e/secret.txt",
            "/etc/passwd",
            "shared/",
            "nothing-here.html",
            "shared/launchpage.html%00.txt",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.get(base + path).status_code, 404)

    def test_another_package_folder_is_not_reachable(self) -> None:
        other = self.import_into(self.golf_module, "RuntimeBasicCalls_SCORM20043rdEdition.zip")
        escape = f"../{other.folder.split('/')[1]}/shared/launchpage.html"
        self.assertEqual(self.file(escape).status_code, 404)
        self.assertEqual(self.file(LAUNCH, package=other).status_code, 200)


@override_settings(
    BALIE_CONTENT_ORIGIN="https://inhoud.balie.example",
    ALLOWED_HOSTS=["testserver", "localhost", "inhoud.balie.example"],
)
class ContentOriginSettingTests(ScormTestCase):
    def test_the_second_host_name(self) -> None:
        self.login(self.alice)
        start = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()
        url = start["frameUrl"]
        self.assertTrue(url.startswith("https://inhoud.balie.example/"), url)
        path = urlsplit(url).path
        content = Client()
        response = content.get(path + "f/" + LAUNCH, HTTP_HOST="inhoud.balie.example")
        self.assertEqual(response.status_code, 200)
        # localhost is Balie's own host now: it does not serve package files.
        self.assertEqual(content.get(path, HTTP_HOST="localhost").status_code, 404)
        self.assertEqual(
            content.get(reverse("login"), HTTP_HOST="inhoud.balie.example").status_code, 404
        )


class DeployCheckTests(ScormTestCase):
    def test_production_needs_its_own_content_origin(self) -> None:
        self.assertEqual([w.id for w in checks.content_origin(None)], ["scorm.W001"])
        with override_settings(BALIE_CONTENT_ORIGIN="https://inhoud.balie.example"):
            self.assertEqual(checks.content_origin(None), [])
        with override_settings(
            BALIE_CONTENT_ORIGIN="http://inhoud.balie.example", SESSION_COOKIE_SECURE=True
        ):
            self.assertEqual([w.id for w in checks.content_origin(None)], ["scorm.W002"])
