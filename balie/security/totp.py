"""Time-based one-time passwords (TOTP, RFC 6238): the six digits an authenticator app shows.

Pure functions of the standard library, no Django: a secret, the code for a 30-second step,
which step a typed code belongs to, and the `otpauth://` address the app reads from the QR
code. Which steps were used already (replay) is the caller's business."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_SECONDS = 30
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1


def new_secret() -> str:
    """A fresh shared secret in base32 without padding: 32 letters and digits."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def counter_at(when: float) -> int:
    """The number of the 30-second step that `when` (a Unix time) falls in."""
    return int(when // STEP_SECONDS)


def code_at(secret: str, counter: int) -> str:
    """The code for one step (RFC 4226 HOTP with SHA-1, as every authenticator app does)."""
    digest = hmac.new(_key(secret), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def now_code(secret: str) -> str:
    """The code the app shows right now."""
    return code_at(secret, counter_at(time.time()))


def matching_counter(secret: str, code: str, *, after: int = -1, window: int = 1) -> int | None:
    """The step that `code` belongs to, within `window` steps of now (clocks drift) and later
    than step `after` (a code used once is never accepted again); None if it matches none."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = counter_at(time.time())
    for counter in range(now - window, now + window + 1):
        if counter > after and hmac.compare_digest(code_at(secret, counter), code):
            return counter
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The `otpauth://totp/…` address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
