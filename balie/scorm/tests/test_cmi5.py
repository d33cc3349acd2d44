"""cmi5 courses: reading cmi5.xml, importing through the editor's upload, the launch (its
parameters, LMS.LaunchData, the one-time fetch URL, the launched statement), the rules the LRS
holds an AU's statements to, moveOn, satisfied, abandoned, and who may launch."""

from __future__ import annotations

import base64
import io
import json
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from balie.learning.models import StepKind, StepProgress, StepVisit
from balie.lrs import cmi5 as lrs_cmi5
from balie.lrs.models import Account, Cmi5Session, Document, Statement
from balie.scorm import cmi5
from balie.scorm.actions import import_package
from balie.scorm.cmi5_package import AU, Course
from balie.scorm.models import Package, Registration
from balie.scorm.package import PackageError, inspect
from balie.scorm.tests import cmi5_zips
from balie.scorm.tests.zips import build
from balie.testing import BaseTestCase, make_module

COURSE = cmi5_zips.COURSE_ID
XAPI = {"HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
EXTRA = "<launchParameters>start=1</launchParameters><entitlementKey>xyz-1</entitlementKey>"


def read(data: bytes) -> Course:
    found = inspect(io.BytesIO(data))
    assert isinstance(found, Course)
    return found


class ParsingTests(BaseTestCase):
    def test_a_course_with_a_block_and_an_au_outside_it(self) -> None:
        data = cmi5_zips.course(
            f"""<block id="{COURSE}/block/1">
              <title><langstring lang="nl-NL">Blok een</langstring></title>
              <description><langstring lang="nl-NL">x</langstring></description>
              {cmi5_zips.au(COURSE + "/au/1", "Les 1", extra=EXTRA)}
            </block>""",
            cmi5_zips.au(
                COURSE + "/au/2",
                "Les 2",
                "https://video.example/les2?x=1",
                attributes='launchMethod="OwnWindow"',
            ),
        )
        course = read(data)
        self.assertEqual((course.version, course.title), ("cmi5", "Klantvragen in cmi5"))
        self.assertEqual(course.identifier, COURSE)
        first, second = course.items
        assert isinstance(first, AU) and isinstance(second, AU)
        self.assertEqual(first.title, "Les 1")  # Dutch before English
        self.assertEqual(first.launch, "au/index.html")
        self.assertEqual((first.move_on, first.mastery_score), ("CompletedAndPassed", "0.8"))
        self.assertEqual((first.launch_parameters, first.entitlement_key), ("start=1", "xyz-1"))
        self.assertEqual(first.blocks, (f"{COURSE}/block/1",))
        # The specification's defaults, and an absolute url that is not in the zip.
        self.assertEqual((second.move_on, second.mastery_score), ("NotApplicable", ""))
        self.assertEqual(second.launch_method, "OwnWindow")
        self.assertEqual(second.launch, "https://video.example/les2?x=1")
        self.assertEqual(second.blocks, ())
        self.assertEqual(
            course.structure()["blocks"], [{"id": f"{COURSE}/block/1", "title": "Blok een"}]
        )

    def test_refused_course_structures_say_why(self) -> None:
        cases = {
            "missing file": (cmi5_zips.au(COURSE + "/au/1", "L", "au/weg.html"), "not in the zip"),
            "moveOn": (cmi5_zips.au(COURSE + "/au/1", "L", attributes='moveOn="Done"'), "moveOn"),
            "mastery": (
                cmi5_zips.au(COURSE + "/au/1", "L", attributes='masteryScore="80"'),
                "between 0 and 1",
            ),
            "scheme": (
                cmi5_zips.au(COURSE + "/au/1", "L", "javascript:alert(1)"),
                "http and https",
            ),
            "escape": (cmi5_zips.au(COURSE + "/au/1", "L", "../x.html"), "a path with .."),
            "no id": (cmi5_zips.au("", "L"), "not a valid IRI"),
            "twice": (
                cmi5_zips.au(COURSE + "/au/1", "L") + cmi5_zips.au(COURSE + "/au/1", "M"),
                "twice",
            ),
        }
        for name, (part, message) in cases.items():
            with self.subTest(name), self.assertRaises(PackageError) as caught:
                inspect(io.BytesIO(cmi5_zips.course(part)))
            self.assertIn(message, str(caught.exception))
        # An AU in the zip is a web page, as a SCORM launch file is.
        program = cmi5_zips.au(COURSE + "/au/1", "L", "au/setup.exe")
        with self.assertRaisesMessage(PackageError, "only starts web pages (.html or .htm)"):
            inspect(io.BytesIO(cmi5_zips.course(program, files={"au/setup.exe": b"MZ"})))
        dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><courseStructure/>'
        with self.assertRaises(PackageError):
            inspect(io.BytesIO(build({"cmi5.xml": dtd})))
        with self.assertRaisesMessage(PackageError, "not a cmi5 course structure"):
            inspect(io.BytesIO(build({"cmi5.xml": "<manifest/>"})))
        empty = cmi5_zips.structure("<block id='https://x.example/b'><title/></block>")
        with self.assertRaisesMessage(PackageError, "no item that can be started"):
            inspect(io.BytesIO(build({"cmi5.xml": empty})))

    def test_move_on_decisions(self) -> None:
        table = {
            ("Passed", frozenset({"passed"})): True,
            ("Passed", frozenset({"completed"})): False,
            ("Passed", frozenset({"failed"})): False,
            ("Completed", frozenset({"completed"})): True,
            ("CompletedAndPassed", frozenset({"completed"})): False,
            ("CompletedAndPassed", frozenset({"completed", "passed"})): True,
            ("CompletedOrPassed", frozenset({"passed"})): True,
            ("CompletedOrPassed", frozenset({"failed"})): False,
            ("NotApplicable", frozenset()): True,
            ("CompletedAndPassed", frozenset({"waived"})): True,
        }
        for (move_on, verbs), expected in table.items():
            with self.subTest(move_on=move_on, verbs=sorted(verbs)):
                self.assertIs(cmi5.move_on_met(move_on, set(verbs)), expected)


class Cmi5TestCase(BaseTestCase):
    """A module with one cmi5 course step (one AU: CompletedAndPassed, masteryScore 0.8),
    uploaded by editor Noor through the upload page."""

    def setUp(self) -> None:
        self.course_module = make_module(self.programme, "Klantvragen", code="K1")
        self.login(self.editor)
        response = self.client.post(
            reverse("scorm:upload", args=[self.course_module.pk]),
            {"package": self.upload(cmi5_zips.course()), "title": ""},
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.package = Package.objects.get(step__module=self.course_module)
        self.client.logout()

    @staticmethod
    def upload(data: bytes, name: str = "cursus.zip") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, data, content_type="application/zip")

    def launch(self, user=None, index: int = 0) -> dict[str, str]:
        self.login(user or self.alice)
        response = self.client.post(reverse("scorm:cmi5_launch", args=[self.package.pk, index]))
        self.assertEqual(response.status_code, 302)
        url = urlsplit(response["Location"])
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        params["path"] = url.path
        return params

    def token(self, params: dict[str, str]) -> str:
        response = self.client.post(urlsplit(params["fetch"]).path)
        return "Basic " + response.json()["auth-token"]

    def started(self, user=None) -> tuple[dict[str, str], str, dict]:
        params = self.launch(user)
        token = self.token(params)
        data = self.client.get(
            "/xapi/activities/state",
            {
                "activityId": params["activityId"],
                "agent": params["actor"],
                "registration": params["registration"],
                "stateId": "LMS.LaunchData",
            },
            HTTP_AUTHORIZATION=token,
            **XAPI,
        ).json()
        return params, token, data

    def statement(self, params, launch_data, verb: str, **result) -> dict:
        context = json.loads(json.dumps(launch_data["contextTemplate"]))
        context["registration"] = params["registration"]
        context["contextActivities"]["category"] = [{"id": lrs_cmi5.CATEGORY}]
        statement = {
            "id": str(uuid.uuid4()),
            "actor": json.loads(params["actor"]),
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
            "object": {"objectType": "Activity", "id": params["activityId"]},
            "context": context,
            "timestamp": "2026-12-06T08:00:00Z",
        }
        if result:
            statement["result"] = result
        return statement

    def send(self, token: str, *statements: dict):
        return self.client.post(
            "/xapi/statements",
            json.dumps(list(statements)),
            content_type="application/json",
            HTTP_AUTHORIZATION=token,
            **XAPI,
        )

    def verbs(self, *, registration: str) -> list[str]:
        return [
            verb.rsplit("/", 1)[-1]
            for verb in Statement.objects.filter(registration=registration)
            .order_by("pk")
            .values_list("verb_id", flat=True)
        ]

    def step_done(self, user=None) -> bool:
        return StepProgress.objects.filter(
            user=user or self.alice, step=self.package.step, seen_at__isnull=False
        ).exists()


class ImportAndLaunchTests(Cmi5TestCase):
    def test_the_upload_recognises_cmi5_and_makes_a_step(self) -> None:
        package = self.package
        self.assertEqual((package.version, package.title), ("cmi5", "Klantvragen in cmi5"))
        self.assertEqual(package.step.kind, StepKind.SCORM)
        self.assertEqual(package.cmi5["course"]["id"], COURSE)
        self.assertEqual(package.cmi5["aus"][0]["moveOn"], "CompletedAndPassed")
        self.login(self.alice)
        page = self.client.get(reverse("learning:step", args=[package.step_id]))
        self.assertContains(page, "“Les 1” starten")
        self.assertContains(page, "het afmaken en de toets halen")
        self.assertNotContains(page, "scorm12.min.js")

    def test_the_launch_url_parameters_and_what_the_lms_writes_first(self) -> None:
        params = self.launch()
        registration = Registration.objects.get(user=self.alice, package=self.package)
        # On the content host, under a signed ticket (balie/scorm/content.py).
        self.assertRegex(params["path"], r"^/[^/]+/f/au/index\.html$")
        self.assertEqual(params["endpoint"], "http://testserver/xapi/")
        self.assertTrue(params["fetch"].startswith("http://testserver/xapi/cmi5/fetch/"))
        self.assertEqual(params["registration"], str(registration.registration))
        account = Account.objects.get(user=self.alice)
        actor = json.loads(params["actor"])
        self.assertEqual(actor["account"]["name"], str(account.name))  # no name, no e-mail
        self.assertEqual(params["activityId"], cmi5.au_id(self.package, f"{COURSE}/au/1"))
        self.assertNotEqual(params["activityId"], f"{COURSE}/au/1")

        state = Document.objects.get(kind=Document.Kind.STATE, document_id="LMS.LaunchData")
        data = json.loads(bytes(state.content))
        session = Cmi5Session.objects.get()
        self.assertEqual(data["launchMode"], "Normal")
        self.assertEqual((data["moveOn"], data["masteryScore"]), ("CompletedAndPassed", 0.8))
        self.assertEqual(
            data["returnURL"], f"http://testserver/leren/stappen/{self.package.step_id}/"
        )
        self.assertEqual(
            data["contextTemplate"]["extensions"][lrs_cmi5.SESSION_ID], str(session.session_id)
        )
        self.assertEqual(
            data["contextTemplate"]["contextActivities"]["grouping"][0]["id"], f"{COURSE}/au/1"
        )
        self.assertTrue(
            Document.objects.filter(
                kind=Document.Kind.AGENT_PROFILE, document_id="cmi5LearnerPreferences"
            ).exists()
        )
        launched = Statement.objects.get(verb_id=lrs_cmi5.LAUNCHED)
        extensions = launched.payload["context"]["extensions"]
        self.assertEqual(extensions[lrs_cmi5.LAUNCH_MODE], "Normal")
        self.assertEqual(extensions[lrs_cmi5.MOVE_ON], "CompletedAndPassed")
        self.assertEqual(extensions[lrs_cmi5.MASTERY_SCORE], 0.8)
        self.assertRegex(
            extensions[lrs_cmi5.LAUNCH_URL], r"^http://localhost/[^/]+/f/au/index\.html$"
        )
        self.assertEqual(launched.registration, registration.registration)

    def test_an_au_url_keeps_its_own_query(self) -> None:
        self.assertEqual(
            cmi5._with_parameters(
                "https://x.example/a?lang=nl&actor=old#top", {"actor": "{}", "fetch": "f"}
            ),
            "https://x.example/a?lang=nl&actor=%7B%7D&fetch=f#top",
        )

    def test_the_fetch_url_answers_once_and_only_to_post(self) -> None:
        params = self.launch()
        path = urlsplit(params["fetch"]).path
        self.assertEqual(self.client.get(path).status_code, 405)
        first = self.client.post(path)
        self.assertEqual(first["Content-Type"], "application/json")
        self.assertEqual(first["Access-Control-Allow-Origin"], "*")
        token = first.json()["auth-token"]
        user_name, _, secret = base64.b64decode(token).decode().partition(":")
        self.assertEqual(user_name, str(Cmi5Session.objects.get().session_id))
        self.assertNotIn(secret, Cmi5Session.objects.get().secret_hash)
        again = self.client.post(path)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["error-code"], "1")
        self.assertEqual(self.client.post("/xapi/cmi5/fetch/made-up").json()["error-code"], "2")
        self.client.logout()  # the fetch needs no Balie session: the AU may be elsewhere
        self.assertEqual(self.client.post(path).json()["error-code"], "1")

    def test_only_who_may_see_the_module_launches_and_only_by_post(self) -> None:
        url = reverse("scorm:cmi5_launch", args=[self.package.pk, 0])
        self.assertEqual(self.client.post(url).status_code, 302)  # to the login page
        self.assertFalse(Registration.objects.exists())
        self.login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 405)
        missing = reverse("scorm:cmi5_launch", args=[self.package.pk, 5])
        self.assertEqual(self.client.post(missing).status_code, 404)
        self.course_module.programme.is_published = False
        self.course_module.programme.save()
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertFalse(Cmi5Session.objects.exists())


class StatementRuleTests(Cmi5TestCase):
    def test_a_session_to_satisfied_marks_the_step_done(self) -> None:
        params, token, data = self.started()
        self.assertEqual(
            self.send(token, self.statement(params, data, "initialized")).status_code, 200
        )
        self.assertFalse(self.step_done())
        response = self.send(
            token,
            self.statement(params, data, "passed", success=True, score={"scaled": 0.9}),
            self.statement(params, data, "completed", completion=True),
            self.statement(params, data, "terminated", duration="PT5M"),
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(self.step_done())
        registration = params["registration"]
        self.assertEqual(
            self.verbs(registration=registration),
            ["launched", "initialized", "passed", "completed", "terminated", "satisfied"],
        )
        satisfied = Statement.objects.get(verb_id=lrs_cmi5.SATISFIED)
        self.assertEqual(satisfied.activity_id, cmi5.course_id(self.package))
        self.assertEqual(satisfied.payload["object"]["definition"]["type"], lrs_cmi5.COURSE_TYPE)
        self.assertEqual(
            satisfied.payload["context"]["extensions"][lrs_cmi5.SESSION_ID],
            str(Cmi5Session.objects.get().session_id),
        )
        self.assertIsNotNone(Registration.objects.get().satisfied_at)
        # The session's time is time on task.
        self.assertTrue(StepVisit.objects.filter(user=self.alice, step=self.package.step).exists())
        page = self.client.get(reverse("learning:step", args=[self.package.step_id]))
        self.assertContains(page, "Klaar: je hebt bij elk onderdeel gedaan wat de cursus vraagt.")
        # After terminated, the session takes nothing more.
        late = self.send(token, self.statement(params, data, "experienced"))
        self.assertEqual(late.status_code, 403)

    def test_a_failed_test_is_not_done_and_a_later_pass_is(self) -> None:
        params, token, data = self.started()
        failed = self.send(
            token,
            self.statement(params, data, "initialized"),
            self.statement(params, data, "failed", success=False, score={"scaled": 0.5}),
            self.statement(params, data, "completed", completion=True),
            self.statement(params, data, "terminated"),
        )
        self.assertEqual(failed.status_code, 200, failed.content)
        self.assertFalse(self.step_done())
        self.assertFalse(Statement.objects.filter(verb_id=lrs_cmi5.SATISFIED).exists())
        params, token, data = self.started()
        passed = self.send(
            token,
            self.statement(params, data, "initialized"),
            self.statement(params, data, "passed", success=True, score={"scaled": 0.8}),
            self.statement(params, data, "terminated"),
        )
        self.assertEqual(passed.status_code, 200, passed.content)
        self.assertTrue(self.step_done())

    def test_statements_against_the_rules_are_refused_and_none_is_stored(self) -> None:
        params, token, data = self.started()
        other = dict(params, registration=str(uuid.uuid4()))
        stranger = dict(
            params,
            actor=json.dumps(
                {"objectType": "Agent", "account": {"homePage": "http://x", "name": "y"}}
            ),
        )
        mine = Statement.objects.filter(registration=params["registration"])
        before = mine.count()
        refused = {
            "completed before initialized": [
                self.statement(params, data, "completed", completion=True)
            ],
            "another registration": [self.statement(other, data, "initialized")],
            "another actor": [self.statement(stranger, data, "initialized")],
            "an LMS verb": [
                self.statement(params, data, "initialized"),
                dict(self.statement(params, data, "x"), verb={"id": lrs_cmi5.SATISFIED}),
            ],
            "initialized twice": [
                self.statement(params, data, "initialized"),
                self.statement(params, data, "initialized"),
            ],
            "passed below masteryScore": [
                self.statement(params, data, "initialized"),
                self.statement(params, data, "passed", success=True, score={"scaled": 0.7}),
            ],
            "failed at masteryScore": [
                self.statement(params, data, "initialized"),
                self.statement(params, data, "failed", success=False, score={"scaled": 0.8}),
            ],
            "passed and failed": [
                self.statement(params, data, "initialized"),
                self.statement(params, data, "passed", success=True),
                self.statement(params, data, "failed", success=False),
            ],
            "completed without completion": [
                self.statement(params, data, "initialized"),
                self.statement(params, data, "completed"),
            ],
            "another session id": [
                self.statement(
                    params,
                    dict(
                        data,
                        contextTemplate={
                            "contextActivities": {},
                            "extensions": {lrs_cmi5.SESSION_ID: "x"},
                        },
                    ),
                    "initialized",
                ),
            ],
            "another object": [
                dict(
                    self.statement(params, data, "initialized"),
                    object={"id": "https://x.example/a"},
                ),
            ],
            "a voiding statement": [
                self.statement(params, data, "initialized"),
                {
                    "actor": json.loads(params["actor"]),
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                    "object": {"objectType": "StatementRef", "id": str(uuid.uuid4())},
                    "context": {"registration": params["registration"]},
                },
            ],
        }
        for name, statements in refused.items():
            with self.subTest(name):
                self.assertEqual(self.send(token, *statements).status_code, 403)
        self.assertEqual(mine.count(), before)
        # An allowed statement (no cmi5 category) between initialized and terminated is fine.
        allowed = self.statement(params, data, "experienced")
        allowed["context"]["contextActivities"]["category"] = []
        ok = self.send(token, self.statement(params, data, "initialized"), allowed)
        self.assertEqual(ok.status_code, 200, ok.content)
        # The same statement again is accepted and stored once (idempotent, not judged again).
        self.assertEqual(self.send(token, allowed).status_code, 200)
        self.assertEqual(mine.count(), before + 2)

    def test_the_token_reaches_only_its_own_documents_and_no_statements(self) -> None:
        params, token, _data = self.started()
        own = {
            "activityId": params["activityId"],
            "agent": params["actor"],
            "registration": params["registration"],
        }
        launch_data = _state(own, stateId="LMS.LaunchData")
        change = self.client.put(
            launch_data, "{}", content_type="application/json", HTTP_AUTHORIZATION=token, **XAPI
        )
        self.assertEqual(change.status_code, 403)
        bookmark = _state(own, stateId="bookmark")
        put = self.client.put(
            bookmark, "p2", content_type="text/plain", HTTP_AUTHORIZATION=token, **XAPI
        )
        self.assertEqual(put.status_code, 204)
        elsewhere = _state(dict(own, activityId="https://x.example/a"), stateId="b")
        self.assertEqual(
            self.client.get(elsewhere, HTTP_AUTHORIZATION=token, **XAPI).status_code, 403
        )
        theirs = _state(dict(own, registration=str(uuid.uuid4())), stateId="b")
        self.assertEqual(self.client.get(theirs, HTTP_AUTHORIZATION=token, **XAPI).status_code, 403)
        preferences = "/xapi/agents/profile?" + urlencode(
            {"agent": params["actor"], "profileId": "cmi5LearnerPreferences"}
        )
        got = self.client.get(preferences, HTTP_AUTHORIZATION=token, **XAPI)
        self.assertEqual(got.json()["languagePreference"], "nl-NL,en-US")
        written = self.client.put(
            preferences, "{}", content_type="application/json", HTTP_AUTHORIZATION=token, **XAPI
        )
        self.assertEqual(written.status_code, 403)
        read = self.client.get("/xapi/statements", HTTP_AUTHORIZATION=token, **XAPI)
        self.assertEqual(read.status_code, 403)
        wrong = "Basic " + base64.b64encode(f"{uuid.uuid4()}:x".encode()).decode()
        self.assertEqual(
            self.client.get(launch_data, HTTP_AUTHORIZATION=wrong, **XAPI).status_code, 401
        )

    def test_a_new_launch_abandons_a_session_left_without_terminated(self) -> None:
        params, token, data = self.started()
        self.assertEqual(
            self.send(token, self.statement(params, data, "initialized")).status_code, 200
        )
        self.started()
        abandoned = Statement.objects.get(verb_id=lrs_cmi5.ABANDONED)
        first = Cmi5Session.objects.order_by("pk").first()
        self.assertIsNotNone(first.abandoned_at)
        self.assertEqual(
            abandoned.payload["context"]["extensions"][lrs_cmi5.SESSION_ID], str(first.session_id)
        )
        self.assertIn("duration", abandoned.payload["result"])
        # The abandoned session's token is worthless now.
        late = self.send(token, self.statement(params, data, "completed", completion=True))
        self.assertEqual(late.status_code, 401)
        self.assertEqual(self.verbs(registration=params["registration"]).count("abandoned"), 1)


class MoveOnTests(Cmi5TestCase):
    def test_blocks_and_course_are_satisfied_when_their_aus_are(self) -> None:
        data = cmi5_zips.course(
            f"""<block id="{COURSE}/b1"><title><langstring lang="nl-NL">Blok</langstring></title>
            {cmi5_zips.au(COURSE + "/au/1", "Les 1", attributes='moveOn="Completed"')}
            {cmi5_zips.au(COURSE + "/au/2", "Les 2", attributes='moveOn="NotApplicable"')}
            </block>""",
            cmi5_zips.au(COURSE + "/au/3", "Les 3", attributes='moveOn="Passed"'),
        )
        package = import_package(io.BytesIO(data), module=self.course_module, by=self.editor)
        self.package = package
        params, token, launch_data = self.started()
        self.send(
            token,
            self.statement(params, launch_data, "initialized"),
            self.statement(params, launch_data, "completed", completion=True),
            self.statement(params, launch_data, "terminated"),
        )
        satisfied = set(
            Statement.objects.filter(verb_id=lrs_cmi5.SATISFIED).values_list(
                "activity_id", flat=True
            )
        )
        self.assertEqual(satisfied, {cmi5.block_id(package, f"{COURSE}/b1")})
        self.assertFalse(self.step_done())
        status = cmi5.course_status(self.alice, package)
        self.assertEqual([au.met for au in status.aus], [True, True, False])
        params = self.launch(index=2)
        token = self.token(params)
        launch_data["contextTemplate"]["extensions"][lrs_cmi5.SESSION_ID] = str(
            Cmi5Session.objects.order_by("-pk").first().session_id
        )
        launch_data["contextTemplate"]["contextActivities"]["grouping"] = [{"id": f"{COURSE}/au/3"}]
        response = self.send(
            token,
            self.statement(params, launch_data, "initialized"),
            self.statement(params, launch_data, "passed", success=True),
            self.statement(params, launch_data, "terminated"),
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(self.step_done())
        self.assertEqual(Statement.objects.filter(verb_id=lrs_cmi5.SATISFIED).count(), 2)

    def test_a_course_of_not_applicable_aus_is_satisfied_at_registration(self) -> None:
        data = cmi5_zips.course(cmi5_zips.au(COURSE + "/au/1", "Les", attributes=""))
        self.package = import_package(io.BytesIO(data), module=self.course_module, by=self.editor)
        self.launch()
        self.assertTrue(self.step_done())
        satisfied = Statement.objects.get(verb_id=lrs_cmi5.SATISFIED)
        self.assertEqual(satisfied.activity_id, cmi5.course_id(self.package))

    def test_another_learner_has_a_registration_of_their_own(self) -> None:
        mine = self.launch()
        theirs = self.launch(self.bob)
        self.assertNotEqual(mine["registration"], theirs["registration"])
        self.assertNotEqual(mine["actor"], theirs["actor"])
        self.assertEqual(Registration.objects.visible_to(self.alice).count(), 1)


def _state(params: dict[str, str], **more: str) -> str:
    return "/xapi/activities/state?" + urlencode({**params, **more})
