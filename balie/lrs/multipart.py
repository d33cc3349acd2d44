"""Statements with attachments travel as multipart/mixed (Communication 1.5.2): the first part
is the statement JSON, each further part the raw content of one attachment, named by its
`X-Experience-API-Hash` and sent with `Content-Transfer-Encoding: binary`.

Parsed by hand rather than with `email`: the parts are binary, and the email parser's line
handling would change them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from balie.lrs.http import BadRequest

HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # names in lower case
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "application/octet-stream")


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart/mixed Content-Type header."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return value.strip('"')
    raise BadRequest("Content-Type: multipart/mixed needs a boundary parameter")


def parse(body: bytes, content_type: str) -> list[Part]:
    delimiter = b"--" + boundary_of(content_type).encode()
    sections = body.split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise BadRequest("the multipart body is not complete (no closing boundary)")
    return [_part(section, index) for index, section in enumerate(sections[1:-1])]


def _part(section: bytes, index: int) -> Part:
    head, separator, content = section.partition(b"\r\n\r\n")
    if not separator or not content.endswith(b"\r\n"):
        raise BadRequest(f"part {index} of the multipart body is malformed")
    headers = {}
    for line in head.decode("latin-1").strip().split("\r\n"):
        name, colon, value = line.partition(":")
        if line and not colon:
            raise BadRequest(f"part {index}: header line {line!r} is malformed")
        if line:
            headers[name.strip().lower()] = value.strip()
    return Part(headers, content[:-2])


def attachment_parts(parts: list[Part]) -> dict[str, tuple[str, bytes]]:
    """The attachment parts (all but the first) by their hash, each checked: the headers the
    spec requires, and a hash that matches the content."""
    found = {}
    for index, part in enumerate(parts[1:], start=1):
        given = part.headers.get("x-experience-api-hash", "").lower()
        if not given:
            raise BadRequest(f"part {index}: the X-Experience-API-Hash header is missing")
        if part.headers.get("content-transfer-encoding", "").lower() != "binary":
            raise BadRequest(f"part {index}: Content-Transfer-Encoding must be binary")
        algorithm = HASHES.get(len(given))
        if algorithm is None or algorithm(part.content).hexdigest() != given:
            raise BadRequest(f"part {index}: the content does not match X-Experience-API-Hash")
        found[given] = (part.content_type, part.content)
    return found


def build(first: bytes, attachments: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body of JSON `first` and (sha2, content type, content) parts, and
    its Content-Type."""
    boundary = secrets.token_hex(16)
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        first,
        b"\r\n",
    ]
    for sha2, content_type, content in attachments:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks.extend([content, b"\r\n"])
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
