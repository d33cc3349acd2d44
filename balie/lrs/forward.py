"""Sending an organisation's statements on to its external LRS (a `Forwarder`).

`store()` writes a `Delivery` per forwarder in the same transaction as each statement; this
module sends the due ones, per forwarder, oldest first, in batches of `BATCH`: one POST of a
statement list to `<endpoint>statements` with Basic credentials and the version header, using
only the standard library, with a timeout. Statements whose attachments Balie holds go as
multipart/mixed with those attachments' content (an LRS must not push statements without the
attachment data it received, Communication 1.5.2.s3.b3). It runs in a task worker or from cron
(`balie forward_statements`), never in a learner's request.

- 200/204: the batch is delivered; its deliveries are deleted. A 409 means the remote LRS has
  those ids already: delivered too (a batch of several is then sent again one by one, so that a
  remote that refused the whole batch for one known id still gets the others).
- Anything else (no connection, a timeout, 429, 5xx, another 4xx): the deliveries stay, with
  one attempt more and the next attempt after an exponential back-off with jitter (one minute,
  doubling, at most six hours). The forwarder remembers the failures in a row and a short
  `last_error`; while it fails, nothing new is sent to it before its last batch is due again,
  so a remote that is down gets one try per back-off, not one per run. Nothing is dropped.
- At least once: two workers lock different rows (`select_for_update(skip_locked=True)` on
  PostgreSQL), so they never send the same batch at the same time. A worker that dies after
  sending but before committing sends that batch again later; the statement ids make that
  harmless.
"""

from __future__ import annotations

import base64
import json
import random
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from balie.lrs import multipart
from balie.lrs.models import Delivery, Forwarder, Statement
from balie.lrs.query import stored_attachments

BATCH = 50
TIMEOUT_SECONDS = 20
FIRST_DELAY = timedelta(minutes=1)
LONGEST_DELAY = timedelta(hours=6)
MOST_BATCHES_PER_RUN = 200  # per forwarder: a run ends, also while statements keep coming
VERSION = "1.0.3"
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Answer:
    """What the remote LRS said: an HTTP status, or 0 and why there was none."""

    status: int
    text: str

    @property
    def delivered(self) -> bool:
        return self.status in (200, 204, 409)


def forward_due(now: datetime | None = None) -> dict[str, int]:
    """Send what is due to every active forwarder. Returns the statements delivered and the
    batches that failed."""
    totals = {"delivered": 0, "failed_batches": 0}
    for forwarder in Forwarder.objects.filter(is_active=True).order_by("pk"):
        delivered, failed = forward(forwarder, now=now)
        totals["delivered"] += delivered
        totals["failed_batches"] += failed
    return totals


def forward(forwarder: Forwarder, *, now: datetime | None = None) -> tuple[int, int]:
    """Send `forwarder`'s due deliveries, batch after batch, until none is due or a batch
    fails. Returns (statements delivered, failed batches: 0 or 1)."""
    now = now or timezone.now()
    if _resting(forwarder, now):
        return 0, 0
    delivered = 0
    for _ in range(MOST_BATCHES_PER_RUN):
        sent = send_batch(forwarder, now=now)
        delivered += sent.delivered
        if sent.failed:
            return delivered, 1
        if sent.size < BATCH:
            break
    return delivered, 0


@dataclass(frozen=True)
class Sent:
    size: int
    delivered: int
    failed: bool


def send_batch(forwarder: Forwarder, *, now: datetime) -> Sent:
    """Lock and send the oldest due batch."""
    with transaction.atomic():
        batch = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(forwarder=forwarder, next_attempt_at__lte=now)
            .select_related("statement")
            .order_by("id")[:BATCH]
        )
        if not batch:
            return Sent(0, 0, failed=False)
        answer = _post(forwarder, [d.statement for d in batch])
        if answer.status == 409 and len(batch) > 1:
            answers = [_post(forwarder, [d.statement]) for d in batch]
            done = [d for d, a in zip(batch, answers, strict=True) if a.delivered]
            failed = next((a for a in answers if not a.delivered), None)
        else:
            done = batch if answer.delivered else []
            failed = None if answer.delivered else answer
        Delivery.objects.filter(pk__in=[d.pk for d in done]).delete()
        if failed is None:
            Forwarder.objects.filter(pk=forwarder.pk).update(
                last_sent_at=timezone.now(), failures=0, last_error=""
            )
            return Sent(len(batch), len(done), failed=False)
        _back_off(forwarder, [d for d in batch if d not in done], failed)
        return Sent(len(batch), len(done), failed=True)


def _back_off(forwarder: Forwarder, batch: list[Delivery], answer: Answer) -> None:
    """Keep the batch for later: the delay doubles with the forwarder's failures in a row."""
    failures = Forwarder.objects.get(pk=forwarder.pk).failures + 1
    due = timezone.now() + delay(failures)
    Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
        attempts=F("attempts") + 1, next_attempt_at=due
    )
    error = f"HTTP {answer.status}: {answer.text}" if answer.status else answer.text
    Forwarder.objects.filter(pk=forwarder.pk).update(
        failures=failures, last_error=error[:ERROR_LENGTH]
    )


def delay(failures: int) -> timedelta:
    """One minute after the first failure, doubling after each next one, at most six hours;
    up to half as long again at random, so that many forwarders do not retry in step."""
    base = min(FIRST_DELAY * 2 ** min(failures - 1, 20), LONGEST_DELAY)
    return min(base * random.uniform(1, 1.5), LONGEST_DELAY)  # noqa: S311 - jitter, not a secret


def _resting(forwarder: Forwarder, now: datetime) -> bool:
    """While the forwarder fails, wait for its latest failed batch to be due again."""
    if not forwarder.failures:
        return False
    latest = Delivery.objects.filter(forwarder=forwarder, attempts__gt=0).aggregate(
        due=Max("next_attempt_at")
    )["due"]
    return latest is not None and latest > now


def _outgoing(payload: dict[str, Any]) -> dict[str, Any]:
    """The statement as stored, without `stored`: the remote LRS sets its own."""
    return {key: value for key, value in payload.items() if key != "stored"}


def _post(forwarder: Forwarder, rows: list[Statement]) -> Answer:
    body = json.dumps([_outgoing(row.payload) for row in rows]).encode()
    content_type = "application/json"
    parts = stored_attachments(rows, {row.organisation_id for row in rows})
    if parts:
        body, content_type = multipart.build(body, parts)
    credentials = f"{forwarder.username}:{forwarder.password}".encode()
    request = urllib.request.Request(  # noqa: S310 - an http(s) URLField set by an administrator
        forwarder.endpoint.rstrip("/") + "/statements",
        data=body,
        method="POST",
        headers={
            "Content-Type": content_type,
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "X-Experience-API-Version": VERSION,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return Answer(response.status, "")
    except urllib.error.HTTPError as error:
        return Answer(error.code, _body(error))
    except (OSError, ValueError) as error:  # no connection, a timeout, a bad address
        return Answer(0, f"{type(error).__name__}: {error}")


def _body(error: urllib.error.HTTPError) -> str:
    try:
        return " ".join(error.read(ERROR_LENGTH).decode(errors="replace").split())
    except OSError:
        return ""
