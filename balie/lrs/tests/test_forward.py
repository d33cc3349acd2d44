"""Forwarding statements to an external LRS, played by a real HTTP server on a local port: at
least once, in batches, oldest first, with back-off, and never the same batch by two workers at
the same time."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from balie.learning import actions as learning_actions
from balie.lrs import forward, multipart, store
from balie.lrs.models import Delivery, Forwarder
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation
from balie.testing import BaseTestCase

BALIE = {"objectType": "Agent", "account": {"homePage": "https://balie.test", "name": "Balie"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class FakeLrs:
    """An external LRS: answers each POST with the next of `statuses` (200 when they run out)
    and keeps what it received. With `hold`, the first request waits until it is released."""

    def __init__(self, *statuses: int, hold: bool = False) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        if not hold:
            self.release.set()
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = []
                if self.headers["Content-Type"].startswith("multipart/mixed"):
                    parts = multipart.parse(body, self.headers["Content-Type"])
                    body = parts[0].content
                with lrs.lock:
                    first = not lrs.requests
                    lrs.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": json.loads(body),
                            "parts": parts[1:],
                        }
                    )
                    status = lrs.statuses.pop(0) if lrs.statuses else 200
                if first:
                    lrs.arrived.set()
                    lrs.release.wait(10)
                answer = b"Statement 1 is not valid" if status == 400 else b"[]"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/xapi/"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def ids(self) -> list[str]:
        return [s["id"] for r in self.requests for s in r["body"]]


def statements(count: int) -> list[dict]:
    start = timezone.now() - dt.timedelta(hours=1)
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": "https://x.test", "name": "a"},
            },
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"objectType": "Activity", "id": f"https://balie.nl/xapi/steps/{n}"},
            "timestamp": (start + dt.timedelta(seconds=n)).isoformat(),
        }
        for n in range(count)
    ]


class ForwardTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # What Balie records per person goes to the POI's LRS only with this (test_record).
        cls.library.works_council_agreed_on = dt.date(2026, 3, 2)
        cls.library.save()

    def lrs(self, *statuses: int) -> FakeLrs:
        lrs = FakeLrs(*statuses)
        self.addCleanup(lrs.stop)
        return lrs

    def forwarder(self, lrs: FakeLrs, organisation: Organisation | None = None) -> Forwarder:
        return Forwarder.objects.create(
            organisation=organisation or self.poi,
            endpoint=lrs.endpoint,
            username="balie",
            password="geheim",
        )

    def stored(self, count: int, organisation: Organisation | None = None) -> list[str]:
        given = statements(count)
        store.store(given, organisation=organisation or self.library, authority=BALIE)
        return [s["id"] for s in given]

    def test_delivered_once_as_one_post_with_credentials_and_version(self) -> None:
        lrs = self.lrs()
        forwarder = self.forwarder(lrs)
        learning_actions.complete_step(self.alice, self.text_step)  # started, experienced
        self.assertEqual(forward.forward_due(), {"delivered": 2, "failed_batches": 0})
        (request,) = lrs.requests
        self.assertEqual(request["path"], "/xapi/statements")
        self.assertEqual(request["headers"]["x-experience-api-version"], "1.0.3")
        self.assertEqual(
            request["headers"]["authorization"],
            "Basic " + base64.b64encode(b"balie:geheim").decode(),
        )
        self.assertEqual(
            [s["verb"]["id"].rsplit("/", 1)[1] for s in request["body"]],
            ["attempted", "experienced"],
        )
        self.assertNotIn("stored", request["body"][0])
        self.assertFalse(Delivery.objects.exists())
        forwarder.refresh_from_db()
        self.assertIsNotNone(forwarder.last_sent_at)
        forward.forward_due()
        self.assertEqual(len(lrs.requests), 1)

    def test_attachments_go_with_their_statements(self) -> None:
        """Communication 1.5.2.s3.b3: never pushed without the attachment data received."""
        lrs = self.lrs()
        self.forwarder(lrs)
        content = b"a certificate"
        sha2 = hashlib.sha256(content).hexdigest()
        plain, with_file = statements(2)
        with_file["attachments"] = [
            {
                "usageType": "http://example.com/attachment-usage/certificate",
                "display": {"en-US": "certificate"},
                "contentType": "text/plain",
                "length": len(content),
                "sha2": sha2,
            }
        ]
        store.store(
            [plain, with_file],
            organisation=self.library,
            authority=BALIE,
            attachments={sha2: ("text/plain", content)},
        )
        self.assertEqual(forward.forward_due()["delivered"], 2)
        (request,) = lrs.requests
        self.assertTrue(request["headers"]["content-type"].startswith("multipart/mixed"))
        self.assertEqual([s["id"] for s in request["body"]], [plain["id"], with_file["id"]])
        (part,) = request["parts"]
        self.assertEqual(part.content, content)
        self.assertEqual(part.headers["x-experience-api-hash"], sha2)
        self.assertEqual(part.headers["content-transfer-encoding"], "binary")

    def test_batches_of_fifty_oldest_first(self) -> None:
        lrs = self.lrs()
        self.forwarder(lrs)
        ids = self.stored(120)
        self.assertEqual(forward.forward_due()["delivered"], 120)
        self.assertEqual([len(r["body"]) for r in lrs.requests], [50, 50, 20])
        self.assertEqual(lrs.ids, ids)

    def test_remote_down_backs_off_then_delivers(self) -> None:
        lrs = self.lrs(503)
        forwarder = self.forwarder(lrs)
        ids = self.stored(3)
        before = timezone.now()
        self.assertEqual(forward.forward_due(), {"delivered": 0, "failed_batches": 1})
        forwarder.refresh_from_db()
        self.assertEqual((forwarder.failures, forwarder.last_error), (1, "HTTP 503: []"))
        for delivery in Delivery.objects.all():
            self.assertEqual(delivery.attempts, 1)
            wait = delivery.next_attempt_at - before
            self.assertTrue(dt.timedelta(minutes=1) <= wait <= dt.timedelta(minutes=1.6), wait)
        self.stored(1)  # new ones wait while the forwarder rests
        forward.forward_due()
        self.assertEqual(len(lrs.requests), 1)
        later = Delivery.objects.latest("next_attempt_at").next_attempt_at + dt.timedelta(seconds=1)
        self.assertEqual(forward.forward_due(later)["delivered"], 4)
        self.assertEqual(lrs.ids[3:6], ids)
        forwarder.refresh_from_db()
        self.assertEqual((forwarder.failures, forwarder.last_error), (0, ""))

    def test_no_connection_is_a_failure_too(self) -> None:
        lrs = self.lrs()
        forwarder = self.forwarder(lrs)
        lrs.stop()
        self.stored(2)
        self.assertEqual(forward.forward_due()["failed_batches"], 1)
        forwarder.refresh_from_db()
        self.assertIn("URLError", forwarder.last_error)
        self.assertEqual(Delivery.objects.filter(attempts=1).count(), 2)

    def test_a_refused_batch_is_kept_and_said(self) -> None:
        lrs = self.lrs(400, 429)
        forwarder = self.forwarder(lrs)
        self.stored(2)
        forward.forward_due()
        forwarder.refresh_from_db()
        self.assertEqual(forwarder.last_error, "HTTP 400: Statement 1 is not valid")
        self.assertEqual(Delivery.objects.count(), 2)
        forward.forward_due(timezone.now() + dt.timedelta(hours=1))  # 429: too many requests
        forwarder.refresh_from_db()
        self.assertEqual(forwarder.failures, 2)
        self.assertEqual(Delivery.objects.filter(attempts=2).count(), 2)

    def test_a_conflict_means_the_remote_has_them(self) -> None:
        lrs = self.lrs(409)
        self.forwarder(lrs)
        self.stored(1)
        self.assertEqual(forward.forward_due()["delivered"], 1)
        self.assertFalse(Delivery.objects.exists())

    def test_a_conflicting_batch_is_sent_again_one_by_one(self) -> None:
        lrs = self.lrs(409, 409, 200, 503)
        self.forwarder(lrs)
        ids = self.stored(3)
        self.assertEqual(forward.forward_due(), {"delivered": 2, "failed_batches": 1})
        self.assertEqual([len(r["body"]) for r in lrs.requests], [3, 1, 1, 1])
        self.assertEqual([str(d.statement.statement_id) for d in Delivery.objects.all()], [ids[2]])

    def test_another_organisations_forwarder_gets_nothing(self) -> None:
        lrs = self.lrs()
        self.forwarder(lrs, self.other_poi)
        self.stored(3)
        learning_actions.complete_step(self.alice, self.text_step)
        self.assertEqual(forward.forward_due()["delivered"], 0)
        self.assertEqual(lrs.requests, [])

    def test_an_inactive_forwarder_is_not_sent_to(self) -> None:
        lrs = self.lrs()
        forwarder = self.forwarder(lrs)
        self.stored(1)
        Forwarder.objects.filter(pk=forwarder.pk).update(is_active=False)
        forward.forward_due()
        self.assertEqual(lrs.requests, [])

    def test_the_delay_doubles_up_to_six_hours(self) -> None:
        for failures, low in ((1, 1), (2, 2), (4, 8)):
            wait = forward.delay(failures)
            self.assertTrue(dt.timedelta(minutes=low) <= wait <= dt.timedelta(minutes=low * 1.5))
        self.assertEqual(forward.delay(40), dt.timedelta(hours=6))

    def test_the_command_sends_now_or_enqueues(self) -> None:
        lrs = self.lrs()
        self.forwarder(lrs)
        self.stored(2)
        out = StringIO()
        call_command("forward_statements", "--now", stdout=out)
        self.assertIn("Delivered 2 statement(s)", out.getvalue())
        self.stored(1)
        with override_settings(TASKS=IMMEDIATE):
            call_command("forward_statements", stdout=StringIO())
        self.assertEqual(len(lrs.ids), 3)


@unittest.skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
class TwoWorkersTests(TransactionTestCase):
    def test_two_workers_never_send_the_same_batch(self) -> None:
        national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        poi = create_organisation(
            kind=Organisation.Kind.POI, name="Cubiss", slug="cubiss", parent=national
        )
        library = create_organisation(
            kind=Organisation.Kind.LIBRARY, name="HP", slug="hp", parent=poi
        )
        library.works_council_agreed_on = dt.date(2026, 3, 2)
        library.save()
        lrs = FakeLrs(hold=True)
        self.addCleanup(lrs.stop)
        forwarder = Forwarder.objects.create(
            organisation=poi, endpoint=lrs.endpoint, username="u", password="p"
        )
        given = statements(60)
        store.store(given, organisation=library, authority=BALIE)
        results = []

        def first_worker() -> None:
            try:
                results.append(forward.forward(forwarder))
            finally:
                connection.close()

        worker = threading.Thread(target=first_worker)
        worker.start()
        self.assertTrue(lrs.arrived.wait(10))  # the first worker holds the oldest 50
        results.append(forward.forward(Forwarder.objects.get(pk=forwarder.pk)))
        lrs.release.set()
        worker.join(10)
        self.assertEqual(sorted(results), [(10, 0), (50, 0)])
        self.assertEqual(sorted(lrs.ids), sorted(s["id"] for s in given))
        self.assertEqual([len(r["body"]) for r in lrs.requests], [50, 10])
        self.assertFalse(Delivery.objects.exists())
