"""The run-time: launch data, commits (ticket, newer wins, time), and completion that
finishes the step and the module."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from balie.learning.models import ModuleProgress, StepProgress
from balie.scorm.models import Attempt
from balie.scorm.tests.base import ScormTestCase


def core(**values) -> dict:
    base = {
        "lesson_location": "",
        "lesson_status": "incomplete",
        "exit": "",
        "session_time": "00:00:00",
        "score": {"raw": "", "min": "", "max": ""},
    }
    return {"cmi": {"core": {**base, **values}, "suspend_data": values.pop("suspend", "")}}


class RuntimeTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)
        self.commit_url = reverse("scorm:commit")

    def start(self, package=None) -> dict:
        response = self.client.get(reverse("scorm:start", args=[(package or self.golf).pk]))
        self.assertEqual(response.status_code, 200)
        return response.json()

    def commit(self, token: str | None, sequence: int, cmi: dict, **extra):
        body = {"token": token, "sequence": sequence, **cmi}
        # The test client skips the CSRF check (test_limits.py checks the player page's token).
        return self.client.post(
            self.commit_url, json.dumps(body), content_type="text/plain;charset=UTF-8", **extra
        )

    def attempt(self) -> Attempt:
        return Attempt.objects.get(user=self.alice, package=self.golf)

    def test_start_gives_a_fresh_learner_the_beginning(self) -> None:
        start = self.start()
        self.assertEqual(start["version"], "1.2")
        self.assertEqual(start["commitUrl"], self.commit_url)
        self.assertEqual(start["launch"], "shared/launchpage.html")
        self.assertTrue(start["frameUrl"].startswith("http://localhost/"))
        self.assertEqual(start["cmi"]["core"]["entry"], "ab-initio")
        self.assertEqual(start["cmi"]["core"]["student_name"], "Alice de Vries")
        self.assertFalse(Attempt.objects.exists())

    def test_a_commit_is_saved_and_given_back_on_the_next_start(self) -> None:
        token = self.start()["token"]
        cmi = core(lesson_location="7", suspend="page=7", score={"raw": "80", "min": "0"})
        response = self.commit(token, 1, cmi)
        answer = response.json()
        self.assertEqual(
            {key: answer[key] for key in ("result", "errorCode", "applied", "stepDone")},
            {"result": True, "errorCode": 0, "applied": True, "stepDone": False},
        )
        again = self.start()["cmi"]
        self.assertEqual(again["core"]["entry"], "resume")
        self.assertEqual(again["core"]["lesson_location"], "7")
        self.assertEqual(again["core"]["lesson_status"], "incomplete")
        self.assertEqual(again["core"]["score"], {"raw": "80", "min": "0"})
        self.assertEqual(again["suspend_data"], "page=7")

    def test_scorm_2004_uses_its_own_names(self) -> None:
        package = self.import_into(self.golf_module, "RuntimeBasicCalls_SCORM20043rdEdition.zip")
        token = self.start(package)["token"]
        cmi = {
            "cmi": {
                "location": "3",
                "completion_status": "incomplete",
                "success_status": "unknown",
                "suspend_data": "x",
                "score": {"scaled": "0.5", "raw": "50"},
                "session_time": "PT1M30S",
            }
        }
        self.assertEqual(self.commit(token, 1, cmi).status_code, 200)
        again = self.start(package)["cmi"]
        self.assertEqual((again["location"], again["entry"]), ("3", "resume"))
        self.assertEqual(again["score"], {"scaled": "0.5", "raw": "50"})

    def test_newer_wins_and_a_repeat_changes_nothing(self) -> None:
        token = self.start()["token"]
        self.commit(token, 2, core(lesson_location="5"))
        late = self.commit(token, 1, core(lesson_location="2"))
        self.assertEqual(late.json()["applied"], False)
        again = self.commit(token, 2, core(lesson_location="5"))
        self.assertEqual(again.json()["applied"], False)
        self.assertEqual(self.attempt().data["location"], "5")

    def test_a_later_page_beats_an_earlier_page(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            first = self.start()["token"]
            clock.shift(timedelta(seconds=5))
            second = self.start()["token"]
            self.commit(second, 1, core(lesson_location="9"))
            # The old tab's commit number is higher, but its page is older.
            self.assertFalse(self.commit(first, 50, core(lesson_location="1")).json()["applied"])
        self.assertEqual(self.attempt().data["location"], "9")

    def test_commits_need_the_ticket_of_a_page_given_to_this_learner(self) -> None:
        token = self.start()["token"]
        self.assertEqual(self.commit(None, 1, core()).status_code, 400)
        self.assertEqual(self.commit(token[:-2] + "xx", 1, core()).status_code, 400)
        self.assertEqual(self.commit(token, "1", core()).status_code, 400)
        self.login(self.bob)
        refused = self.commit(token, 1, core())
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["result"], False)
        self.client.logout()
        self.assertEqual(self.commit(token, 1, core()).status_code, 403)
        self.assertFalse(Attempt.objects.exists())

    def test_a_stale_ticket_is_refused(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.start()["token"]
            clock.shift(timedelta(hours=25))
            self.login(self.alice)  # the session itself lasts only 12 hours
            response = self.commit(token, 1, core())
        self.assertEqual(response.status_code, 400)
        self.assertIn("Laad de pagina opnieuw", response.json()["error"])

    def test_malformed_commits(self) -> None:
        token = self.start()["token"]
        cases = [
            core(lesson_status="gewonnen"),
            core(lesson_location="x" * 1001),
            {"cmi": "nope"},
            {"cmi": {"suspend_data": ""}},
        ]
        for cmi in cases:
            with self.subTest(cmi=str(cmi)[:60]):
                self.assertEqual(self.commit(token, 1, cmi).status_code, 400)
        broken = self.client.post(self.commit_url, "{", content_type="text/plain")
        self.assertEqual(broken.status_code, 400)

    def test_a_package_the_learner_may_no_longer_see(self) -> None:
        token = self.start()["token"]
        self.golf_module.is_published = False
        self.golf_module.save()
        self.assertEqual(self.commit(token, 1, core()).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("scorm:start", args=[self.golf.pk])).status_code, 404
        )

    def test_session_time_goes_to_time_on_task_once(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.start()["token"]
            clock.shift(timedelta(minutes=3))
            self.commit(token, 1, core(session_time="00:02:00"))
            self.commit(token, 2, core(session_time="00:02:00"))
            self.commit(token, 3, core(session_time="00:02:30"))
            # A second page showing, later: its time adds up.
            clock.shift(timedelta(minutes=1))
            second = self.start()["token"]
            self.assertEqual(self.start()["cmi"]["core"]["total_time"], "0000:02:30")
            clock.shift(timedelta(minutes=2))
            self.commit(second, 1, core(total_time="0000:03:30"))
        attempt = self.attempt()
        self.assertEqual((attempt.total_seconds, attempt.sessions), (210, 2))
        progress = StepProgress.objects.get(user=self.alice, step=self.golf_step)
        self.assertEqual(progress.seconds, 210)
        self.assertEqual(ModuleProgress.objects.get(user=self.alice).seconds, 210)

    def test_reported_time_is_capped_by_the_clock(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.start()["token"]
            clock.shift(timedelta(seconds=30))
            self.commit(token, 1, core(session_time="05:00:00"))
        self.assertEqual(self.attempt().session_seconds, 30)

    def test_completion_finishes_the_step_and_the_module(self) -> None:
        token = self.start()["token"]
        response = self.commit(token, 1, core(lesson_status="completed", lesson_location="14"))
        self.assertTrue(response.json()["stepDone"])
        progress = ModuleProgress.objects.get(user=self.alice, module=self.golf_module)
        self.assertTrue(progress.is_done)
        self.assertIsNotNone(StepProgress.objects.get(user=self.alice, step=self.golf_step).seen_at)

    def test_passed_counts_failed_does_not(self) -> None:
        token = self.start()["token"]
        self.assertFalse(self.commit(token, 1, core(lesson_status="failed")).json()["stepDone"])
        self.assertFalse(ModuleProgress.objects.get(user=self.alice).is_done)
        self.assertTrue(self.commit(token, 2, core(lesson_status="passed")).json()["stepDone"])
        self.assertTrue(ModuleProgress.objects.get(user=self.alice).is_done)

    def test_attempts_are_private(self) -> None:
        token = self.start()["token"]
        self.commit(token, 1, core(lesson_location="4", suspend="alice's"))
        self.login(self.bob)
        start = self.start()
        self.assertEqual(start["cmi"]["core"]["lesson_location"], "")
        self.assertEqual(start["cmi"]["suspend_data"], "")


class PlayerTests(ScormTestCase):
    """The module player with a SCORM step."""

    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)
        self.url = reverse("learning:step", args=[self.golf_step.pk])

    def test_the_player_loads_the_runtime_and_no_heartbeat(self) -> None:
        response = self.client.get(self.url)
        # scorm-again runs in the run-time frame on the content host (test_content.py).
        self.assertContains(response, "scorm/runtime.js")
        self.assertNotContains(response, "vendor/scorm-again/")
        self.assertContains(response, reverse("scorm:start", args=[self.golf.pk]))
        self.assertContains(response, 'title="Golf Explained - Run-time Basic Calls"')
        self.assertNotContains(response, "data-time-url")
        self.assertNotContains(response, reverse("scorm:upload", args=[self.golf_module.pk]))

    def test_editors_see_where_to_upload_and_replace(self) -> None:
        self.login(self.editor)
        response = self.client.get(self.url)
        self.assertContains(response, reverse("scorm:upload", args=[self.golf_module.pk]))
        self.assertContains(response, reverse("scorm:replace", args=[self.golf_step.pk]))

    def test_next_does_not_mark_an_unfinished_package_as_seen(self) -> None:
        response = self.client.post(reverse("learning:step_next", args=[self.golf_step.pk]))
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertFalse(
            StepProgress.objects.filter(step=self.golf_step, seen_at__isnull=False).exists()
        )
        self.assertContains(self.client.get(self.url), "telt als klaar zodra je het hebt afgerond")

    def test_next_moves_on_once_the_package_is_done(self) -> None:
        token = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
        body = {"token": token, "sequence": 1, **core(lesson_status="completed")}
        self.client.post(reverse("scorm:commit"), json.dumps(body), content_type="text/plain")
        response = self.client.post(reverse("learning:step_next", args=[self.golf_step.pk]))
        self.assertRedirects(response, reverse("learning:module_done", args=[self.golf_module.pk]))
