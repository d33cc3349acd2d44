"""Signed statements (xAPI 1.0.3, Data 2.6): a statement may carry a JSON Web Signature as an
attachment, and the LRS must refuse one that is malformed (2.6.s5.b1) with a 400.

For every attachment whose usageType is the signature's, `check` requires:

- the contentType `application/octet-stream` (2.6.s4.b1), and the JWS itself as a part of the
  request (a fileUrl alone cannot be checked);
- a JWS in compact serialization (2.6.s4.b2; the JSON serialization is refused) whose algorithm
  is RS256, RS384 or RS512 (2.6.s4.b4);
- a payload that is the JSON of a statement (2.6.s4.b3), logically equivalent to the statement
  received (2.6.s5.b3.b2, compared as Data 2.3.1 says: differences the LRS could have caused —
  `id` and `timestamp` when the signed statement has none, `authority`, `stored`, `version` —
  and the order of a group's members do not count; the signature attachment itself is not
  part of what was signed);
- with an `x5c` header, a signature that verifies with the first certificate's RSA key, and a
  chain in which each certificate is signed by the next (2.6.s5.b3.b3). Without x5c there is
  no key to verify with; the spec asks no more. Whom the chain leads to is not judged: the
  spec means this check to catch mistakes, not to authenticate the signer (2.6.s5 note).

PyJWT (with `cryptography`, both already Balie's dependencies through django-allauth) decodes
and verifies the JWS. The signature attachment is stored and returned like any other.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import uuid
from typing import Any

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils.dateparse import parse_datetime

from balie.lib import jsonbody
from balie.lrs.http import BadRequest

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS = ("RS256", "RS384", "RS512")
# What the LRS sets or replaces whatever the client sent (Data 2.3.1.b1).
SET_BY_THE_LRS = ("authority", "stored", "version")

_jws = jwt.PyJWS(algorithms=list(ALGORITHMS))


def check(statements: list[dict[str, Any]], parts: dict[str, tuple[str, bytes]]) -> None:
    """Raise `BadRequest` unless every signature on `statements` is well formed. `parts` are
    the request's attachment parts by sha2."""
    for index, statement in enumerate(statements):
        where = "statement" if len(statements) == 1 else f"statement[{index}]"
        for position, attachment in enumerate(statement.get("attachments", [])):
            if attachment["usageType"] == SIGNATURE:
                _check_one(statement, attachment, parts, f"{where}.attachments[{position}]")


def _check_one(
    statement: dict[str, Any],
    attachment: dict[str, Any],
    parts: dict[str, tuple[str, bytes]],
    where: str,
) -> None:
    if attachment["contentType"].split(";")[0].strip().lower() != "application/octet-stream":
        raise BadRequest(
            f"{where}.contentType: a signature must be application/octet-stream (Data 2.6.s4.b1)"
        )
    part = parts.get(attachment["sha2"].lower())
    if part is None:
        raise BadRequest(f"{where}: send the signature as a part of the request, to be checked")
    token = part[1].strip()
    try:
        header = _jws.get_unverified_header(token)
        signed = _jws.decode_complete(token, options={"verify_signature": False})["payload"]
    except jwt.InvalidTokenError:
        raise BadRequest(
            f"{where}: the signature is not a JWS in compact serialization (Data 2.6.s4.b2)"
        ) from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise BadRequest(
            f"{where}: the JWS algorithm must be RS256, RS384 or RS512, not {algorithm!r}"
            " (Data 2.6.s4.b4)"
        )
    try:
        payload = jsonbody.loads(signed)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise BadRequest(
            f"{where}: the JWS payload is not the JSON of a statement (Data 2.6.s4.b3)"
        )
    if "x5c" in header:
        _verify_with_certificates(token, header["x5c"], algorithm, where)
    if not equivalent(payload, statement):
        raise BadRequest(
            f"{where}: the signed statement differs from the statement sent (Data 2.6.s5.b3.b2)"
        )


def _verify_with_certificates(token: bytes, chain: Any, algorithm: str, where: str) -> None:
    if not isinstance(chain, list) or not chain or not all(isinstance(c, str) for c in chain):
        raise BadRequest(f"{where}: the JWS header x5c must be a list of certificates")
    try:
        certificates = [
            x509.load_der_x509_certificate(base64.b64decode(text, validate=True)) for text in chain
        ]
    except (ValueError, binascii.Error):
        raise BadRequest(
            f"{where}: x5c holds something that is not an X.509 certificate (base64 DER)"
        ) from None
    key = certificates[0].public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadRequest(
            f"{where}: the first certificate of x5c has no RSA key, as {algorithm} needs"
        )
    try:
        _jws.decode_complete(token, key=key, algorithms=[algorithm])
    except jwt.InvalidTokenError:
        raise BadRequest(
            f"{where}: the signature does not verify with the first certificate of x5c"
            " (Data 2.6.s5.b3.b3)"
        ) from None
    for position, (certificate, issuer) in enumerate(itertools.pairwise(certificates)):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise BadRequest(
                f"{where}: certificate {position} of x5c is not signed by certificate"
                f" {position + 1}"
            ) from None


def equivalent(signed: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether the signed statement is logically the statement received (Data 2.3.1.s9)."""
    signed = {k: v for k, v in signed.items() if k not in SET_BY_THE_LRS}
    received = {k: v for k, v in received.items() if k not in SET_BY_THE_LRS}
    for name, same in (("id", _same_id), ("timestamp", _same_moment)):
        if name not in signed:  # the LRS may add it (2.3.1.b1)
            received.pop(name, None)
        elif name in received and same(signed[name], received[name]):
            received[name] = signed[name]
    unsigned = [a for a in received.get("attachments", []) if a.get("usageType") != SIGNATURE]
    received.pop("attachments", None)
    if unsigned:
        received["attachments"] = unsigned
    if not signed.get("attachments"):
        signed.pop("attachments", None)
    return _members_unordered(signed) == _members_unordered(received)


def _same_id(first: Any, second: Any) -> bool:
    try:
        return uuid.UUID(str(first)) == uuid.UUID(str(second))
    except ValueError:
        return False


def _same_moment(first: Any, second: Any) -> bool:
    """The same point in time, in any time zone (2.3.1.b4)."""
    try:
        one, other = parse_datetime(str(first)), parse_datetime(str(second))
    except ValueError:
        return False
    if one is None or other is None or (one.tzinfo is None) != (other.tzinfo is None):
        return first == second
    return one == other


def _members_unordered(value: Any) -> Any:
    """A group's members are an unordered list (2.3.1.b5): sorted, to compare."""
    if isinstance(value, list):
        return [_members_unordered(item) for item in value]
    if not isinstance(value, dict):
        return value
    shaped = {key: _members_unordered(item) for key, item in value.items()}
    if isinstance(shaped.get("member"), list):
        shaped["member"] = sorted(
            shaped["member"], key=lambda member: json.dumps(member, sort_keys=True)
        )
    return shaped
