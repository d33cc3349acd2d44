from datetime import date, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from balie.cohorts import actions
from balie.cohorts.models import (
    Attendance,
    Cohort,
    Meeting,
    MeetingKind,
    MeetingTemplate,
    Participant,
)
from balie.learning.models import ModuleProgress, Theme
from balie.lrs.models import Statement
from balie.orgs.models import Role, User
from balie.testing import BaseTestCase, make_module


class CohortTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.social = make_module(
            cls.programme, "Het Taalhuis", code="M5", theme=Theme.SOCIAAL_DOMEIN
        )
        cls.cohort = actions.start_cohort(
            cls.programme,
            library=cls.library,
            name="HP-2026-FO",
            adviser=cls.adviser,
            manager=cls.manager,
            starts_on=date(2026, 12, 1),
            participants=[cls.alice, cls.bob],
        )
        cls.kick_off, cls.children, cls.social_meeting, cls.last = cls.cohort.meetings.all()
        start = timezone.now() + timedelta(days=6)
        Meeting.objects.filter(pk=cls.children.pk).update(
            starts_at=start, ends_at=start + timedelta(hours=2), branch=cls.branch, room="Zaal 1"
        )
        cls.children.refresh_from_db()


class StartCohortTests(CohortTestCase):
    def test_a_cohort_gets_the_four_meetings_with_their_preparation(self) -> None:
        kinds = [m.kind for m in self.cohort.meetings.all()]
        self.assertEqual(
            kinds,
            [
                MeetingKind.KICK_OFF,
                MeetingKind.CHILDREN,
                MeetingKind.SOCIAL_DOMAIN,
                MeetingKind.AGREEMENTS,
            ],
        )
        self.assertEqual(list(self.children.preparation.all()), [self.module])
        self.assertEqual(list(self.social_meeting.preparation.all()), [self.social])

    def test_an_adviser_starts_a_cohort_through_the_form(self) -> None:
        self.login(self.adviser)
        url = reverse("cohorts:cohort_new") + f"?library={self.library.pk}"
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            url,
            {
                "programme": self.programme.pk,
                "name": "Tweede groep",
                "starts_on": "2027-01-10",
                "adviser": self.adviser.pk,
                "manager": self.manager.pk,
                "participants": [self.alice.pk],
            },
        )
        cohort = Cohort.objects.get(name="Tweede groep")
        self.assertRedirects(response, reverse("cohorts:cohort", args=[cohort.pk]))
        self.assertEqual(cohort.meetings.count(), 4)

    def test_only_advisers_of_the_serving_poi_start_cohorts(self) -> None:
        for person in [self.alice, self.manager, self.outsider, self.taalhuis]:
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertEqual(self.client.get(reverse("cohorts:cohort_new")).status_code, 404)
        self.login(self.adviser)
        url = reverse("cohorts:cohort_new") + f"?library={self.other_library.pk}"
        self.assertNotContains(self.client.get(url), "Tweede groep")
        response = self.client.post(url, {"programme": self.programme.pk, "name": "X"})
        self.assertFalse(Cohort.objects.filter(library=self.other_library).exists())
        self.assertEqual(response.status_code, 200)


class AccessTests(CohortTestCase):
    def test_who_sees_the_cohort(self) -> None:
        detail = reverse("cohorts:cohort", args=[self.cohort.pk])
        meeting = reverse("cohorts:meeting", args=[self.children.pk])
        for person, allowed in [
            (self.adviser, True),
            (self.manager, True),
            (self.alice, True),
            (self.taalhuis, True),
            (self.editor, True),
            (self.outsider, False),
        ]:
            with self.subTest(person=person.full_name):
                self.login(person)
                expected = 200 if allowed else 404
                self.assertEqual(self.client.get(detail).status_code, expected)
                self.assertEqual(self.client.get(meeting).status_code, expected)

    def test_only_leaders_edit_and_take_attendance(self) -> None:
        urls = [
            reverse(name, args=[self.children.pk])
            for name in [
                "cohorts:meeting_edit",
                "cohorts:meeting_attendance",
                "cohorts:meeting_cancel",
            ]
        ]
        for person in [self.alice, self.manager, self.outsider]:
            self.login(person)
            for url in urls:
                with self.subTest(person=person.full_name, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.adviser)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_list_shows_an_adviser_all_cohorts_of_the_libraries_served(self) -> None:
        self.login(self.adviser)
        response = self.client.get(reverse("cohorts:cohort_list"))
        self.assertContains(response, "HP-2026-FO")
        self.assertContains(response, "Bibliotheek Helmond-Peel")
        self.login(self.outsider)
        self.assertNotContains(self.client.get(reverse("cohorts:cohort_list")), "HP-2026-FO")

    def test_the_list_queries_do_not_grow_with_cohorts(self) -> None:
        self.login(self.adviser)
        self.client.get(reverse("cohorts:cohort_list"))
        with self.assertNumQueries(8) as few:
            self.client.get(reverse("cohorts:cohort_list"))
        for number in range(4):
            actions.start_cohort(
                self.programme,
                library=self.library,
                name=f"Groep {number}",
                adviser=self.adviser,
                manager=None,
                starts_on=date(2027, 1, 1),
                participants=[self.bob],
            )
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(reverse("cohorts:cohort_list"))


class ImportTests(CohortTestCase):
    def upload(self, text: str):
        self.login(self.adviser)
        return self.client.post(
            reverse("cohorts:participants_import", args=[self.cohort.pk]),
            {"file": SimpleUploadedFile("deelnemers.csv", text.encode(), "text/csv")},
        )

    def test_a_good_file_adds_everyone(self) -> None:
        response = self.upload(
            "naam;e-mail;vestiging\nFatma Yilmaz;fatma@hp.test;Helmond\n"
            "Alice de Vries;alice@hp.test;\n"
        )
        self.assertRedirects(response, reverse("cohorts:cohort", args=[self.cohort.pk]))
        fatma = User.objects.get(email="fatma@hp.test")
        self.assertTrue(
            fatma.memberships.filter(
                organisation=self.library, role=Role.LEARNER, branch=self.branch
            ).exists()
        )
        self.assertEqual(self.cohort.participants.count(), 3)

    def test_a_bad_file_names_every_bad_row_and_adds_no_one(self) -> None:
        response = self.upload(
            "naam,e-mail,vestiging\nGoed Mens,goed@hp.test,\n"
            ",zonder-naam@hp.test,\nFout Adres,geen-adres,\n"
            "Verkeerde Vestiging,v@hp.test,Amsterdam\n"
            "Olga Visser,olga@hilversum.test,\n"
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["form"].row_errors
        self.assertEqual([e.split(":")[0] for e in errors], ["Rij 3", "Rij 4", "Rij 5", "Rij 6"])
        self.assertFalse(User.objects.filter(email="goed@hp.test").exists())
        self.assertEqual(self.cohort.participants.count(), 2)

    def test_a_file_that_is_not_csv_gets_a_clear_message(self) -> None:
        self.login(self.adviser)
        response = self.client.post(
            reverse("cohorts:participants_import", args=[self.cohort.pk]),
            {"file": SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n\xff\xfe\x00", "image/png")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.cohort.participants.count(), 2)


class MeetingEditTests(CohortTestCase):
    def post(self, **changes):
        data = {
            "version": self.children.version,
            "title": self.children.title,
            "starts_at": "2027-03-04T14:00",
            "ends_at": "2027-03-04T16:00",
            "branch": self.branch.pk,
            "room": "Zaal 2",
            "purpose": "",
            "agenda-TOTAL_FORMS": "1",
            "agenda-INITIAL_FORMS": "0",
            "agenda-0-title": "Zo doen wij BoekStart",
            "agenda-0-minutes": "30",
            "agenda-0-presenter": self.taalhuis.pk,
            "preparation": [self.module.pk, self.social.pk],
        }
        data.update(changes)
        self.login(self.adviser)
        return self.client.post(reverse("cohorts:meeting_edit", args=[self.children.pk]), data)

    def test_a_change_is_saved_and_raises_the_calendar_sequence(self) -> None:
        response = self.post()
        self.assertRedirects(response, reverse("cohorts:meeting", args=[self.children.pk]))
        meeting = Meeting.objects.get(pk=self.children.pk)
        self.assertEqual(meeting.room, "Zaal 2")
        self.assertEqual(meeting.sequence, self.children.sequence + 1)
        self.assertEqual(meeting.agenda.get().presenter, self.taalhuis)
        self.assertEqual(set(meeting.preparation.all()), {self.module, self.social})

    def test_the_second_of_two_editors_is_told_and_loses_nothing(self) -> None:
        self.post(room="Eerste")
        response = self.post(room="Tweede")
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Tweede", status_code=409)  # what they typed is kept
        self.assertEqual(Meeting.objects.get(pk=self.children.pk).room, "Eerste")

    def test_a_date_in_the_past_is_refused(self) -> None:
        response = self.post(starts_at="2020-01-01T10:00", ends_at="2020-01-01T12:00")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Meeting.objects.get(pk=self.children.pk).version, self.children.version)

    def test_a_presenter_from_another_library_is_refused(self) -> None:
        response = self.post(**{"agenda-0-presenter": self.outsider.pk})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Meeting.objects.get(pk=self.children.pk).agenda.exists())

    def test_cancelling_asks_first_and_keeps_the_event(self) -> None:
        self.login(self.adviser)
        url = reverse("cohorts:meeting_cancel", args=[self.children.pk])
        self.assertFalse(Meeting.objects.get(pk=self.children.pk).cancelled)
        self.client.get(url)
        self.assertFalse(Meeting.objects.get(pk=self.children.pk).cancelled)
        self.client.post(url)
        meeting = Meeting.objects.get(pk=self.children.pk)
        self.assertTrue(meeting.cancelled)
        self.assertEqual(meeting.uid, self.children.uid)
        self.assertGreater(meeting.sequence, self.children.sequence)


class AttendanceTests(CohortTestCase):
    """Taps during the meeting (the clock is set just after its start), and before it."""

    def setUp(self) -> None:
        super().setUp()
        clock = time_machine.travel(self.children.starts_at + timedelta(minutes=1), tick=False)
        clock.start()
        self.addCleanup(clock.stop)

    def tap(self, person: User, status: str, revision: int):
        self.login(self.adviser)
        return self.client.post(
            reverse("cohorts:meeting_attendance", args=[self.children.pk]),
            {"person": person.pk, "status": status, "revision": revision},
        )

    def test_before_the_start_the_page_says_when_it_opens_and_taps_are_refused(self) -> None:
        url = reverse("cohorts:meeting_attendance", args=[self.children.pk])
        with time_machine.travel(self.children.starts_at - timedelta(minutes=1), tick=False):
            self.login(self.adviser)
            page = self.client.get(url)
            self.assertContains(page, "De aanwezigheid gaat open bij het begin")
            self.assertContains(page, '<fieldset class="balie-attendance__choices" disabled')
            refused = self.tap(self.alice, "present", 1)
            self.assertEqual(refused.status_code, 409)
            self.assertIn("nog niet begonnen", refused.json()["message"])
            self.assertFalse(Attendance.objects.exists())
        # From the start on, the same tap is saved.
        with time_machine.travel(self.children.starts_at, tick=False):
            self.assertEqual(self.tap(self.alice, "present", 1).status_code, 200)
            self.assertNotContains(self.client.get(url), "disabled")

    def test_a_meeting_without_a_start_time_takes_no_attendance(self) -> None:
        Meeting.objects.filter(pk=self.children.pk).update(starts_at=None, ends_at=None)
        self.assertEqual(self.tap(self.alice, "present", 1).status_code, 409)
        page = self.client.get(reverse("cohorts:meeting_attendance", args=[self.children.pk]))
        self.assertContains(page, "heeft nog geen begintijd")
        self.assertFalse(Attendance.objects.exists())

    def test_a_tap_is_saved_and_a_late_retry_changes_nothing(self) -> None:
        self.assertEqual(self.tap(self.alice, "absent", 100).json()["status"], "absent")
        self.assertEqual(self.tap(self.alice, "present", 200).json()["status"], "present")
        self.assertEqual(self.tap(self.alice, "absent", 100).json()["status"], "present")
        self.assertEqual(Attendance.objects.get(user=self.alice).status, "present")

    def test_the_same_tap_sent_twice_is_recorded_once(self) -> None:
        """The browser's outbox sends a tap again when its answer was lost: the revision is
        the tap's id, so the repeat answers the same and records no second statement."""
        first = self.tap(self.alice, "present", 100)
        statements = Statement.objects.count()
        again = self.tap(self.alice, "present", 100)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(Statement.objects.count(), statements)
        self.assertEqual(Attendance.objects.filter(user=self.alice).count(), 1)

    def test_someone_outside_the_cohort_is_refused(self) -> None:
        self.assertEqual(self.tap(self.outsider, "present", 1).status_code, 400)
        self.assertEqual(self.tap(self.alice, "maybe", 1).status_code, 400)
        self.assertFalse(Attendance.objects.exists())

    def test_an_absent_learner_gets_a_catch_up_task(self) -> None:
        self.tap(self.bob, "absent", 1)
        self.login(self.bob)
        page = self.client.get(reverse("learning:my_learning"))
        self.assertContains(page, self.children.title)
        self.assertContains(page, reverse("cohorts:meeting", args=[self.children.pk]))
        self.client.post(reverse("cohorts:caught_up", args=[self.children.pk]))
        self.assertIsNotNone(Attendance.objects.get(user=self.bob).caught_up_at)


class ReadinessAndTeamTests(CohortTestCase):
    def test_the_adviser_sees_how_much_preparation_is_done(self) -> None:
        ModuleProgress.objects.create(
            user=self.alice,
            module=self.module,
            started_at=timezone.now(),
            completed_at=timezone.now(),
        )
        meeting = Meeting.objects.with_readiness().get(pk=self.children.pk)
        self.assertEqual((meeting.prepared, meeting.to_prepare), (1, 2))
        self.login(self.adviser)
        self.assertContains(self.client.get(reverse("cohorts:cohort_list")), "50%")

    def test_the_learner_sees_the_next_meeting_and_what_to_prepare(self) -> None:
        self.login(self.alice)
        page = self.client.get(reverse("learning:my_learning"))
        self.assertContains(page, self.children.title)
        self.assertContains(page, "Zaal 1")
        self.assertContains(page, "M1 BoekStart")

    def test_the_team_view_counts_and_names_no_one(self) -> None:
        ModuleProgress.objects.create(
            user=self.alice,
            module=self.module,
            started_at=timezone.now(),
            completed_at=timezone.now(),
        )
        self.login(self.manager)
        page = self.client.get(reverse("cohorts:team", args=[self.cohort.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "Alice")
        self.assertNotContains(page, "Bob")
        module = next(m for m in page.context["modules"] if m.pk == self.module.pk)
        self.assertEqual((module.done, module.busy, module.waiting), (1, 0, 1))
        # Shown as on the dashboards: 1 to 4 is "<5", never the exact number.
        self.assertEqual(module.cells, ["<5", 0, "<5"])
        self.assertContains(page, "<td>&lt;5</td>")
        self.assertNotContains(page, "<td>1</td>")

    def test_participants_are_unique(self) -> None:
        actions.add_participants(self.cohort, [self.alice])
        self.assertEqual(Participant.objects.filter(user=self.alice).count(), 1)


class CalendarViewTests(CohortTestCase):
    def test_a_meeting_downloads_as_ics_for_who_may_see_it(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("cohorts:meeting_ics", args=[self.children.pk]))
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        event = Calendar.from_ical(response.content).walk("VEVENT")[0]
        self.assertEqual(str(event["UID"]), f"{self.children.uid}@balie")
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("cohorts:meeting_ics", args=[self.children.pk])).status_code,
            404,
        )

    def test_the_feed_works_without_login_until_renewed(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("cohorts:my_calendar"))  # "Maak mijn agendalink"
        feed = self.client.get(reverse("cohorts:my_calendar")).context["feed"]
        path = feed.removeprefix("http://testserver")
        self.client.logout()
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        uids = [str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
        self.assertIn(f"{self.children.uid}@balie", uids)
        self.login(self.alice)
        self.client.post(reverse("cohorts:my_calendar"))
        self.client.logout()
        self.assertEqual(self.client.get(path).status_code, 404)
        self.assertEqual(self.client.get("/agenda/geen-geheim.ics").status_code, 404)


class MaterialTests(CohortTestCase):
    def test_the_adviser_adds_a_link_and_a_file(self) -> None:
        self.login(self.adviser)
        url = reverse("cohorts:material_add", args=[self.children.pk])
        self.client.post(url, {"title": "Presentatie", "url": "https://example.org/p.pdf"})
        self.client.post(
            url,
            {
                "title": "Hand-out",
                "file": SimpleUploadedFile("hand-out.pdf", b"%PDF-1.4 demo", "application/pdf"),
            },
        )
        self.assertEqual(self.children.materials.count(), 2)
        self.login(self.alice)
        page = self.client.get(reverse("cohorts:meeting", args=[self.children.pk]))
        self.assertContains(page, "Presentatie")
        self.assertContains(page, "Hand-out")

    def test_without_link_or_file_nothing_is_added_and_learners_cannot_add(self) -> None:
        self.login(self.adviser)
        url = reverse("cohorts:material_add", args=[self.children.pk])
        self.client.post(url, {"title": "Leeg"})
        self.client.post(
            url,
            {
                "title": "Script",
                "file": SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream"),
            },
        )
        self.login(self.alice)
        self.assertEqual(
            self.client.post(url, {"title": "x", "url": "https://x.nl"}).status_code, 404
        )
        self.assertFalse(self.children.materials.exists())


class PerPersonTests(CohortTestCase):
    def test_per_person_figures_only_with_a_recorded_agreement_and_for_the_manager(self) -> None:
        url = reverse("cohorts:team", args=[self.cohort.pk])
        self.login(self.manager)
        self.assertIsNone(self.client.get(url).context["people"])
        self.library.works_council_agreed_on = date(2026, 6, 1)
        self.library.save()
        page = self.client.get(url)
        self.assertEqual(
            [p.full_name for p in page.context["people"]], ["Alice de Vries", "Bob Jansen"]
        )
        self.assertContains(page, "Alice de Vries")
        for person in [self.adviser, self.alice, self.taalhuis]:
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertNotContains(self.client.get(url), "Alice de Vries")


class MeetingTemplateTests(CohortTestCase):
    def test_a_programme_with_templates_gets_its_own_meetings(self) -> None:
        template = MeetingTemplate.objects.create(
            programme=self.programme, position=1, kind=MeetingKind.OTHER, title="Eén keer"
        )
        template.preparation.set([self.social])
        cohort = actions.start_cohort(
            self.programme,
            library=self.library,
            name="Kort",
            adviser=self.adviser,
            manager=None,
            starts_on=date(2027, 1, 1),
            participants=[],
        )
        meeting = cohort.meetings.get()
        self.assertEqual(meeting.title, "Eén keer")
        self.assertEqual(list(meeting.preparation.all()), [self.social])
        self.login(self.editor)
        self.assertEqual(self.client.get("/beheer/cohorts/meetingtemplate/").status_code, 200)
        self.login(self.adviser)
        self.assertEqual(self.client.get("/beheer/cohorts/meetingtemplate/").status_code, 302)
