"""Statements with attachments: multipart/mixed in (PUT and POST), the checks on the parts,
and multipart/mixed out with `attachments=true`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from balie.lrs import multipart
from balie.lrs.models import Attachment, Statement
from balie.lrs.tests.test_statements import statement
from balie.lrs.tests.xapi import XapiTestCase, make_client

CONTENT = b"here is a simple attachment\r\n--not a boundary\x00\xff"
SHA2 = hashlib.sha256(CONTENT).hexdigest()


def with_attachment(sha2: str = SHA2, **extra: Any) -> dict[str, Any]:
    attachment = {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en-US": "A test attachment"},
        "contentType": "application/octet-stream",
        "length": len(CONTENT),
        "sha2": sha2,
        **extra,
    }
    return statement(attachments=[attachment])


def body(first: Any, parts: list[tuple[dict[str, str], bytes]]) -> tuple[bytes, str]:
    boundary = "abcABC0123'()+_,-./:=?"
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(first).encode(),
        b"\r\n",
    ]
    for headers, content in parts:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks += [f"--{boundary}\r\n{head}\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


GOOD_PART = {
    "Content-Type": "application/octet-stream",
    "Content-Transfer-Encoding": "binary",
    "X-Experience-API-Hash": SHA2,
}


class AttachmentTests(XapiTestCase):
    def send(self, first: Any, parts: list, method: str = "POST", query: str = ""):
        content, content_type = body(first, parts)
        return self.xapi(method, "statements" + query, content, content_type=content_type)

    def test_post_with_a_part_stores_it_and_get_returns_it(self):
        sent = with_attachment()
        response = self.send([sent], [(GOOD_PART, CONTENT)])
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Attachment.objects.get(sha2=SHA2).content, CONTENT)
        got = self.xapi_get(f"statements?statementId={sent['id']}&attachments=true")
        self.assertEqual(got.status_code, 200)
        self.assertTrue(got["Content-Type"].startswith("multipart/mixed"))
        parts = multipart.parse(got.content, got["Content-Type"])
        self.assertEqual(json.loads(parts[0].content)["id"], sent["id"])
        self.assertEqual(
            multipart.attachment_parts(parts), {SHA2: (GOOD_PART["Content-Type"], CONTENT)}
        )
        listed = self.xapi_get("statements?attachments=true")
        parts = multipart.parse(listed.content, listed["Content-Type"])
        self.assertEqual(len(json.loads(parts[0].content)["statements"]), 1)
        self.assertEqual(len(parts), 2)
        plain = self.xapi_get(f"statements?statementId={sent['id']}")
        self.assertEqual(plain["Content-Type"], "application/json")

    def test_put_with_a_part(self):
        sent = with_attachment()
        response = self.send(sent, [(GOOD_PART, CONTENT)], "PUT", f"?statementId={sent['id']}")
        self.assertEqual(response.status_code, 204, response.content)

    def test_the_same_attachment_in_two_statements_needs_one_part(self):
        response = self.send([with_attachment(), with_attachment()], [(GOOD_PART, CONTENT)])
        self.assertEqual(response.status_code, 200, response.content)

    def test_an_attachment_with_a_file_url_needs_no_part(self):
        sent = with_attachment(fileUrl="https://example.org/file")
        self.assertEqual(self.xapi_post("statements", sent).status_code, 200)

    def test_a_missing_part_is_400(self):
        self.assertEqual(self.xapi_post("statements", with_attachment()).status_code, 400)
        self.assertEqual(self.send([with_attachment()], []).status_code, 400)

    def test_a_part_that_no_statement_names_is_400(self):
        response = self.send([statement()], [(GOOD_PART, CONTENT)])
        self.assertEqual(response.status_code, 400)
        self.assertIn("no statement has this attachment", response.json()["error"])

    def test_a_part_whose_content_does_not_match_its_hash_is_400(self):
        response = self.send([with_attachment()], [(GOOD_PART, CONTENT + b"!")])
        self.assertEqual(response.status_code, 400)

    def test_the_part_headers_are_required(self):
        for header in ("Content-Transfer-Encoding", "X-Experience-API-Hash"):
            with self.subTest(header):
                part = {k: v for k, v in GOOD_PART.items() if k != header}
                self.assertEqual(self.send([with_attachment()], [(part, CONTENT)]).status_code, 400)
        self.assertEqual(Statement.objects.count(), 0)

    def test_a_broken_multipart_body_is_400(self):
        content, content_type = body([with_attachment()], [(GOOD_PART, CONTENT)])
        cut = self.xapi_post("statements", content[:-10], content_type=content_type)
        self.assertEqual(cut.status_code, 400)
        no_boundary = self.xapi_post("statements", content, content_type="multipart/mixed")
        self.assertEqual(no_boundary.status_code, 400)

    def test_content_is_kept_per_organisation(self):
        self.send([with_attachment()], [(GOOD_PART, CONTENT)])
        _, other = make_client(self.other_library)
        got = self.xapi_get("statements?attachments=true", auth=other)
        self.assertEqual(len(multipart.parse(got.content, got["Content-Type"])), 1)
        content, content_type = body([with_attachment()], [(GOOD_PART, CONTENT)])
        self.xapi_post("statements", content, content_type=content_type, auth=other)
        self.assertEqual(Attachment.objects.filter(sha2=SHA2).count(), 2)
