"""What every `/xapi/` resource shares (http.py): Basic authentication, the version header,
CORS, the Alternate Request Syntax, method and size limits."""

from __future__ import annotations

import json
import uuid
from unittest import mock
from urllib.parse import urlencode

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from balie.lrs import http
from balie.lrs.models import Statement
from balie.lrs.tests.test_statements import statement
from balie.lrs.tests.xapi import XapiTestCase, basic_auth, make_client
from balie.testing import ONE_RATE_LIMIT_WINDOW


class HttpTests(XapiTestCase):
    def test_credentials_are_needed_and_checked(self):
        missing = self.client.get("/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
        self.assertEqual(missing.status_code, 401)
        self.assertIn("Basic", missing["WWW-Authenticate"])
        wrong = basic_auth(self.lrs_client.key, "not-the-secret")
        self.assertEqual(self.xapi_get("statements", auth=wrong).status_code, 401)
        self.assertEqual(self.xapi_get("statements", auth="Basic !!!").status_code, 401)
        self.lrs_client.is_active = False
        self.lrs_client.save()
        self.assertEqual(self.xapi_get("statements").status_code, 401)

    def test_a_client_comes_from_the_cache_until_it_changes(self):
        """A statement POST costs no query for its client; a changed or deleted client is
        looked up afresh at once."""
        self.assertEqual(self.xapi_get("statements").status_code, 200)  # cached, and marked
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.xapi_get("statements").status_code, 200)
        self.assertFalse([q for q in queries if '"lrs_client"' in q["sql"]])
        self.lrs_client.may_read = False
        self.lrs_client.save()
        self.assertEqual(self.xapi_get("statements").status_code, 403)
        self.lrs_client.delete()
        self.assertEqual(self.xapi_get("statements").status_code, 401)

    def test_a_used_client_is_marked(self):
        self.xapi_get("statements")
        self.lrs_client.refresh_from_db()
        self.assertIsNotNone(self.lrs_client.last_used_at)
        marked = self.lrs_client.last_used_at
        self.xapi_get("statements")  # from the cache, marked less than a minute ago
        self.lrs_client.refresh_from_db()
        self.assertEqual(self.lrs_client.last_used_at, marked)

    def test_the_version_header_is_required_and_must_be_1_0_x(self):
        self.assertEqual(self.xapi_get("statements", version=None).status_code, 400)
        for version in ("1.1.0", "0.95", "2.0.0", "1.0.3.1"):
            with self.subTest(version):
                self.assertEqual(self.xapi_get("statements", version=version).status_code, 400)
        for version in ("1.0", "1.0.0", "1.0.3", "1.0.9"):
            with self.subTest(version):
                response = self.xapi_get("statements", version=version)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["X-Experience-API-Version"], "1.0.3")

    def test_errors_carry_the_version_header_and_a_message(self):
        response = self.xapi_get("statements?statementId=x")
        self.assertEqual(response["X-Experience-API-Version"], "1.0.3")
        self.assertIn("statementId", response.json()["error"])

    def test_options_answers_cors_without_credentials(self):
        response = self.client.options("/xapi/statements")
        self.assertEqual(response.status_code, 204)
        self.assertIn("PUT", response["Access-Control-Allow-Methods"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")

    def test_head_answers_like_get_without_a_body(self):
        self.xapi_post("statements", statement())
        response = self.xapi("HEAD", "statements")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"")
        self.assertTrue(response["X-Experience-API-Consistent-Through"])

    def test_other_methods_are_405(self):
        self.assertEqual(self.xapi_delete("statements").status_code, 405)

    def test_alternate_request_syntax_puts_a_statement(self):
        sent = statement()
        form = {
            "Authorization": self.auth,
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "statementId": sent["id"],
            "content": json.dumps(sent),
        }
        response = self.client.post(
            "/xapi/statements?method=PUT",
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 204, response.content)
        self.assertTrue(Statement.objects.filter(statement_id=sent["id"]).exists())
        mixed = self.client.post(
            "/xapi/statements?method=PUT&statementId=" + str(uuid.uuid4()),
            urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(mixed.status_code, 400)

    def test_a_body_over_the_limit_is_413(self):
        with mock.patch.object(http, "MAX_BODY", 1000):
            big = [statement() for _ in range(20)]
            self.assertEqual(self.xapi_post("statements", big).status_code, 413)
            self.assertEqual(self.xapi_post("statements", [statement()]).status_code, 200)
        huge = self.xapi_post("statements", "[]", CONTENT_LENGTH=str(http.MAX_BODY + 1))
        self.assertEqual(huge.status_code, 413)


class RateLimitTests(XapiTestCase):
    @override_settings(BALIE_XAPI_RATE_LIMIT="3/m")
    @time_machine.travel(ONE_RATE_LIMIT_WINDOW, tick=False)
    def test_a_client_over_its_limit_waits_and_others_do_not(self):
        for _ in range(3):
            self.assertEqual(self.xapi_get("statements").status_code, 200)
        refused = self.xapi_get("statements")
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(refused["Retry-After"], "60")
        self.assertIn("too many", refused.json()["error"])
        _, other = make_client(self.library)
        self.assertEqual(self.xapi_get("statements", auth=other).status_code, 200)
