"""E-mails from templates, as every app sends them: in Dutch and Dutch time, the subject on one
line, the body without trailing spaces or runs of empty lines, addressed by name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

if TYPE_CHECKING:
    from balie.orgs.models import User

MAIL_LANGUAGE = "nl"
MAIL_TIME_ZONE = "Europe/Amsterdam"


@contextmanager
def dutch() -> Iterator[None]:
    """The language and time zone of every e-mail, also for what goes with it (an .ics)."""
    with translation.override(MAIL_LANGUAGE), timezone.override(MAIL_TIME_ZONE):
        yield


def message(
    template: str, context: dict[str, Any], *, to: User | str, reply_to: User | None = None
) -> EmailMessage:
    """`<template>_subject.txt` and `<template>_body.txt` rendered for `to`: a person of
    Balie, or the bare address of someone who is not (a customer's, for an appointment card)."""
    with dutch():
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=tidy(body),
        to=[address(to)],
        reply_to=[address(reply_to)] if reply_to else None,
    )


def address(person: User | str) -> str:
    return person if isinstance(person, str) else formataddr((person.full_name, person.email))


def tidy(text: str) -> str:
    """Template output without trailing spaces and with at most one empty line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidied: list[str] = []
    for line in lines:
        if line or (tidied and tidied[-1]):
            tidied.append(line)
    return "\n".join(tidied) + "\n"
