"""iCalendar (RFC 5545) for meetings: one download, a person's feed, an e-mail attachment.

Pure: it knows no models. The caller hands over `Event`s; this module writes a VCALENDAR
with the `icalendar` package, which escapes text and folds long lines.

The rules calendar clients rely on:

- UID stays the same for the life of a meeting ("<uid>@balie"); SEQUENCE goes up on every
  change, so a client replaces its copy instead of adding a second one.
- A cancelled meeting keeps its UID and gets STATUS:CANCELLED (and a higher SEQUENCE), so
  a subscribed calendar removes or strikes it out. A single cancellation download carries
  METHOD:CANCEL.
- Times are written in Europe/Amsterdam with a VTIMEZONE; DTSTAMP is in UTC. Without a
  METHOD (a feed) DTSTAMP is the time the event was last changed (RFC 5545, 3.8.7.2), so
  the same data gives the same feed; with a METHOD it is the moment of writing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//Balie//NL"
TIME_ZONE = ZoneInfo("Europe/Amsterdam")
UID_DOMAIN = "balie"
METHODS = {"PUBLISH", "REQUEST", "CANCEL"}

# TEXT values may hold any character but the controls (RFC 5545, 3.3.11); tab and line
# breaks are allowed (a line break is written as \n).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A quoted parameter value (CN="...") cannot hold a double quote (RFC 5545, 3.1).
_PARAM_UNSAFE = re.compile(r'[\x00-\x1f\x7f"]')


@dataclass(frozen=True)
class Event:
    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    organizer_name: str = ""
    organizer_email: str = ""
    last_modified: datetime | None = None
    # (name, e-mail) pairs; iTIP (METHOD:REQUEST/CANCEL) wants at least one ATTENDEE.
    attendees: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name in ("start", "end", "last_modified"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"Event.{name} must be timezone-aware, not {value!r}")
        if self.end <= self.start:
            raise ValueError("Event.end must be after Event.start")
        if self.sequence < 0:
            raise ValueError("Event.sequence cannot be negative")


def clean_text(text: str) -> str:
    """The text as it will read back from the calendar: line breaks as \\n, no controls."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The icalendar package reads a backslash before a capital N as a line break.
    text = text.replace("\\N", "\n")
    return _CONTROL.sub("", text)


def full_uid(uid: str) -> str:
    return f"{uid}@{UID_DOMAIN}"


def calendar(events: Sequence[Event], *, name: str, method: str | None = None) -> bytes:
    """A VCALENDAR with these events, as bytes ready to serve as text/calendar."""
    if method is not None and method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}")
    now = datetime.now(UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    # The library writes calendar-level names unescaped: escape them as TEXT ourselves.
    title = icalendar.vText(" ".join(clean_text(name).split()))
    cal.add("name", title)  # RFC 7986
    cal.add("x-wr-calname", title)  # what Google, Apple and Outlook read
    for event in events:
        cal.add_component(_vevent(event, stamp=now if method else None))
    if events:
        # Only the years the events need: a short VTIMEZONE that every client reads.
        years = [e.start.astimezone(TIME_ZONE).year for e in events] + [
            e.end.astimezone(TIME_ZONE).year for e in events
        ]
        cal.add_missing_timezones(
            first_date=date(min(years), 1, 1), last_date=date(max(years) + 1, 1, 1)
        )
    return cal.to_ical()


def _vevent(event: Event, *, stamp: datetime | None) -> icalendar.Event:
    changed = _utc(event.last_modified) if event.last_modified else None
    vevent = icalendar.Event()
    vevent.add("uid", full_uid(event.uid))
    vevent.add("dtstamp", stamp or changed or datetime.now(UTC).replace(microsecond=0))
    vevent.add("sequence", event.sequence)
    vevent.add("dtstart", event.start.astimezone(TIME_ZONE).replace(microsecond=0))
    vevent.add("dtend", event.end.astimezone(TIME_ZONE).replace(microsecond=0))
    vevent.add("summary", clean_text(event.summary))
    if event.description:
        vevent.add("description", clean_text(event.description))
    if event.location:
        vevent.add("location", clean_text(event.location))
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    if changed:
        vevent.add("last-modified", changed)
    if event.organizer_email:
        vevent.add("organizer", _address(event.organizer_name, event.organizer_email))
    for attendee_name, attendee_email in event.attendees:
        address = _address(attendee_name, attendee_email)
        address.params["ROLE"] = "REQ-PARTICIPANT"
        vevent.add("attendee", address)
    return vevent


def _address(name: str, email: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    cn = _PARAM_UNSAFE.sub("", name).strip()
    if cn:
        address.params["CN"] = cn
    return address


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
