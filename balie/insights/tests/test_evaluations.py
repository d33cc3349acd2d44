"""Evaluations: who is asked (once per subject, only for the last 30 days), the e-mail (once),
the questionnaires and their bad input, who may open them, and the anonymity of the answers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from io import StringIO
from smtplib import SMTPException
from unittest import skipUnless
from zoneinfo import ZoneInfo

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from balie.carousel import actions as carousel_actions
from balie.cohorts.actions import record_attendance, start_cohort
from balie.cohorts.models import AttendanceStatus, Meeting
from balie.desk.models import Need, Offer, OfferKind
from balie.insights import actions, tasks
from balie.insights.models import Invitation, Kind, Response, TimeVerdict, Wave
from balie.learning.models import Module, ModuleProgress
from balie.testing import BaseTestCase, at_once

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SITE = "https://balie.example"
ROUNDS = [(time(19, 0), time(19, 25)), (time(19, 30), time(19, 55))]

mail_settings = override_settings(TASKS=IMMEDIATE, EMAIL_BACKEND=LOCMEM, BALIE_SITE_URL=SITE)


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise SMTPException("connection refused")


def complete_module(user, module, at: datetime) -> ModuleProgress:
    return ModuleProgress.objects.create(
        user=user, module=module, started_at=at - timedelta(hours=1), completed_at=at
    )


def make_cohort(test, starts_on: date, participants=None):
    return start_cohort(
        test.programme,
        library=test.library,
        name=f"Team {starts_on}",
        adviser=test.adviser,
        manager=test.manager,
        starts_on=starts_on,
        participants=participants if participants is not None else [test.alice, test.bob],
    )


def held_meeting(cohort, ended_at: datetime, **fields) -> Meeting:
    meeting = cohort.meetings.get(position=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=ended_at - timedelta(hours=2), ends_at=ended_at, **fields
    )
    meeting.refresh_from_db()
    return meeting


def make_carousel(test, day: date, people):
    event = carousel_actions.create_event(
        test.library,
        title="Kenniscarrousel",
        date=day,
        place="Helmond",
        capacity=None,
        stations=[
            carousel_actions.StationPlan(topic="Taalhuis", host=test.taalhuis),
            carousel_actions.StationPlan(topic="IDO", host=test.manager),
        ],
        rounds=ROUNDS,
    )
    rounds = list(event.rounds.all())
    for person in people:
        carousel_actions.sign_up(
            event, person, free_rounds=rounds, chosen_stations=[], by=test.manager
        )
    assert carousel_actions.make_schedule(event) == []
    return event


def make_offers(test):
    """Helmond-Peel's offer: one inactive offer, and one of another library, that the quiz
    must leave out."""
    return {
        "ido": Offer.objects.create(
            library=test.library, kind=OfferKind.IDO, name="IDO", needs=[Need.DIGID, Need.LETTER]
        ),
        "taalcafe": Offer.objects.create(
            library=test.library, kind=OfferKind.TAALCAFE, name="Taalcafé", needs=[Need.LANGUAGE]
        ),
        "kliktik": Offer.objects.create(
            library=test.library,
            kind=OfferKind.KLIK_TIK,
            name="Klik & Tik",
            needs=[Need.COMPUTER, Need.JOB],
        ),
        "closed": Offer.objects.create(
            library=test.library,
            kind=OfferKind.TAALMAATJE,
            name="Taalmaatje (gestopt)",
            needs=[Need.READING],
            is_active=False,
        ),
        "elsewhere": Offer.objects.create(
            library=test.other_library,
            kind=OfferKind.TAALCAFE,
            name="Taalcafé Hilversum",
            needs=[Need.READING],
        ),
    }


def invite(user, kind, key, **fields) -> Invitation:
    return Invitation.objects.create(user=user, kind=kind, subject_key=key, **fields)


# --- Who is asked --------------------------------------------------------------------------


class InviteDueTests(BaseTestCase):
    def setUp(self) -> None:
        self.now = timezone.now()

    def keys(self, user=None) -> list[str]:
        invitations = Invitation.objects.all()
        if user is not None:
            invitations = invitations.filter(user=user)
        return sorted(invitations.values_list("subject_key", flat=True))

    def test_a_completed_module_is_asked_about_once(self) -> None:
        complete_module(self.alice, self.module, self.now - timedelta(days=2))
        self.assertEqual(actions.invite_due(self.now), 1)
        self.assertEqual(actions.invite_due(self.now), 0)
        [invitation] = Invitation.objects.all()
        self.assertEqual(
            (invitation.user, invitation.kind, invitation.module, invitation.subject_key),
            (self.alice, Kind.MODULE, self.module, f"module:{self.module.pk}"),
        )
        self.assertIsNone(invitation.emailed_at)
        self.assertIsNone(invitation.answered_at)

    def test_only_the_last_30_days_are_asked_about(self) -> None:
        complete_module(self.alice, self.module, self.now - timedelta(days=31))
        cohort = make_cohort(self, timezone.localdate(self.now) - timedelta(days=40))
        meeting = held_meeting(cohort, self.now - timedelta(days=35))
        record_attendance(
            meeting, self.bob, status=AttendanceStatus.PRESENT, revision=1, by=self.adviser
        )
        make_carousel(self, timezone.localdate(self.now) - timedelta(days=32), [self.alice])
        self.assertEqual(actions.invite_due(self.now), 0)
        self.assertEqual(Invitation.objects.count(), 0)

    def test_a_module_in_progress_is_not_asked_about(self) -> None:
        ModuleProgress.objects.create(
            user=self.alice, module=self.module, started_at=self.now - timedelta(days=1)
        )
        self.assertEqual(actions.invite_due(self.now), 0)

    def test_a_meeting_is_asked_about_to_who_was_there_after_it_ended(self) -> None:
        cohort = make_cohort(self, timezone.localdate(self.now) - timedelta(days=60))
        meeting = held_meeting(cohort, self.now + timedelta(minutes=30))  # still going on
        record_attendance(
            meeting, self.alice, status=AttendanceStatus.PRESENT, revision=1, by=self.adviser
        )
        record_attendance(
            meeting, self.bob, status=AttendanceStatus.ABSENT, revision=1, by=self.adviser
        )
        self.assertEqual(actions.invite_due(self.now), 0)
        held_meeting(cohort, self.now - timedelta(minutes=5))
        self.assertEqual(actions.invite_due(self.now), 1)
        self.assertEqual(self.keys(), [f"meeting:{meeting.pk}"])
        invitation = Invitation.objects.get()
        self.assertEqual((invitation.user, invitation.meeting), (self.alice, meeting))

    def test_a_cancelled_meeting_is_not_asked_about(self) -> None:
        cohort = make_cohort(self, timezone.localdate(self.now) - timedelta(days=60))
        meeting = held_meeting(cohort, self.now - timedelta(days=1), cancelled=True)
        record_attendance(
            meeting, self.alice, status=AttendanceStatus.PRESENT, revision=1, by=self.adviser
        )
        self.assertEqual(actions.invite_due(self.now), 0)

    def test_the_self_assessment_at_the_start_and_3_and_6_months_later(self) -> None:
        today = timezone.localdate(self.now)
        starting = make_cohort(self, today - timedelta(days=2), [self.alice])
        three = make_cohort(self, actions.add_months(today, -3) - timedelta(days=4), [self.bob])
        six = make_cohort(self, actions.add_months(today, -6), [self.taalhuis])
        later = make_cohort(self, today + timedelta(days=3), [self.alice])
        self.assertEqual(actions.invite_due(self.now), 3)
        self.assertEqual(self.keys(self.alice), [f"self:{starting.pk}:0"])
        self.assertEqual(self.keys(self.bob), [f"self:{three.pk}:3"])
        self.assertEqual(self.keys(self.taalhuis), [f"self:{six.pk}:6"])
        self.assertFalse(Invitation.objects.filter(cohort=later).exists())
        bob = Invitation.objects.get(user=self.bob)
        self.assertEqual((bob.kind, bob.cohort, bob.wave), (Kind.SELF, three, Wave.THREE))
        self.assertEqual(actions.invite_due(self.now), 0)

    def test_a_carousel_asks_about_each_station_visited_once_its_round_ended(self) -> None:
        day = timezone.localdate(self.now) - timedelta(days=1)
        event = make_carousel(self, day, [self.alice, self.bob])
        during_round_two = datetime.combine(day, time(19, 40), tzinfo=AMSTERDAM)
        self.assertEqual(actions.invite_due(during_round_two), 2)  # each their first station
        self.assertEqual(actions.invite_due(self.now), 2)
        stations = sorted(f"station:{s.pk}" for s in event.stations.all())
        self.assertEqual(self.keys(self.alice), stations)
        self.assertEqual(self.keys(self.bob), stations)
        self.assertEqual(actions.invite_due(self.now), 0)

    def test_a_coming_carousel_is_not_asked_about(self) -> None:
        make_carousel(self, timezone.localdate(self.now) + timedelta(days=1), [self.alice])
        self.assertEqual(actions.invite_due(self.now), 0)

    def test_add_months_keeps_to_the_end_of_a_short_month(self) -> None:
        self.assertEqual(actions.add_months(date(2026, 8, 31), 6), date(2027, 2, 28))
        self.assertEqual(actions.add_months(date(2026, 11, 30), 3), date(2027, 2, 28))
        self.assertEqual(actions.add_months(date(2026, 5, 4), -6), date(2025, 11, 4))


# --- The e-mail ----------------------------------------------------------------------------


@mail_settings
class MailTests(BaseTestCase):
    def setUp(self) -> None:
        complete_module(self.alice, self.module, timezone.now() - timedelta(hours=3))

    def test_each_invitation_is_emailed_once(self) -> None:
        out = StringIO()
        call_command("send_evaluations", "--now", stdout=out)
        self.assertIn("Invited 1 and e-mailed 1", out.getvalue())
        call_command("send_evaluations", "--now", stdout=out)
        self.assertEqual(len(mail.outbox), 1)
        [message] = mail.outbox
        invitation = Invitation.objects.get()
        self.assertIsNotNone(invitation.emailed_at)
        self.assertEqual(message.to, ["Alice de Vries <alice@hp.test>"])
        self.assertIn(f"{SITE}/inzicht/vragenlijst/{invitation.pk}/", message.body)
        self.assertIn("BoekStart", message.subject)
        self.assertEqual(message.attachments, [])

    def test_the_command_enqueues_a_task(self) -> None:
        out = StringIO()
        call_command("send_evaluations", stdout=out)  # the immediate backend runs it here
        self.assertIn("Enqueued send_evaluations", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)

    def test_an_answered_invitation_is_not_emailed(self) -> None:
        actions.invite_due(timezone.now())
        invitation = Invitation.objects.get()
        actions.answer(invitation, {"rating": 4, "time_verdict": TimeVerdict.RIGHT, "comment": ""})
        call_command("send_evaluations", "--now", stdout=StringIO())
        self.assertEqual(len(mail.outbox), 0)

    def test_a_failed_send_is_tried_again_next_run(self) -> None:
        with (
            override_settings(EMAIL_BACKEND=f"{__name__}.BrokenBackend"),
            self.assertLogs("balie.insights.tasks", "ERROR"),
            self.assertRaises(tasks.MailNotSent),
        ):
            call_command("send_evaluations", "--now", stdout=StringIO())
        self.assertIsNone(Invitation.objects.get().emailed_at)
        call_command("send_evaluations", "--now", stdout=StringIO())
        self.assertEqual(len(mail.outbox), 1)
        self.assertIsNotNone(Invitation.objects.get().emailed_at)


# --- The questionnaires ----------------------------------------------------------------------


class QuestionnaireTestCase(BaseTestCase):
    def url(self, invitation: Invitation) -> str:
        return reverse("insights:evaluate", args=[invitation.pk])

    def module_invitation(self, user=None) -> Invitation:
        return invite(
            user or self.alice, Kind.MODULE, f"module:{self.module.pk}", module=self.module
        )


class ModuleQuestionnaireTests(QuestionnaireTestCase):
    def setUp(self) -> None:
        self.invitation = self.module_invitation()
        self.login(self.alice)

    def post(self, **data):
        return self.client.post(self.url(self.invitation), data)

    def test_it_asks_usefulness_time_and_a_comment(self) -> None:
        response = self.client.get(self.url(self.invitation))
        self.assertContains(response, 'data-evaluation="module"')
        self.assertContains(response, 'data-scale="rating"')
        self.assertContains(response, 'name="time_verdict"', count=3)
        self.assertContains(response, " 40 ")  # the module's estimate in minutes
        self.assertContains(response, 'name="comment"')

    def test_an_answer_is_saved_without_the_person(self) -> None:
        response = self.post(rating="4", time_verdict=TimeVerdict.TOO_LITTLE, comment=" Goed. ")
        self.assertRedirects(response, self.url(self.invitation))
        saved = Response.objects.get()
        self.assertEqual(
            (saved.kind, saved.module, saved.rating, saved.time_verdict, saved.comment),
            (Kind.MODULE, self.module, 4, TimeVerdict.TOO_LITTLE, "Goed."),
        )
        self.assertEqual(saved.library, self.library)  # the person's library
        self.assertEqual(saved.submitted_on.weekday(), 0)  # a Monday, not the day itself
        self.assertNotIn("user", {f.name for f in Response._meta.get_fields()})
        self.invitation.refresh_from_db()
        self.assertIsNotNone(self.invitation.answered_at)
        self.assertEqual(timezone.localtime(self.invitation.answered_at).date(), saved.submitted_on)
        self.assertContains(self.client.get(self.url(self.invitation)), "data-evaluation-answered")

    def test_bad_input_is_refused_and_nothing_is_saved(self) -> None:
        for data in (
            {"rating": "0", "time_verdict": TimeVerdict.RIGHT},
            {"rating": "6", "time_verdict": TimeVerdict.RIGHT},
            {"rating": "vier", "time_verdict": TimeVerdict.RIGHT},
            {"time_verdict": TimeVerdict.RIGHT},
            {"rating": "3"},
            {"rating": "3", "time_verdict": "way_off"},
            {"rating": "3", "time_verdict": TimeVerdict.RIGHT, "comment": "x" * 2001},
        ):
            with self.subTest(data=data):
                response = self.post(**data)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "data-form-invalid", status_code=400)
                self.assertContains(response, "utrecht-form-field-error-message", status_code=400)
        self.assertEqual(Response.objects.count(), 0)
        self.invitation.refresh_from_db()
        self.assertIsNone(self.invitation.answered_at)

    def test_a_second_answer_is_refused(self) -> None:
        self.post(rating="5", time_verdict=TimeVerdict.RIGHT)
        response = self.post(rating="1", time_verdict=TimeVerdict.TOO_MUCH)
        self.assertContains(response, "data-evaluation-answered", status_code=409)
        self.assertEqual(list(Response.objects.values_list("rating", flat=True)), [5])
        with self.assertRaises(actions.AlreadyAnswered):
            actions.answer(self.invitation, {"rating": 1, "time_verdict": TimeVerdict.RIGHT})
        self.assertEqual(Response.objects.count(), 1)


class RatingQuestionnaireTests(QuestionnaireTestCase):
    def test_a_meeting_asks_usefulness_and_a_comment(self) -> None:
        cohort = make_cohort(self, date(2026, 1, 5))
        meeting = cohort.meetings.get(position=1)
        invitation = invite(self.bob, Kind.MEETING, f"meeting:{meeting.pk}", meeting=meeting)
        self.login(self.bob)
        response = self.client.get(self.url(invitation))
        self.assertContains(response, 'data-evaluation="meeting"')
        self.assertNotContains(response, "time_verdict")
        response = self.client.post(self.url(invitation), {"comment": "Fijn"})
        self.assertEqual(response.status_code, 400)
        self.client.post(self.url(invitation), {"rating": "5", "comment": "Fijn"})
        saved = Response.objects.get()
        self.assertEqual(
            (saved.kind, saved.meeting, saved.cohort, saved.library, saved.rating),
            (Kind.MEETING, meeting, cohort, self.library, 5),
        )

    def test_a_station_asks_usefulness_and_a_comment(self) -> None:
        event = make_carousel(self, date(2026, 2, 3), [self.alice])
        station = event.stations.first()
        invitation = invite(self.alice, Kind.STATION, f"station:{station.pk}", station=station)
        self.login(self.alice)
        self.assertContains(self.client.get(self.url(invitation)), 'data-evaluation="station"')
        for rating in ("0", "6", ""):
            response = self.client.post(self.url(invitation), {"rating": rating})
            self.assertEqual(response.status_code, 400)
        self.assertEqual(Response.objects.count(), 0)
        self.client.post(self.url(invitation), {"rating": "3"})
        saved = Response.objects.get()
        self.assertEqual(
            (saved.kind, saved.station, saved.library, saved.rating, saved.comment),
            (Kind.STATION, station, self.library, 3, ""),
        )


class SelfAssessmentTests(QuestionnaireTestCase):
    def setUp(self) -> None:
        self.cohort = make_cohort(self, date(2026, 1, 5))
        self.invitation = invite(
            self.alice,
            Kind.SELF,
            f"self:{self.cohort.pk}:0",
            cohort=self.cohort,
            wave=Wave.START,
        )
        self.login(self.alice)

    def test_the_quiz_asks_about_the_librarys_own_active_offer(self) -> None:
        offers = make_offers(self)
        response = self.client.get(self.url(self.invitation))
        self.assertContains(response, 'data-evaluation="self"')
        self.assertContains(response, "data-quiz")
        # Up to four needs that an active offer fits, in the national order.
        needs = [n for n in Need.values if f'name="quiz_{n}"' in response.content.decode()]
        self.assertEqual(needs, [Need.DIGID, Need.LETTER, Need.LANGUAGE, Need.COMPUTER])
        choices = re.findall(r'name="quiz_(\w+)" value="(\w+)"', response.content.decode())
        active = [str(offers[name].pk) for name in ("ido", "kliktik", "taalcafe")]
        for need in needs:
            self.assertEqual(
                sorted(value for asked, value in choices if asked == need),
                sorted([*active, "unknown"]),
            )

    def test_the_quiz_counts_an_offer_that_fits_the_need_as_right(self) -> None:
        offers = make_offers(self)
        response = self.client.post(
            self.url(self.invitation),
            {
                "knows_colleagues": "2",
                "recognises_signals": "4",
                f"quiz_{Need.DIGID}": offers["ido"].pk,  # right
                f"quiz_{Need.LETTER}": offers["taalcafe"].pk,  # wrong
                f"quiz_{Need.LANGUAGE}": offers["taalcafe"].pk,  # right
                f"quiz_{Need.COMPUTER}": "unknown",  # "I don't know"
            },
        )
        self.assertEqual(response.status_code, 302)
        saved = Response.objects.get()
        self.assertEqual(
            (saved.kind, saved.cohort, saved.wave, saved.library),
            (Kind.SELF, self.cohort, Wave.START, self.library),
        )
        self.assertEqual((saved.knows_colleagues, saved.recognises_signals), (2, 4))
        self.assertEqual((saved.quiz_right, saved.quiz_total), (2, 4))
        self.assertIsNone(saved.rating)

    def test_an_offer_of_elsewhere_or_a_missing_answer_is_refused(self) -> None:
        offers = make_offers(self)
        good = {
            "knows_colleagues": "3",
            "recognises_signals": "3",
            f"quiz_{Need.DIGID}": offers["ido"].pk,
            f"quiz_{Need.LETTER}": offers["ido"].pk,
            f"quiz_{Need.LANGUAGE}": offers["taalcafe"].pk,
            f"quiz_{Need.COMPUTER}": offers["kliktik"].pk,
        }
        for change in (
            {f"quiz_{Need.DIGID}": offers["elsewhere"].pk},
            {f"quiz_{Need.DIGID}": offers["closed"].pk},
            {f"quiz_{Need.COMPUTER}": ""},
            {"knows_colleagues": "0"},
            {"recognises_signals": "6"},
        ):
            with self.subTest(change=change):
                response = self.client.post(self.url(self.invitation), {**good, **change})
                self.assertContains(response, "data-form-invalid", status_code=400)
        self.assertEqual(Response.objects.count(), 0)
        self.client.post(self.url(self.invitation), good)
        self.assertEqual(Response.objects.get().quiz_right, 4)

    def test_without_offers_the_quiz_is_left_out(self) -> None:
        response = self.client.get(self.url(self.invitation))
        self.assertNotContains(response, "data-quiz")
        self.client.post(
            self.url(self.invitation), {"knows_colleagues": "5", "recognises_signals": "5"}
        )
        saved = Response.objects.get()
        self.assertEqual((saved.quiz_right, saved.quiz_total), (None, None))


class AccessTests(QuestionnaireTestCase):
    def setUp(self) -> None:
        self.invitation = self.module_invitation()

    def test_only_the_invited_person_opens_the_questionnaire(self) -> None:
        answer = {"rating": "1", "time_verdict": TimeVerdict.RIGHT}
        for person in (
            self.bob,
            self.manager,
            self.taalhuis,
            self.adviser,
            self.editor,
            self.outsider,
        ):
            with self.subTest(person=person):
                self.login(person)
                self.assertEqual(self.client.get(self.url(self.invitation)).status_code, 404)
                self.assertEqual(
                    self.client.post(self.url(self.invitation), answer).status_code, 404
                )
        self.assertEqual(
            self.client.get(reverse("insights:evaluate", args=[999999])).status_code, 404
        )
        self.assertEqual(Response.objects.count(), 0)
        self.login(self.alice)
        self.assertEqual(self.client.get(self.url(self.invitation)).status_code, 200)

    def test_login_is_required(self) -> None:
        url = self.url(self.invitation)
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")

    def test_the_manager_cannot_see_who_answered_what(self) -> None:
        self.login(self.alice)
        self.client.post(self.url(self.invitation), {"rating": "2", "time_verdict": "right"})
        self.login(self.manager)
        for url in (
            self.url(self.invitation),
            reverse("learning:my_learning"),
            reverse("admin:insights_response_changelist"),
            "/admin/insights/invitation/",
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertNotContains(response, "Alice", status_code=response.status_code)
        self.assertNotEqual(self.client.get(self.url(self.invitation)).status_code, 200)

    def test_national_roles_read_the_answers_in_the_admin_without_names(self) -> None:
        self.login(self.alice)
        self.client.post(self.url(self.invitation), {"rating": "2", "time_verdict": "right"})
        self.login(self.editor)
        response = self.client.get(reverse("admin:insights_response_changelist"))
        self.assertContains(response, "Helmond-Peel")
        self.assertNotContains(response, "Alice")
        saved = Response.objects.get()
        change = reverse("admin:insights_response_change", args=[saved.pk])
        self.assertEqual(self.client.get(change).status_code, 200)  # read-only view
        self.assertEqual(self.client.post(change, {"rating": "5"}).status_code, 403)
        self.assertEqual(self.client.get("/admin/insights/invitation/").status_code, 404)


# --- Where people see them -----------------------------------------------------------------


class ModuleDoneTests(QuestionnaireTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.done_url = reverse("learning:module_done", args=[self.module.pk])
        self.start_url = reverse("insights:evaluate_module", args=[self.module.pk])

    def test_after_a_module_the_learner_opens_its_questionnaire_at_once(self) -> None:
        complete_module(self.alice, self.module, timezone.now())
        response = self.client.get(self.done_url)
        self.assertContains(response, "data-module-evaluation")
        self.assertContains(response, f'action="{self.start_url}"')
        self.assertEqual(Invitation.objects.count(), 0)  # showing the page changes nothing
        response = self.client.post(self.start_url)
        invitation = Invitation.objects.get()
        self.assertRedirects(response, self.url(invitation))
        self.assertEqual((invitation.user, invitation.module), (self.alice, self.module))
        self.assertRedirects(self.client.post(self.start_url), self.url(invitation))
        self.assertEqual(Invitation.objects.count(), 1)
        self.assertContains(self.client.get(self.done_url), f'href="{self.url(invitation)}"')
        self.client.post(self.url(invitation), {"rating": "4", "time_verdict": "right"})
        response = self.client.get(self.done_url)
        self.assertNotContains(response, f'href="{self.url(invitation)}"')
        # The hourly run asks nothing more.
        self.assertEqual(actions.invite_due(timezone.now()), 0)

    def test_a_module_not_done_has_no_questionnaire_yet(self) -> None:
        self.assertEqual(self.client.post(self.start_url).status_code, 404)
        self.assertEqual(self.client.get(self.start_url).status_code, 405)
        self.login(self.outsider)
        complete_module(self.outsider, self.module, timezone.now())
        self.assertEqual(self.client.post(self.start_url).status_code, 302)
        self.assertEqual(Invitation.objects.get().user, self.outsider)


class MyEvaluationsTests(QuestionnaireTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.page = reverse("learning:my_learning")

    def links(self, response) -> list[str]:
        return [
            line.split('data-evaluation-link="')[1].split('"')[0]
            for line in response.content.decode().split("<li>")
            if 'data-evaluation-link="' in line
        ]

    def test_it_lists_the_open_questionnaires_newest_first_at_most_five(self) -> None:
        self.assertNotContains(self.client.get(self.page), "data-my-evaluations")
        cohort = make_cohort(self, date(2026, 1, 5))
        meetings = list(cohort.meetings.all())
        invitations = [
            invite(self.alice, Kind.MEETING, f"meeting:{m.pk}", meeting=m) for m in meetings
        ]
        invitations.append(self.module_invitation())
        invitations.append(
            invite(self.alice, Kind.SELF, f"self:{cohort.pk}:0", cohort=cohort, wave=0)
        )
        invite(self.bob, Kind.SELF, f"self:{cohort.pk}:0", cohort=cohort, wave=0)
        answered = invitations.pop(0)
        actions.answer(answered, {"rating": 3})
        response = self.client.get(self.page)
        self.assertContains(response, "data-my-evaluations")
        newest = sorted(invitations, key=lambda i: (i.created_at, i.pk), reverse=True)[:5]
        self.assertEqual(self.links(response), [str(i.pk) for i in newest])

    def test_the_tag_adds_one_query_that_does_not_grow(self) -> None:
        self.client.get(self.page)
        with self.assertNumQueries(13) as few:  # 12 for the page, 1 for the questionnaires
            self.client.get(self.page)
        cohort = make_cohort(self, date(2026, 1, 5))
        for meeting in cohort.meetings.all():
            invite(self.alice, Kind.MEETING, f"meeting:{meeting.pk}", meeting=meeting)
        self.module_invitation()
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.page)
        self.assertEqual(len(self.links(response)), 5)


# --- Two workers at once (PostgreSQL) ------------------------------------------------------


@skipUnless(connection.vendor == "postgresql", "row locks need PostgreSQL")
@override_settings(EMAIL_BACKEND=LOCMEM, BALIE_SITE_URL=SITE)
class ConcurrencyTests(TransactionTestCase):
    def setUp(self) -> None:
        BaseTestCase.setUpTestData.__func__(self)
        self.now = timezone.now()

    def test_two_workers_invite_and_email_each_person_once(self) -> None:
        modules = [self.module] + [
            Module.objects.create(programme=self.programme, title=f"M{n}", theme=self.module.theme)
            for n in range(5)
        ]
        for person in (self.alice, self.bob, self.taalhuis):
            for module in modules:
                complete_module(person, module, self.now - timedelta(days=1))
        results = at_once([lambda: actions.invite_due(self.now)] * 2)
        self.assertEqual(sum(results), 18)
        self.assertEqual(Invitation.objects.count(), 18)

        sent = at_once([lambda: tasks.send_invitation_emails(timezone.now())] * 3)
        self.assertEqual(sum(count for count, _failed in sent), 18)
        self.assertEqual(len(mail.outbox), 18)
        self.assertFalse(Invitation.objects.filter(emailed_at__isnull=True).exists())

    def test_two_answers_at_once_store_one(self) -> None:
        invitation = invite(self.alice, Kind.MODULE, f"module:{self.module.pk}", module=self.module)

        def answer():
            try:
                return actions.answer(invitation, {"rating": 4, "time_verdict": "right"})
            except actions.AlreadyAnswered:
                return None

        results = at_once([answer] * 2)
        self.assertEqual(sum(1 for r in results if r is not None), 1)
        self.assertEqual(Response.objects.count(), 1)
