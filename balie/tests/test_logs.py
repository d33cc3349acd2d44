"""Structured logs: one JSON line per request with its id, and nothing personal in it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.urls import reverse

from balie.logs import JsonFormatter, LineFormatter, request_context
from balie.testing import BaseTestCase


@contextmanager
def captured(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """What Balie logs (INFO and up) while the block runs, as the handler of production
    would write it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def json_lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


class RequestLogTests(BaseTestCase):
    def test_a_request_is_one_json_line_with_its_fields(self) -> None:
        self.login(self.alice)
        with captured(JsonFormatter()) as out:
            response = self.client.get(
                reverse("learning:notes") + "?q=alice%40hp.test", headers={"X-Request-ID": "x"}
            )
        self.assertEqual(response.status_code, 200)
        [line] = [entry for entry in json_lines(out) if entry["logger"] == "balie.request"]
        self.assertEqual(line["level"], "INFO")
        self.assertEqual(line["method"], "GET")
        self.assertEqual(line["path"], reverse("learning:notes"))
        self.assertEqual(line["status"], 200)
        self.assertIsInstance(line["duration_ms"], float)
        self.assertEqual(line["user_id"], self.alice.pk)
        self.assertIsInstance(line["pid"], int)
        self.assertEqual(datetime.fromisoformat(line["time"]).utcoffset().total_seconds(), 0)
        # "x" is too short to be a proxy's id: a new one, also in the response.
        self.assertEqual(len(line["request_id"]), 32)
        self.assertEqual(response["X-Request-ID"], line["request_id"])
        # No query string, no e-mail address.
        self.assertNotIn("?", out.getvalue())
        self.assertNotIn("@", out.getvalue())

    def test_the_proxys_request_id_is_kept_when_it_is_safe(self) -> None:
        with captured(JsonFormatter()) as out:
            safe = self.client.get(
                reverse("health_live"), headers={"X-Request-ID": "lb-4f2a9c1e:77"}
            )
            unsafe = self.client.get(
                reverse("health_live"), headers={"X-Request-ID": "abc\r\nSet-Cookie: x=1"}
            )
        self.assertEqual(safe["X-Request-ID"], "lb-4f2a9c1e:77")
        self.assertNotIn("Set-Cookie", unsafe["X-Request-ID"])
        lines = json_lines(out)
        self.assertEqual(
            [line["request_id"] for line in lines],
            ["lb-4f2a9c1e:77", unsafe["X-Request-ID"]],
        )
        self.assertIsNone(lines[0]["user_id"])

    def test_the_secret_of_a_calendar_feed_stays_out(self) -> None:
        with captured(JsonFormatter()) as out:
            response = self.client.get("/agenda/mijn-geheime-sleutel.ics")
        self.assertNotIn("mijn-geheime-sleutel", out.getvalue())
        # Balie's request line, and Django's "Not Found" logged after the middleware is done.
        lines = json_lines(out)
        self.assertEqual(
            {(line["logger"], line["path"], line["request_id"]) for line in lines},
            {
                ("balie.request", "/agenda/….ics", response["X-Request-ID"]),
                ("django.request", "/agenda/….ics", response["X-Request-ID"]),
            },
        )

    def test_every_line_of_a_request_carries_its_id_and_a_traceback_is_one_field(self) -> None:
        request = self.client.get("/").wsgi_request
        with captured(JsonFormatter()) as out, request_context(request, "req-12345678"):
            try:
                raise ValueError("kapot")
            except ValueError:
                logging.getLogger("balie.test").exception("it broke")
        [line] = json_lines(out)
        self.assertEqual(line["request_id"], "req-12345678")
        self.assertEqual(line["message"], "it broke")
        self.assertIn("Traceback", line["exception"])
        self.assertIn("ValueError: kapot", line["exception"])

    def test_the_line_format_names_the_request_too(self) -> None:
        self.login(self.alice)
        with captured(LineFormatter("%(levelname)s %(name)s %(message)s")) as out:
            response = self.client.get(reverse("learning:notes"))
        self.assertIn(
            f"INFO balie.request GET {reverse('learning:notes')} 200 ",
            out.getvalue(),
        )
        self.assertIn(
            f"request_id={response['X-Request-ID']} user_id={self.alice.pk}", out.getvalue()
        )
