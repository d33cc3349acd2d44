"""Attempts per SCO through HTTP: each SCO keeps its own bookmark, forced order is enforced
by the start endpoint, the package is done by its own rules, "Opnieuw proberen", the
editor's rule for packages that never report, and the statements of questions."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from balie.learning.models import StepProgress
from balie.lrs.models import Statement
from balie.orgs.models import User
from balie.scorm import content
from balie.scorm.actions import import_package
from balie.scorm.models import Attempt, FinishRule, Package
from balie.scorm.tests import zips
from balie.scorm.tests.base import ScormTestCase


def cmi(**values) -> dict:
    return {"cmi": {"completion_status": "incomplete", "success_status": "unknown", **values}}


class MultiScoTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ordered = self.add(zips.three_in_order())
        self.tested = self.add(zips.with_post_test())
        self.login(self.alice)

    def add(self, data: bytes) -> Package:
        return import_package(io.BytesIO(data), module=self.golf_module, by=self.editor)

    def start(self, package: Package, sco: str = "", status: int = 200) -> dict:
        url = reverse("scorm:start", args=[package.pk]) + (f"?sco={sco}" if sco else "")
        response = self.client.get(url)
        self.assertEqual(response.status_code, status, response.content)
        return response.json()

    def commit(self, token: str, sequence: int, body: dict) -> dict:
        payload = json.dumps({"token": token, "sequence": sequence, **body})
        response = self.client.post(reverse("scorm:commit"), payload, content_type="text/plain")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def seen(self, package: Package) -> bool:
        return StepProgress.objects.filter(
            user=self.alice, step=package.step, seen_at__isnull=False
        ).exists()

    def test_forced_order_each_sco_its_own_bookmark(self) -> None:
        first = self.start(self.ordered)
        self.assertEqual(first["sco"], "one")
        self.assertEqual(first["launch"], "one.html")
        refused = self.start(self.ordered, "two", status=409)
        self.assertIn("Maak eerst ‘Deel een’ af", refused["error"])
        answer = self.commit(first["token"], 1, cmi(location="p3", completion_status="completed"))
        self.assertTrue(answer["state"]["next"]["available"])
        self.assertFalse(answer["stepDone"])

        second = self.start(self.ordered, "two")
        self.assertEqual(second["cmi"]["location"], "")  # no bookmark leaks from "one"
        self.assertEqual(second["cmi"]["entry"], "ab-initio")
        self.commit(second["token"], 1, cmi(location="q7"))
        self.assertEqual(self.start(self.ordered, "one")["cmi"]["location"], "p3")
        again = self.start(self.ordered)  # the step opened again: the SCO of last time
        self.assertEqual(again["sco"], "two")
        self.assertEqual(again["cmi"]["location"], "q7")
        self.assertEqual(again["launch"], "two.html")
        # The SCO's page comes from the content host, under the showing's frame address.
        frame = urlsplit(again["frameUrl"])
        page = Client().get(frame.path + "f/two.html", HTTP_HOST=frame.netloc)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(Attempt.objects.filter(user=self.alice, package=self.ordered).count(), 2)

        self.commit(again["token"], 2, cmi(completion_status="completed"))
        third = self.start(self.ordered, "three")
        self.assertTrue(
            self.commit(third["token"], 1, cmi(completion_status="completed"))["stepDone"]
        )
        self.assertTrue(self.seen(self.ordered))

    def test_each_part_gets_a_run_time_frame_bound_to_its_attempt(self) -> None:
        first = self.start(self.ordered)
        self.commit(first["token"], 1, cmi(completion_status="completed"))
        second = self.start(self.ordered, "two")
        frame = urlsplit(second["frameUrl"])
        self.assertEqual(frame.netloc, "localhost")  # the content host, not Balie's
        ticket = content.read_ticket(frame.path.strip("/"))
        session = Attempt.read_token(second["token"], user=User.objects.get(pk=ticket.user_id))
        self.assertEqual((session.sco, session.number), ("two", 1))
        self.assertEqual(ticket.session, session.id.hex)
        self.assertNotEqual(second["frameUrl"], first["frameUrl"])

    def test_the_list_shows_closed_parts_with_the_reason(self) -> None:
        response = self.client.get(reverse("learning:step", args=[self.ordered.step_id]))
        self.assertContains(response, "Maak eerst ‘Deel een’ af", count=3)  # 2 parts and Next
        self.assertContains(response, "data-scorm-closed", count=2)

    def test_the_run_time_gets_the_passing_score_and_objectives(self) -> None:
        start = self.start(self.tested, "test")
        self.assertEqual(start["cmi"]["scaled_passing_score"], "0.8")
        self.assertEqual(start["cmi"]["objectives"]["0"]["id"], "pass")

    def test_a_failed_post_test_then_try_again_and_pass(self) -> None:
        content = self.start(self.tested, "content")
        self.commit(content["token"], 1, cmi(completion_status="completed"))
        test = self.start(self.tested, "test")
        failed = cmi(completion_status="completed", score={"scaled": 0.4})
        answer = self.commit(test["token"], 1, failed)
        self.assertFalse(answer["stepDone"])
        self.assertTrue(answer["state"]["current_failed"])
        self.assertFalse(self.seen(self.tested))

        retry = reverse("scorm:retry", args=[self.tested.pk])
        self.assertRedirects(
            self.client.post(retry, {"sco": "test"}),
            reverse("learning:step", args=[self.tested.step_id]),
            fetch_redirect_response=False,
        )
        attempts = Attempt.objects.filter(user=self.alice, package=self.tested, sco="test")
        self.assertEqual(sorted(attempts.values_list("number", flat=True)), [1, 2])
        # A late commit of the failed attempt changes nothing.
        self.assertFalse(self.commit(test["token"], 2, failed)["applied"])
        fresh = self.start(self.tested, "test")
        self.assertEqual(fresh["cmi"]["entry"], "ab-initio")
        passed = cmi(completion_status="completed", score={"scaled": 0.9})
        self.assertTrue(self.commit(fresh["token"], 1, passed)["stepDone"])
        self.assertEqual(attempts.get(number=1).data["score"], {"scaled": 0.4})

    def test_only_a_failed_part_can_be_tried_again(self) -> None:
        retry = reverse("scorm:retry", args=[self.tested.pk])
        response = self.client.post(retry, {"sco": "test"}, follow=True)
        self.assertContains(response, "pas opnieuw proberen als je het niet hebt gehaald")
        self.assertFalse(Attempt.objects.exists())

    def test_a_retry_is_only_ever_for_ones_own_attempt(self) -> None:
        test = self.start(self.tested, "test")
        self.commit(test["token"], 1, cmi(completion_status="completed", success_status="failed"))
        self.login(self.outsider)  # the package is national content: she may play it too
        self.assertEqual(self.start(self.tested, "test")["cmi"]["success_status"], "unknown")
        self.client.post(reverse("scorm:retry", args=[self.tested.pk]), {"sco": "test"})
        self.assertEqual(Attempt.objects.filter(sco="test").count(), 1)
        self.assertFalse(Attempt.objects.filter(user=self.outsider).exists())

    def test_answers_become_statements_without_free_text(self) -> None:
        test = self.start(self.tested, "test")
        interactions = {
            "0": {"id": "q1", "type": "choice", "learner_response": "b", "result": "correct"},
            "1": {
                "id": "q2",
                "type": "fill-in",
                "learner_response": "mijn naam",
                "result": "incorrect",
            },
            "2": {"id": "q3", "type": "choice", "learner_response": "a"},
        }
        objectives = {"0": {"id": "pass", "success_status": "passed", "score": {"scaled": "0.9"}}}
        body = cmi(interactions=interactions, objectives=objectives)
        self.commit(test["token"], 1, body)
        self.commit(test["token"], 2, body)  # nothing new
        answered = Statement.objects.filter(verb_id="http://adlnet.gov/expapi/verbs/answered")
        self.assertEqual(answered.count(), 2)
        texts = [json.dumps(s.payload) for s in answered]
        self.assertFalse(any("mijn naam" in text for text in texts))
        self.assertTrue(any('"response": "b"' in text for text in texts))
        passed = Statement.objects.get(verb_id="http://adlnet.gov/expapi/verbs/passed")
        self.assertEqual(passed.payload["result"]["score"], {"scaled": 0.9})
        self.assertIn("/sco/test/objectives/pass", passed.payload["object"]["id"])


class FinishRuleTests(ScormTestCase):
    """A package that never calls the run-time: the player's beats."""

    def setUp(self) -> None:
        super().setUp()
        self.login(self.alice)

    def beat(self, token: str, seconds: int) -> dict:
        payload = json.dumps({"token": token, "beat": seconds})
        response = self.client.post(reverse("scorm:commit"), payload, content_type="text/plain")
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def progress(self) -> StepProgress:
        return StepProgress.objects.get(user=self.alice, step=self.golf_step)

    def test_never_by_default_but_the_time_counts(self) -> None:
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
            clock.shift(timedelta(seconds=90))
            self.assertFalse(self.beat(token, 60)["stepDone"])
            self.assertFalse(self.beat(token, 60)["stepDone"])  # a repeat adds nothing
        self.assertEqual(self.progress().seconds, 60)
        self.assertIsNone(self.progress().seen_at)

    def test_when_opened(self) -> None:
        Package.objects.filter(pk=self.golf.pk).update(finish_rule=FinishRule.OPENED)
        token = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
        self.assertTrue(self.beat(token, 0)["stepDone"])

    def test_after_minutes(self) -> None:
        Package.objects.filter(pk=self.golf.pk).update(
            finish_rule=FinishRule.MINUTES, finish_minutes=2
        )
        with time_machine.travel(timezone.now(), tick=False) as clock:
            token = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
            clock.shift(timedelta(minutes=5))
            self.assertFalse(self.beat(token, 90)["stepDone"])
            self.assertTrue(self.beat(token, 120)["stepDone"])

    def test_a_package_that_says_failed_is_not_finished_by_the_rule(self) -> None:
        Package.objects.filter(pk=self.golf.pk).update(finish_rule=FinishRule.OPENED)
        token = self.client.get(reverse("scorm:start", args=[self.golf.pk])).json()["token"]
        body = {"token": token, "sequence": 1, "cmi": {"core": {"lesson_status": "failed"}}}
        self.client.post(reverse("scorm:commit"), json.dumps(body), content_type="text/plain")
        self.assertFalse(self.beat(token, 10)["stepDone"])

    def test_editors_choose_the_rule_in_beheer(self) -> None:
        self.login(self.editor)
        url = reverse("admin:scorm_package_change", args=[self.golf.pk])
        response = self.client.post(url, {"finish_rule": "minutes", "finish_minutes": ""})
        self.assertContains(response, "na hoeveel minuten", status_code=200)
        response = self.client.post(url, {"finish_rule": "minutes", "finish_minutes": "10"})
        self.assertEqual(response.status_code, 302)
        self.golf.refresh_from_db()
        self.assertEqual((self.golf.finish_rule, self.golf.finish_minutes), ("minutes", 10))
        self.login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 302)  # to the admin login


class OlderPackageTests(ScormTestCase):
    def test_the_manifest_of_an_older_package_is_read_again(self) -> None:
        tested = import_package(
            io.BytesIO(zips.with_post_test()), module=self.golf_module, by=self.editor
        )
        Package.objects.update(activities=[])
        self.assertEqual(Package.objects.get(pk=tested.pk).activity_tree[2]["passing"], None)
        out = io.StringIO()
        call_command("read_scorm_manifests", stdout=out)
        self.assertIn("2 manifests read.", out.getvalue())
        self.assertEqual(Package.objects.get(pk=tested.pk).activity_tree[2]["passing"], 0.8)
        call_command("read_scorm_manifests", stdout=out)  # nothing left to read
        self.assertIn("0 manifests read.", out.getvalue())
