"""Wrong credentials on /xapi/ are limited per key and per client IP address: past the limit a
429 with Retry-After (also with the right secret, until the period ends) and one audit event.
A request without credentials, or with the right ones, is not counted."""

from __future__ import annotations

from django.core.cache import cache
from django.test import override_settings

from balie.lrs.tests.xapi import XapiTestCase, basic_auth, make_client
from balie.security.models import AuditAction, AuditEvent


@override_settings(
    BALIE_XAPI_AUTH_FAILURES_PER_KEY="3/15m", BALIE_XAPI_AUTH_FAILURES_PER_IP="5/15m"
)
class AuthFailureLimitTests(XapiTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the counts live in the cache, which outlives a test's transaction
        self.addCleanup(cache.clear)

    def get(self, auth: str, ip: str = "192.0.2.1"):
        return self.xapi_get("statements", auth=auth, REMOTE_ADDR=ip)

    def test_a_key_is_blocked_after_its_wrong_secrets(self):
        wrong = basic_auth(self.lrs_client.key, "not-the-secret")
        for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):  # from anywhere: per key
            self.assertEqual(self.get(wrong, ip).status_code, 401)
        blocked = self.get(self.auth, "192.0.2.4")
        self.assertEqual(blocked.status_code, 429)
        self.assertGreater(int(blocked["Retry-After"]), 0)
        self.assertEqual(blocked["X-Experience-API-Version"], "1.0.3")
        self.assertIn("key", blocked.json()["error"])
        _, other = make_client(self.library)
        self.assertEqual(self.get(other, "192.0.2.4").status_code, 200)
        event = AuditEvent.objects.get(action=AuditAction.XAPI_AUTH_BLOCKED)
        self.assertEqual(event.object_id, str(self.lrs_client.pk))
        self.assertEqual(event.organisation_id, self.library.pk)
        self.assertEqual(event.details, {"per": "key", "key": self.lrs_client.key})
        self.assertEqual(str(event.ip), "192.0.2.3")

    def test_an_address_is_blocked_after_its_wrong_credentials(self):
        for number in range(5):  # a different made-up key each time: per address
            self.assertEqual(self.get(basic_auth(f"guess-{number}", "x")).status_code, 401)
        self.assertEqual(self.get(self.auth).status_code, 429)
        self.assertEqual(self.get(self.auth, "192.0.2.9").status_code, 200)
        event = AuditEvent.objects.get(action=AuditAction.XAPI_AUTH_BLOCKED)
        self.assertEqual(event.details["per"], "ip")
        self.assertEqual(event.object_id, "")

    def test_a_header_that_is_not_basic_counts_as_wrong(self):
        for _ in range(3):  # counted under the empty key, and the address
            self.assertEqual(self.get("Basic !!!").status_code, 401)
        self.assertEqual(self.get("Basic !!!").status_code, 429)
        self.assertEqual(self.get(self.auth).status_code, 200)

    def test_right_or_missing_credentials_are_not_counted(self):
        for _ in range(6):
            self.assertEqual(self.get(self.auth).status_code, 200)
            missing = self.client.get(
                "/xapi/statements", HTTP_X_EXPERIENCE_API_VERSION="1.0.3", REMOTE_ADDR="192.0.2.1"
            )
            self.assertEqual(missing.status_code, 401)
        self.assertFalse(AuditEvent.objects.exists())

    @override_settings(RATELIMIT_ENABLE=False)
    def test_no_limit_when_rate_limits_are_off(self):
        for _ in range(6):
            self.assertEqual(self.get(basic_auth(self.lrs_client.key, "x")).status_code, 401)
        self.assertEqual(self.get(self.auth).status_code, 200)
