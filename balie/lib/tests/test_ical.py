"""The iCalendar writer: what calendar clients need, read back with the icalendar parser."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from balie.lib.ical import Event, calendar, clean_text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 10, 9, 30, tzinfo=AMSTERDAM)
CHANGED = datetime(2026, 2, 1, 12, 0, 5, tzinfo=UTC)


def make_event(**fields) -> Event:
    values = {
        "uid": "5b0c9f6e-2f3c-4f0e-9a55-0e7f4c1d2a10",
        "sequence": 0,
        "start": START,
        "end": START + timedelta(hours=2),
        "summary": "Aftrap: leervragen en planning — Team Helmond",
        "description": "Doel: leervragen ophalen.",
        "location": "Helmond, zaal 1",
        "url": "http://127.0.0.1:8000/bijeenkomsten/1/",
        "cancelled": False,
        "organizer_name": "Sanne Hoekstra",
        "organizer_email": "sanne@cubiss.test",
        "last_modified": CHANGED,
    }
    values.update(fields)
    return Event(**values)


def parse(data: bytes) -> icalendar.Calendar:
    assert isinstance(data, bytes)
    return icalendar.Calendar.from_ical(data)


def only_event(data: bytes) -> icalendar.Event:
    events = parse(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_the_calendar_has_every_required_property() -> None:
    data = calendar([make_event()], name="Bijeenkomsten van Alice")
    cal = parse(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//Balie//NL"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-CALNAME"]) == "Bijeenkomsten van Alice"
    assert "METHOD" not in cal  # a feed or download without iTIP method
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    # Every TZID an event uses has its VTIMEZONE (what strict clients check).
    assert cal.get_missing_tzids() == set()

    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == "5b0c9f6e-2f3c-4f0e-9a55-0e7f4c1d2a10@balie"
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Aftrap: leervragen en planning — Team Helmond"
    assert str(event["DESCRIPTION"]) == "Doel: leervragen ophalen."
    assert str(event["LOCATION"]) == "Helmond, zaal 1"
    assert str(event["URL"]) == "http://127.0.0.1:8000/bijeenkomsten/1/"
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event["DTEND"].params["TZID"] == "Europe/Amsterdam"
    assert event.start == START
    assert event.end == START + timedelta(hours=2)
    assert event["ORGANIZER"] == "mailto:sanne@cubiss.test"
    assert event["ORGANIZER"].params["CN"] == "Sanne Hoekstra"
    assert event["LAST-MODIFIED"].dt == CHANGED

    text = data.decode()
    assert "\r\n" in text and text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;TZID=Europe/Amsterdam:20260310T093000\r\n" in text
    # DTSTAMP in UTC; in a feed (no METHOD) it is the time of the last change.
    assert "DTSTAMP:20260201T120005Z\r\n" in text


def test_summer_time_is_written_as_local_time_with_the_right_offset() -> None:
    summer = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 in Amsterdam
    event = only_event(
        calendar([make_event(start=summer, end=summer + timedelta(hours=1))], name="x")
    )
    assert event["DTSTART"].to_ical() == b"20260701T090000"
    assert event.start == summer


def test_a_download_with_a_method_is_stamped_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    cal = parse(calendar([make_event()], name="x", method="PUBLISH"))
    assert str(cal["METHOD"]) == "PUBLISH"
    stamp = cal.walk("VEVENT")[0]["DTSTAMP"].dt
    assert stamp.utcoffset() == timedelta(0)
    assert before <= stamp <= datetime.now(UTC)


def test_a_change_keeps_the_uid_and_raises_the_sequence() -> None:
    first = make_event()
    moved = dataclasses.replace(
        first, sequence=1, start=START + timedelta(days=1), end=START + timedelta(days=1, hours=2)
    )
    old = only_event(calendar([first], name="x"))
    new = only_event(calendar([moved], name="x"))
    assert new["UID"] == old["UID"]
    assert new["SEQUENCE"] > old["SEQUENCE"]
    assert new.start == START + timedelta(days=1)


def test_a_cancellation_keeps_the_uid_with_a_higher_sequence() -> None:
    first = make_event(sequence=3)
    cancelled = dataclasses.replace(first, sequence=4, cancelled=True)

    download = calendar([cancelled], name="x", method="CANCEL")
    cal = parse(download)
    assert str(cal["METHOD"]) == "CANCEL"
    event = cal.walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "5b0c9f6e-2f3c-4f0e-9a55-0e7f4c1d2a10@balie"
    assert event["SEQUENCE"] == 4
    assert "ORGANIZER" in event  # required by iTIP for CANCEL

    # In a feed the same event stays, marked cancelled, so subscribed calendars update it.
    feed = only_event(calendar([first, cancelled][1:], name="x"))
    assert str(feed["STATUS"]) == "CANCELLED"
    assert feed["UID"] == event["UID"]


def test_attendees_are_written_for_itip() -> None:
    event = only_event(
        calendar(
            [make_event(attendees=(("Alice de Vries", "alice@hp.test"),))],
            name="x",
            method="REQUEST",
        )
    )
    assert event["ATTENDEE"] == "mailto:alice@hp.test"
    assert event["ATTENDEE"].params["CN"] == "Alice de Vries"


def test_awkward_text_survives_the_round_trip() -> None:
    awkward = 'Koffie, thee; en "koekjes"\\n?\nTweede regel: één, café, 🙂, 日本語'
    event = only_event(
        calendar(
            [make_event(summary=awkward, description=awkward * 20, location=awkward)],
            name="x",
        )
    )
    assert str(event["SUMMARY"]) == awkward
    assert str(event["DESCRIPTION"]) == awkward * 20
    assert str(event["LOCATION"]) == awkward


def test_long_lines_are_folded_at_75_octets() -> None:
    data = calendar([make_event(description="één lange zin met é " * 40)], name="x")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line


def test_windows_line_breaks_and_control_characters_are_cleaned() -> None:
    event = only_event(calendar([make_event(summary="a\r\nb\rc\x00d\te")], name="x"))
    assert str(event["SUMMARY"]) == "a\nb\ncd\te"


def test_the_calendar_name_is_escaped_and_on_one_line() -> None:
    data = calendar([], name="Alice; Bob,\nen de rest")
    assert b"X-WR-CALNAME:Alice\\; Bob\\, en de rest\r\n" in data
    cal = parse(data)
    assert cal.walk("VEVENT") == []


def test_the_organizer_name_cannot_break_the_parameter() -> None:
    event = only_event(calendar([make_event(organizer_name='Sanne "de baas"; Hoek')], name="x"))
    assert event["ORGANIZER"].params["CN"] == "Sanne de baas; Hoek"


def test_times_without_a_time_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_event(start=datetime(2026, 3, 10, 9, 30))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="after"):
        make_event(end=START)
    with pytest.raises(ValueError, match="method"):
        calendar([make_event()], name="x", method="DELETE")


def test_many_events_share_one_timezone() -> None:
    events = [
        make_event(
            uid=f"uid-{n}",
            start=START + timedelta(days=200 * n),
            end=START + timedelta(days=200 * n, hours=1),
        )
        for n in range(3)
    ]
    cal = parse(calendar(events, name="x"))
    assert len(cal.walk("VTIMEZONE")) == 1
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [f"uid-{n}@balie" for n in range(3)]
    assert cal.get_missing_tzids() == set()


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(min_size=1))
def test_any_text_round_trips(text: str) -> None:
    data = calendar([make_event(summary=text, description=text, location=text)], name=text)
    event = only_event(data)
    expected = clean_text(text)
    assert str(event["SUMMARY"]) == expected
    assert str(event.get("DESCRIPTION", "")) == expected
    assert str(event.get("LOCATION", "")) == expected
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))


@settings(database=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"])))
def test_text_without_control_characters_is_kept_exactly(text: str) -> None:
    assume("\\N" not in text)  # read back as a line break, see clean_text
    assert clean_text(text) == text
