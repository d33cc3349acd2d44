"""Meetings in calendars and mailboxes: the .ics of a meeting, a person's feed, the
invitations and the reminders 7 days and 1 day before — each sent once, also when two
workers run at the same moment."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from io import StringIO
from smtplib import SMTPException
from unittest import mock, skipUnless
from zoneinfo import ZoneInfo

import icalendar
import time_machine
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import TransactionTestCase, override_settings
from django_tasks import TaskResultStatus

from balie.cohorts import calendar, tasks
from balie.cohorts.actions import cancel_meeting, start_cohort, update_meeting
from balie.cohorts.models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    ReminderKind,
    ReminderSent,
)
from balie.testing import BaseTestCase, at_once

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 3, 10, 9, 30, tzinfo=AMSTERDAM)  # a Tuesday
END = START + timedelta(hours=2)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SITE = "https://balie.example"

mail_settings = override_settings(TASKS=IMMEDIATE, EMAIL_BACKEND=LOCMEM, BALIE_SITE_URL=SITE)


def make_cast(test) -> None:
    """Start Team Helmond (Alice and Bob, adviser Sanne, manager Hans) and plan its first
    meeting on START in branch Helmond, room "Zaal 1"."""
    test.cohort = start_cohort(
        test.programme,
        library=test.library,
        name="Team Helmond",
        adviser=test.adviser,
        manager=test.manager,
        starts_on=date(2026, 3, 1),
        participants=[test.alice, test.bob],
    )
    test.meeting = test.cohort.meetings.get(position=1)
    Meeting.objects.filter(pk=test.meeting.pk).update(
        starts_at=START, ends_at=END, branch=test.branch, room="Zaal 1"
    )
    test.meeting.refresh_from_db()


def ics_of(message: mail.EmailMessage) -> icalendar.Calendar:
    [attachment] = message.attachments
    assert attachment.filename == "bijeenkomst.ics"
    assert attachment.mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(attachment.content)


def everyone(test) -> set[str]:
    return {p.email for p in (test.alice, test.bob, test.adviser, test.manager)}


def recipients_of(messages) -> list[str]:
    return sorted(address.split("<")[-1].rstrip(">") for m in messages for address in m.to)


@mail_settings
class CalendarTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cast(cls)
        AgendaItem.objects.create(
            meeting=cls.meeting, position=1, title="Kennismaken", minutes=20, presenter=cls.alice
        )
        AgendaItem.objects.create(meeting=cls.meeting, position=2, title="Leervragen; wensen")
        Meeting.objects.filter(pk=cls.meeting.pk).update(purpose="Wat wil jij **leren**?")
        cls.meeting.preparation.set([cls.module])
        cls.meeting.refresh_from_db()

    def test_a_meeting_becomes_an_event(self) -> None:
        event = calendar.meeting_event(self.meeting)
        self.assertEqual(event.uid, str(self.meeting.uid))
        self.assertEqual(event.summary, "Aftrap: leervragen en planning — Team Helmond")
        self.assertEqual(event.location, "Helmond, Zaal 1")
        self.assertEqual(event.start, START)
        self.assertEqual(event.end, END)
        self.assertEqual(event.url, f"{SITE}/bijeenkomsten/{self.meeting.pk}/")
        self.assertEqual(event.organizer_email, "sanne@cubiss.test")
        self.assertFalse(event.cancelled)
        self.assertIn("Wat wil jij **leren**?", event.description)
        self.assertIn("1. Kennismaken (20 min., Alice de Vries)", event.description)
        self.assertIn("2. Leervragen; wensen (15 min.)", event.description)
        self.assertIn("- M1 BoekStart", event.description)
        self.assertIn(event.url, event.description)

    def test_the_download_round_trips(self) -> None:
        cal = icalendar.Calendar.from_ical(calendar.meeting_ics(self.meeting))
        self.assertEqual(str(cal["METHOD"]), "PUBLISH")
        [event] = cal.walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
        self.assertEqual(event.start, START)
        self.assertEqual(str(event["LOCATION"]), "Helmond, Zaal 1")
        self.assertIn("Leervragen; wensen", str(event["DESCRIPTION"]))

    def test_a_change_keeps_the_uid_and_raises_the_sequence(self) -> None:
        before = calendar.meeting_event(self.meeting)
        moved = update_meeting(
            self.meeting,
            version=self.meeting.version,
            starts_at=START + timedelta(days=1),
            ends_at=END + timedelta(days=1),
        )
        after = calendar.meeting_event(moved)
        self.assertEqual(after.uid, before.uid)
        self.assertGreater(after.sequence, before.sequence)
        self.assertEqual(after.start, START + timedelta(days=1))

    def test_a_cancelled_meeting_downloads_as_a_cancellation_of_the_same_event(self) -> None:
        sequence = self.meeting.sequence
        cancel_meeting(self.meeting)
        self.meeting.refresh_from_db()
        cal = icalendar.Calendar.from_ical(calendar.meeting_ics(self.meeting, for_user=self.alice))
        self.assertEqual(str(cal["METHOD"]), "CANCEL")
        [event] = cal.walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
        self.assertEqual(str(event["STATUS"]), "CANCELLED")
        self.assertGreater(event["SEQUENCE"], sequence)
        self.assertEqual(event["ATTENDEE"], "mailto:alice@hp.test")

    def test_the_feed_holds_the_planned_meetings_of_everyone_involved(self) -> None:
        second = self.cohort.meetings.get(position=2)
        Meeting.objects.filter(pk=second.pk).update(
            starts_at=START + timedelta(days=30), ends_at=END + timedelta(days=30)
        )
        cancel_meeting(second)
        for person in (self.alice, self.bob, self.adviser, self.manager):
            with self.subTest(person=person):
                # Meetings 3 and 4 have no time yet; the cancelled one stays in.
                self.assertEqual(list(calendar.meetings_for(person)), [self.meeting, second])
        for person in (self.taalhuis, self.outsider, self.editor):
            with self.subTest(person=person):
                self.assertEqual(list(calendar.meetings_for(person)), [])

        cal = icalendar.Calendar.from_ical(calendar.feed_ics(self.alice))
        self.assertNotIn("METHOD", cal)
        self.assertIn("Alice de Vries", str(cal["X-WR-CALNAME"]))
        statuses = {str(e["UID"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
        self.assertEqual(
            statuses,
            {f"{self.meeting.uid}@balie": "CONFIRMED", f"{second.uid}@balie": "CANCELLED"},
        )
        self.assertEqual([tz["TZID"] for tz in cal.walk("VTIMEZONE")], ["Europe/Amsterdam"])

    def test_the_feed_takes_the_same_queries_however_many_meetings(self) -> None:
        # Meetings (with agenda and preparation) and the knowledge carousel rounds.
        with self.assertNumQueries(5) as one:  # …, the stations one hosts
            calendar.feed_ics(self.alice)
        for meeting in self.cohort.meetings.exclude(pk=self.meeting.pk):
            Meeting.objects.filter(pk=meeting.pk).update(starts_at=START, ends_at=END)
            AgendaItem.objects.create(meeting=meeting, title="Iets", presenter=self.bob)
        with self.assertNumQueries(len(one.captured_queries)):
            data = calendar.feed_ics(self.alice)
        self.assertEqual(len(icalendar.Calendar.from_ical(data).walk("VEVENT")), 4)

    def test_the_feed_secret_is_stable_until_renewed(self) -> None:
        token = calendar.feed_token_for(self.alice)
        self.assertGreaterEqual(len(token), 40)
        self.assertEqual(calendar.feed_token_for(self.alice), token)
        self.assertEqual(calendar.feed_user(token), self.alice)

        renewed = calendar.feed_token_for(self.alice, renew=True)
        self.assertNotEqual(renewed, token)
        self.assertIsNone(calendar.feed_user(token))  # the old address stops working
        self.assertEqual(calendar.feed_user(renewed), self.alice)
        self.assertEqual(CalendarFeed.objects.filter(user=self.alice).count(), 1)
        self.assertNotEqual(calendar.feed_token_for(self.bob), renewed)

    def test_no_feed_for_an_unknown_secret_or_an_inactive_person(self) -> None:
        token = calendar.feed_token_for(self.bob)
        self.assertIsNone(calendar.feed_user(""))
        self.assertIsNone(calendar.feed_user("not-a-token"))
        self.bob.is_active = False
        self.bob.save(update_fields=["is_active"])
        self.assertIsNone(calendar.feed_user(token))


@mail_settings
class InvitationTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cast(cls)

    def invite(self):
        result = tasks.send_invitations.enqueue(self.meeting.pk)
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        return result.return_value

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_everyone_is_invited_once_with_the_ics_attached(self) -> None:
        self.assertEqual(self.invite(), 4)
        self.assertEqual(self.invite(), 0)  # a repeat sends nothing
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self)))
        for message in mail.outbox:
            with self.subTest(to=message.to):
                self.assertEqual(
                    message.subject,
                    "Uitnodiging: Aftrap: leervragen en planning op dinsdag 10 maart",
                )
                self.assertIn("dinsdag 10 maart 2026, van 9.30 tot 11.30 uur", message.body)
                self.assertIn("Waar: Helmond, Zaal 1", message.body)
                self.assertIn(f"{SITE}/bijeenkomsten/{self.meeting.pk}/", message.body)
                self.assertEqual(message.reply_to, ["Sanne Hoekstra <sanne@cubiss.test>"])
                cal = ics_of(message)
                [event] = cal.walk("VEVENT")
                self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
                self.assertEqual(event["SEQUENCE"], 0)
                self.assertEqual(event.start, START)
        alice = next(m for m in mail.outbox if "alice@hp.test" in m.to[0])
        self.assertTrue(alice.body.startswith("Beste Alice,"))
        self.assertEqual(
            ReminderSent.objects.filter(kind=ReminderKind.INVITATION, sequence=0).count(), 4
        )

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_a_changed_meeting_gets_a_new_invitation_for_the_same_event(self) -> None:
        self.invite()
        mail.outbox.clear()
        moved = update_meeting(
            self.meeting,
            version=self.meeting.version,
            starts_at=START + timedelta(days=1),
            ends_at=END + timedelta(days=1),
        )
        self.assertEqual(self.invite(), 4)
        self.assertEqual(self.invite(), 0)
        message = mail.outbox[0]
        self.assertTrue(message.subject.startswith("Gewijzigd: "))
        self.assertIn("woensdag 11 maart 2026", message.body)
        [event] = ics_of(message).walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
        self.assertEqual(event["SEQUENCE"], moved.sequence)
        self.assertGreater(moved.sequence, 0)

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_a_cancellation_goes_to_those_who_were_invited(self) -> None:
        self.invite()
        mail.outbox.clear()
        cancel_meeting(self.meeting)
        self.assertEqual(self.invite(), 4)
        self.assertEqual(self.invite(), 0)
        message = mail.outbox[0]
        self.assertTrue(message.subject.startswith("Gaat niet door: "))
        self.assertIn("text/calendar; method=CANCEL", message.attachments[0].mimetype)
        cal = ics_of(message)
        self.assertEqual(str(cal["METHOD"]), "CANCEL")
        [event] = cal.walk("VEVENT")
        self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
        self.assertEqual(str(event["STATUS"]), "CANCELLED")
        self.assertEqual(event["SEQUENCE"], 1)

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_a_meeting_cancelled_before_anyone_was_invited_sends_nothing(self) -> None:
        cancel_meeting(self.meeting)
        self.assertEqual(self.invite(), 0)
        self.assertEqual(mail.outbox, [])

    def test_no_invitation_for_a_past_or_unplanned_meeting(self) -> None:
        with time_machine.travel(START + timedelta(minutes=1), tick=False):
            self.assertEqual(self.invite(), 0)
        unplanned = self.cohort.meetings.get(position=2)
        self.assertEqual(tasks.send_invitations.enqueue(unplanned.pk).return_value, 0)
        self.assertEqual(tasks.send_invitations.enqueue(10**9).return_value, 0)
        self.assertEqual(mail.outbox, [])

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_invitations_are_enqueued_when_the_change_commits(self) -> None:
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            tasks.invite_on_commit(self.meeting)
        self.assertEqual(mail.outbox, [])
        for callback in callbacks:
            callback()
        self.assertEqual(len(mail.outbox), 4)

    @time_machine.travel(START - timedelta(days=20), tick=False)
    def test_a_failed_e_mail_is_not_recorded_and_goes_out_on_the_next_try(self) -> None:
        real_send = mail.EmailMessage.send

        def send(message, *args, **kwargs):
            if "bob@hp.test" in message.to[0]:
                raise SMTPException("mail server away")
            return real_send(message, *args, **kwargs)

        with (
            mock.patch.object(mail.EmailMessage, "send", send),
            self.assertLogs("balie.cohorts.tasks", "ERROR"),
            self.assertLogs("django_tasks", "ERROR"),
        ):
            result = tasks.send_invitations.enqueue(self.meeting.pk)
        self.assertEqual(result.status, TaskResultStatus.FAILED)
        self.assertEqual(len(mail.outbox), 3)
        self.assertFalse(ReminderSent.objects.filter(user=self.bob).exists())

        self.assertEqual(self.invite(), 1)
        self.assertEqual(recipients_of(mail.outbox[3:]), ["bob@hp.test"])


@mail_settings
class ReminderTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_cast(cls)

    def run_hourly(self, start: datetime, hours: int) -> None:
        """Run the reminders every hour, twice each time (cron and a retry)."""
        with time_machine.travel(start, tick=False) as clock:
            for _hour in range(hours):
                for _repeat in range(2):
                    result = tasks.send_due_reminders.enqueue()
                    self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
                clock.shift(timedelta(hours=1))

    def test_each_reminder_goes_out_once_7_days_and_1_day_before(self) -> None:
        with time_machine.travel(START - timedelta(days=7, minutes=30), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {})
        with time_machine.travel(START - timedelta(days=7) + timedelta(minutes=5), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.WEEK_BEFORE: 4})
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.WEEK_BEFORE: 0})
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self)))
        for message in mail.outbox:
            self.assertEqual(
                message.subject,
                "Herinnering: Aftrap: leervragen en planning op dinsdag 10 maart",
            )
            self.assertIn("Over een week", message.body)
            [event] = ics_of(message).walk("VEVENT")
            self.assertEqual(str(event["UID"]), f"{self.meeting.uid}@balie")
        mail.outbox.clear()

        with time_machine.travel(START - timedelta(hours=23, minutes=55), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.DAY_BEFORE: 4})
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.DAY_BEFORE: 0})
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self)))
        self.assertIn("Binnenkort", mail.outbox[0].body)

    def test_hourly_runs_for_two_weeks_send_each_reminder_once(self) -> None:
        self.run_hourly(START - timedelta(days=10, minutes=17), hours=24 * 12)
        kinds = sorted(ReminderSent.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, [ReminderKind.DAY_BEFORE] * 4 + [ReminderKind.WEEK_BEFORE] * 4)
        self.assertEqual(len(mail.outbox), 8)
        self.assertEqual(sorted(recipients_of(mail.outbox)), sorted(list(everyone(self)) * 2))

    def test_a_missed_run_still_sends_later_but_never_after_the_start(self) -> None:
        with time_machine.travel(START - timedelta(days=6, hours=2), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.WEEK_BEFORE: 4})
        with time_machine.travel(START + timedelta(minutes=1), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {})
        self.assertEqual(len(mail.outbox), 4)

    def test_nothing_for_a_cancelled_meeting(self) -> None:
        cancel_meeting(self.meeting)
        self.run_hourly(START - timedelta(days=8), hours=24 * 9)
        self.assertEqual(mail.outbox, [])
        self.assertFalse(ReminderSent.objects.exists())

    def test_a_person_who_left_gets_nothing_and_each_person_one_mail(self) -> None:
        self.bob.is_active = False
        self.bob.save(update_fields=["is_active"])
        # Hans is manager and also a participant: still one e-mail.
        self.cohort.participants.create(user=self.manager)
        with time_machine.travel(START - timedelta(hours=2), tick=False):
            self.assertEqual(tasks.send_due_reminders.call(), {ReminderKind.DAY_BEFORE: 3})
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self) - {"bob@hp.test"}))

    def test_the_command_sends_now_or_enqueues(self) -> None:
        out = StringIO()
        with time_machine.travel(START - timedelta(hours=2), tick=False):
            call_command("send_reminders", "--now", stdout=out)
            self.assertIn("Sent 4 reminder(s)", out.getvalue())
            call_command("send_reminders", stdout=out)  # the immediate backend runs it here
            self.assertIn("Enqueued send_due_reminders", out.getvalue())
        self.assertEqual(len(mail.outbox), 4)


@mail_settings
class ConcurrentWorkerTests(TransactionTestCase):
    """Two workers on the real database, each in its own connection, that both see the same
    reminders due before either sends: each reminder still goes out once."""

    def setUp(self) -> None:
        # The fixed cast, built here (a TransactionTestCase empties the database after each
        # test, so setUpTestData cannot be used).
        BaseTestCase.setUpTestData.__func__(self)
        make_cast(self)

    def test_two_workers_at_once_send_each_reminder_once(self) -> None:
        barrier = threading.Barrier(2, timeout=30)
        real_due = tasks.due_reminders

        def due_then_wait(now):
            due = real_due(now)
            barrier.wait()  # both workers know what is due before either sends anything
            return due

        real_send_once = tasks._send_once
        attempts: list[bool] = []

        def send_once(*args):
            sent = real_send_once(*args)
            attempts.append(sent)
            return sent

        with (
            time_machine.travel(START - timedelta(hours=3), tick=False),
            mock.patch.object(tasks, "due_reminders", due_then_wait),
            mock.patch.object(tasks, "_send_once", send_once),
        ):
            results = at_once([tasks.send_due_reminders.call] * 2)
        # Both workers tried all four; the unique row let each e-mail through once.
        self.assertEqual(sorted(attempts), [False] * 4 + [True] * 4)
        self.assertEqual(sum(r[ReminderKind.DAY_BEFORE] for r in results), 4)
        self.assertEqual(len(mail.outbox), 4)
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self)))
        self.assertEqual(ReminderSent.objects.count(), 4)

    def test_two_workers_at_once_send_each_invitation_once(self) -> None:
        with time_machine.travel(START - timedelta(days=20), tick=False):
            at_once([lambda: tasks.send_invitations.call(self.meeting.pk)] * 4)
        self.assertEqual(recipients_of(mail.outbox), sorted(everyone(self)))


@skipUnless(apps.is_installed("django_tasks_db"), "django_tasks_db is not in INSTALLED_APPS")
@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    EMAIL_BACKEND=LOCMEM,
)
class DatabaseWorkerTests(TransactionTestCase):
    """The real set-up: the command enqueues into the database, `db_worker` sends."""

    def setUp(self) -> None:
        BaseTestCase.setUpTestData.__func__(self)
        make_cast(self)

    def test_the_worker_sends_what_the_command_enqueued(self) -> None:
        with time_machine.travel(START - timedelta(hours=2), tick=False):
            call_command("send_reminders", stdout=StringIO())
            tasks.send_invitations.enqueue(self.meeting.pk)
            self.assertEqual(mail.outbox, [])
            call_command(
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                stdout=StringIO(),
                stderr=StringIO(),
            )
        subjects = sorted({m.subject.split(":")[0] for m in mail.outbox})
        self.assertEqual(subjects, ["Herinnering", "Uitnodiging"])
        self.assertEqual(len(mail.outbox), 8)
