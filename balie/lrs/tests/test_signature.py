"""Signed statements (xAPI 1.0.3, Data 2.6): a well-formed signature is accepted and kept; each
way of being malformed is a 400 (2.6.s5.b1). The keys and certificates are made here with
`cryptography`, the JWS with PyJWT, as a client would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from balie.lrs.models import Attachment, Statement
from balie.lrs.signature import SIGNATURE
from balie.lrs.tests.test_statements import ALICE, statement
from balie.lrs.tests.test_statements_attachments import body
from balie.lrs.tests.xapi import XapiTestCase


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(name: str, key, issuer_name: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _x5c(*certificates: x509.Certificate) -> list[str]:
    return [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certificates
    ]


CA_KEY, SIGNER_KEY, STRANGER_KEY = _key(), _key(), _key()
CA = _certificate("Test CA", CA_KEY, "Test CA", CA_KEY, ca=True)
SIGNER = _certificate("Signer", SIGNER_KEY, "Test CA", CA_KEY, ca=False)
# Claims the CA as issuer, but the stranger signed it.
FORGED = _certificate("Signer", SIGNER_KEY, "Test CA", STRANGER_KEY, ca=False)
PART = {"Content-Type": "application/octet-stream", "Content-Transfer-Encoding": "binary"}
CONSUMER_AGENT = {"account": {"homePage": "https://lrs.example/OAuth/Token", "name": "c"}}


def signed(
    sent: dict[str, Any],
    *,
    payload: Any = None,
    algorithm: str = "RS256",
    key: Any = SIGNER_KEY,
    headers: dict[str, Any] | None = None,
    token: bytes | None = None,
    content_type: str = "application/octet-stream",
) -> tuple[dict[str, Any], bytes]:
    """`sent` with a signature attachment, and the JWS: of `payload` (the statement as sent by
    default), unless `token` is given."""
    if token is None:
        content = payload if isinstance(payload, bytes) else json.dumps(payload or sent).encode()
        token = jwt.PyJWS().encode(content, key, algorithm=algorithm, headers=headers).encode()
    attachment = {
        "usageType": SIGNATURE,
        "display": {"en-US": "Signature"},
        "contentType": content_type,
        "length": len(token),
        "sha2": hashlib.sha256(token).hexdigest(),
    }
    return {**sent, "attachments": [*sent.get("attachments", []), attachment]}, token


class SignedStatementTests(XapiTestCase):
    def post(self, sent: dict[str, Any], token: bytes):
        sha2 = hashlib.sha256(token).hexdigest()
        content, content_type = body([sent], [({**PART, "X-Experience-API-Hash": sha2}, token)])
        return self.xapi_post("statements", content, content_type=content_type)

    def assert_refused(self, response, words: str) -> None:
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn(words, response.json()["error"])
        self.assertFalse(Statement.objects.exists())

    def test_a_signed_statement_is_accepted_and_its_signature_kept(self):
        """Data 2.6.s4 met: RS256/384/512, with and without an x5c chain."""
        for algorithm in ("RS256", "RS384", "RS512"):
            with self.subTest(algorithm):
                sent, token = signed(statement(), algorithm=algorithm)
                self.assertEqual(self.post(sent, token).status_code, 200)
        sent, token = signed(statement(), headers={"x5c": _x5c(SIGNER, CA)})
        self.assertEqual(self.post(sent, token).status_code, 200)
        got = self.xapi_get(f"statements?statementId={sent['id']}&attachments=true")
        self.assertIn(token, got.content)
        self.assertEqual(got.content.count(b"X-Experience-API-Hash"), 1)
        self.assertTrue(Attachment.objects.filter(sha2=hashlib.sha256(token).hexdigest()))

    def test_what_the_lrs_sets_does_not_count(self):
        """Data 2.6.s5.b3.b2 with 2.3.1.b1, b4, b5: id and timestamp when the signed statement
        has none, authority, stored and version; a timestamp in another zone; the order of a
        group's members."""
        team = {"objectType": "Group", "member": [ALICE, {"mbox": "mailto:bob@example.org"}]}
        original = statement(actor=team, timestamp="2026-03-01T10:00:00+01:00")
        payload = {k: v for k, v in original.items() if k != "id"}
        payload["actor"] = {**team, "member": list(reversed(team["member"]))}
        sent, token = signed(
            {**original, "timestamp": "2026-03-01T09:00:00Z", "version": "1.0.0"},
            payload={**payload, "authority": CONSUMER_AGENT, "stored": "2026-03-01T09:00:00Z"},
        )
        self.assertEqual(self.post(sent, token).status_code, 200)

    def test_the_signature_must_be_application_octet_stream(self):
        """Data 2.6.s4.b1."""
        sent, token = signed(statement(), content_type="text/plain; charset=ascii")
        self.assert_refused(self.post(sent, token), "application/octet-stream")

    def test_only_the_rsa_algorithms(self):
        """Data 2.6.s4.b4: RS256, RS384 or RS512; not HMAC, not EC, not none."""
        hmac_sent, hmac_token = signed(statement(), algorithm="HS256", key="a shared secret" * 3)
        self.assert_refused(self.post(hmac_sent, hmac_token), "RS256")
        ec_key = ec.generate_private_key(ec.SECP256R1())
        ec_sent, ec_token = signed(statement(), algorithm="ES256", key=ec_key)
        self.assert_refused(self.post(ec_sent, ec_token), "RS256")
        plain = statement()
        unsigned = (
            jwt.utils.base64url_encode(b'{"alg":"none"}')
            + b"."
            + jwt.utils.base64url_encode(json.dumps(plain).encode())
            + b"."
        )
        none_sent, none_token = signed(plain, token=unsigned)
        self.assert_refused(self.post(none_sent, none_token), "RS256")

    def test_a_malformed_jws_is_refused(self):
        """Data 2.6.s5.b1, s4.b2: not a JWS in compact serialization."""
        for token in (b"not a jws", b"a.b", b'{"payload": "x", "signatures": []}', b"\xff\xfe"):
            with self.subTest(token):
                sent, token = signed(statement(), token=token)
                self.assert_refused(self.post(sent, token), "JWS")

    def test_the_payload_must_be_a_statement(self):
        """Data 2.6.s4.b3: a valid JSON serialization of the statement."""
        sent, token = signed(statement(), payload=b'{"actor": ')
        self.assert_refused(self.post(sent, token), "JSON of a statement")

    def test_the_payload_must_match_the_statement(self):
        """Data 2.6.s5.b3.b2: logically equivalent to the statement received."""
        original = statement()
        for change in (
            {"actor": {"mbox": "mailto:mallory@example.org"}},
            {"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
            {"timestamp": "2020-01-01T00:00:00Z"},
            {"result": {"success": True}},
        ):
            with self.subTest(change):
                sent, token = signed({**original, **change}, payload=original)
                if "timestamp" in change:  # the signed one must have one to compare
                    sent, token = signed(
                        {**original, **change},
                        payload={**original, "timestamp": "2026-01-01T00:00:00Z"},
                    )
                self.assert_refused(self.post(sent, token), "differs")

    def test_the_x5c_chain_is_checked(self):
        """Data 2.6.s5.b3.b3: the signature verifies with the certificate; the chain holds."""
        stranger, token = signed(statement(), key=STRANGER_KEY, headers={"x5c": _x5c(SIGNER)})
        self.assert_refused(self.post(stranger, token), "does not verify")
        forged, token = signed(statement(), headers={"x5c": _x5c(FORGED, CA)})
        self.assert_refused(self.post(forged, token), "not signed by")
        garbage, token = signed(statement(), headers={"x5c": ["bm90IGEgY2VydA=="]})
        self.assert_refused(self.post(garbage, token), "X.509")
        wrong_type, token = signed(statement(), headers={"x5c": "MIIB"})
        self.assert_refused(self.post(wrong_type, token), "x5c")

    def test_a_signature_only_as_a_file_url_cannot_be_checked(self):
        sent, _ = signed(statement())
        sent["attachments"][0]["fileUrl"] = "https://files.example/signature.jws"
        self.assert_refused(self.xapi_post("statements", sent), "part")
