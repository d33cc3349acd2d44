"""TOTP against the test vectors of RFC 6238 (appendix B, SHA-1; the last six digits)."""

from __future__ import annotations

import time_machine
from django.test import SimpleTestCase

from balie.security import totp

# "12345678901234567890" in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


class TotpTests(SimpleTestCase):
    def test_it_gives_the_codes_of_the_rfc(self) -> None:
        for when, expected in (
            (59, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ):
            with self.subTest(when=when):
                self.assertEqual(totp.code_at(RFC_SECRET, totp.counter_at(when)), expected)

    def test_it_finds_the_step_of_a_code_within_one_step_of_now(self) -> None:
        with time_machine.travel(1234567890, tick=False):
            now = totp.counter_at(1234567890)
            self.assertEqual(totp.matching_counter(RFC_SECRET, "005 924"), now)
            for step in (-1, 1):
                self.assertEqual(
                    totp.matching_counter(RFC_SECRET, totp.code_at(RFC_SECRET, now + step)),
                    now + step,
                )
            self.assertIsNone(totp.matching_counter(RFC_SECRET, totp.code_at(RFC_SECRET, now + 2)))
            self.assertIsNone(totp.matching_counter(RFC_SECRET, "005924", after=now))
            self.assertIsNone(totp.matching_counter(RFC_SECRET, "abcdef"))

    def test_a_new_secret_is_160_random_bits(self) -> None:
        secret = totp.new_secret()
        self.assertEqual(len(secret), 32)
        self.assertNotEqual(secret, totp.new_secret())
        self.assertEqual(len(totp.code_at(secret, 1)), 6)

    def test_the_address_for_the_app(self) -> None:
        uri = totp.provisioning_uri(RFC_SECRET, account="sanne@cubiss.test", issuer="Balie")
        self.assertTrue(uri.startswith("otpauth://totp/Balie:sanne@cubiss.test?secret="))
        self.assertIn("issuer=Balie", uri)
