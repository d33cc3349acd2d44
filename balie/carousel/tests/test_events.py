from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from balie.carousel import actions
from balie.carousel.models import Assignment, CarouselEvent, SignUp
from balie.personas.models import Persona, PersonaKind
from balie.testing import BaseTestCase

ROUNDS = [(time(19, 0), time(19, 25)), (time(19, 30), time(19, 55))]


class CarouselTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.event = actions.create_event(
            cls.library,
            title="Kenniscarrousel",
            date=timezone.localdate() + timedelta(days=60),
            place="Helmond",
            capacity=3,
            stations=[
                actions.StationPlan(topic="Taalhuis", host=cls.taalhuis),
                actions.StationPlan(topic="IDO", host=cls.manager),
            ],
            rounds=ROUNDS,
        )
        cls.rounds = list(cls.event.rounds.all())
        cls.stations = list(cls.event.stations.all())

    def sign_up(self, person, rounds=None, stations=()):
        self.login(person)
        return self.client.post(
            reverse("carousel:event_signup", args=[self.event.pk]),
            {
                "free_rounds": [r.pk for r in (rounds or self.rounds)],
                "chosen_stations": [s.pk for s in stations],
            },
        )


class SignUpTests(CarouselTestCase):
    def test_staff_of_the_library_sign_up_and_change_their_rounds(self) -> None:
        self.assertRedirects(
            self.sign_up(self.alice), reverse("carousel:event", args=[self.event.pk])
        )
        self.sign_up(self.alice, rounds=self.rounds[:1])
        signup = SignUp.objects.get(user=self.alice)
        self.assertEqual(list(signup.free_rounds.all()), self.rounds[:1])

    def test_an_outsider_sees_nothing(self) -> None:
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("carousel:event", args=[self.event.pk])).status_code, 404
        )
        self.assertEqual(self.sign_up(self.outsider).status_code, 404)
        self.assertFalse(SignUp.objects.exists())

    def test_a_host_stays_at_the_station(self) -> None:
        response = self.sign_up(self.taalhuis)
        self.assertContains(response, "Taalhuis", status_code=400)
        self.assertFalse(SignUp.objects.exists())

    def test_a_full_carousel_says_so(self) -> None:
        from balie.orgs.models import Role
        from balie.testing import make_person

        for n in range(3):
            extra = make_person(f"extra{n}@hp.test", f"Extra {n}", self.library, Role.LEARNER)
            self.sign_up(extra)
        response = self.sign_up(self.alice)
        self.assertContains(response, "vol", status_code=400)
        self.assertEqual(SignUp.objects.count(), 3)

    def test_after_signing_up_the_page_says_what_happens_next(self) -> None:
        response = self.client.get(
            self.sign_up(self.alice, stations=self.stations[:1]).url, HTTP_ACCEPT_LANGUAGE="nl"
        )
        steps = response.content.decode()
        self.assertContains(response, "Wat gebeurt er nu")
        self.assertIn("19:00–19:25, 19:30–19:55", steps)
        self.assertIn("Taalhuis.", steps)
        # From the event: who makes the schedule, and the last day (the day before it).
        with translation.override("nl"):
            day_before = date_format(self.event.date - timedelta(days=1), "l j F")
        self.assertIn(f"{self.library.name} maakt het rooster", steps)
        self.assertIn(f"uiterlijk op {day_before}", steps)
        self.assertIn(f"of meld je af, tot {day_before}", steps)
        actions.make_schedule(self.event)
        page = self.client.get(reverse("carousel:event", args=[self.event.pk]))
        self.assertContains(page, "Het rooster is gemaakt op")
        self.assertContains(page, reverse("carousel:my_schedule", args=[self.event.pk]))

    def test_no_free_round_gets_a_clear_message(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("carousel:event_signup", args=[self.event.pk]), {"free_rounds": []}
        )
        self.assertContains(response, "Kies minstens één ronde", status_code=400)

    def test_the_manager_signs_up_a_colleague_and_a_learner_cannot(self) -> None:
        self.login(self.bob)
        url = reverse("carousel:event_signup", args=[self.event.pk])
        data = {"person": self.alice.pk, "free_rounds": [r.pk for r in self.rounds]}
        self.assertEqual(self.client.post(url, data).status_code, 404)
        self.login(self.taalhuis)  # a specialist of the library organises too
        self.client.post(url, data)
        self.assertEqual(SignUp.objects.get().signed_up_by, self.taalhuis)


class ScheduleTests(CarouselTestCase):
    def test_the_organiser_makes_the_schedule_and_each_prints_their_own(self) -> None:
        self.sign_up(self.alice)
        self.sign_up(self.bob)
        self.login(self.taalhuis)
        response = self.client.post(reverse("carousel:event_schedule", args=[self.event.pk]))
        self.assertRedirects(response, reverse("carousel:event", args=[self.event.pk]))
        for person in (self.alice, self.bob):
            visits = Assignment.objects.filter(user=person)
            self.assertEqual({v.station for v in visits}, set(self.stations))
        self.login(self.alice)
        page = self.client.get(reverse("carousel:my_schedule", args=[self.event.pk]))
        self.assertContains(page, "Taalhuis")
        self.assertContains(page, "19:00")

    def test_an_impossible_schedule_says_why_and_keeps_nothing(self) -> None:
        self.sign_up(self.alice, rounds=self.rounds[:1])
        self.login(self.manager)
        response = self.client.post(reverse("carousel:event_schedule", args=[self.event.pk]))
        self.assertEqual(response.status_code, 409)
        self.assertTrue(response.context["reasons"])
        self.assertContains(response, "Alice de Vries", status_code=409)
        self.assertFalse(Assignment.objects.exists())

    def test_one_choice_of_stations_does_not_block_the_schedule(self) -> None:
        """Three people visit both stations, one chose only the Taalhuis: no plan keeps that.
        The organiser sees the nearest plan and who does not get their choice, and accepts."""
        from balie.orgs.models import Role
        from balie.testing import make_person

        CarouselEvent.objects.filter(pk=self.event.pk).update(capacity=None)
        self.sign_up(self.alice)
        self.sign_up(self.bob)
        self.sign_up(make_person("extra@hp.test", "Extra Een", self.library, Role.LEARNER))
        chooser = make_person("kiest@hp.test", "Kim Kiest", self.library, Role.LEARNER)
        self.sign_up(chooser, stations=self.stations[:1])
        self.login(self.manager)
        url = reverse("carousel:event_schedule", args=[self.event.pk])
        response = self.client.post(url, HTTP_ACCEPT_LANGUAGE="nl")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Assignment.objects.exists())
        self.assertContains(response, "data-unmet")
        self.assertContains(response, "Kim Kiest koos “Taalhuis”")
        self.assertContains(response, "1 persoon krijgt niet de gekozen stations")
        fingerprint = response.context["proposal"].fingerprint
        self.assertRedirects(
            self.client.post(url, {"proposal": fingerprint}),
            reverse("carousel:event", args=[self.event.pk]),
        )
        visits = Assignment.objects.filter(user=chooser)
        self.assertEqual({v.station for v in visits}, set(self.stations))
        self.assertEqual(Assignment.objects.count(), 8)

    def test_a_sign_up_after_the_schedule_marks_it_outdated(self) -> None:
        self.sign_up(self.alice)
        actions.make_schedule(self.event)
        self.sign_up(self.bob)
        self.assertTrue(CarouselEvent.objects.get(pk=self.event.pk).plan_outdated)

    def test_only_organisers_make_schedules(self) -> None:
        for person in (self.alice, self.adviser, self.outsider):
            with self.subTest(person=person.full_name):
                self.login(person)
                url = reverse("carousel:event_schedule", args=[self.event.pk])
                self.assertEqual(self.client.post(url).status_code, 404)


class PlanEventTests(BaseTestCase):
    def post(self, **changes):
        data = {
            "organiser": self.library.pk,
            "title": "Carrousel",
            "place": "Helmond",
            "date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "capacity": "",
            "stations-TOTAL_FORMS": "2",
            "stations-INITIAL_FORMS": "0",
            "stations-0-topic": "Taalhuis",
            "stations-0-host": self.taalhuis.pk,
            "stations-1-topic": "IDO",
            "stations-1-host": "",
            "rounds-TOTAL_FORMS": "2",
            "rounds-INITIAL_FORMS": "0",
            "rounds-0-starts_at": "19:00",
            "rounds-0-ends_at": "19:30",
            "rounds-1-starts_at": "19:35",
            "rounds-1-ends_at": "20:00",
        }
        data.update(changes)
        self.login(self.manager)
        return self.client.post(reverse("carousel:event_new"), data)

    def test_a_manager_plans_a_carousel(self) -> None:
        response = self.post()
        event = CarouselEvent.objects.get()
        self.assertRedirects(response, reverse("carousel:event", args=[event.pk]))
        self.assertEqual(event.stations.count(), 2)
        self.assertEqual(event.rounds.count(), 2)

    def test_a_station_shows_the_personas_chosen_for_it(self) -> None:
        gerrit = Persona.objects.create(name="Gerrit van Dijk", kind=PersonaKind.CUSTOMER)
        own_elsewhere = Persona.objects.create(
            name="Wim", kind=PersonaKind.CUSTOMER, library=self.other_library
        )
        self.assertEqual(self.post(**{"stations-0-personas": [gerrit.pk]}).status_code, 302)
        station = CarouselEvent.objects.get().stations.get(position=1)
        self.assertEqual(list(station.personas.all()), [gerrit])
        self.assertEqual(self.post(**{"stations-0-personas": [own_elsewhere.pk]}).status_code, 400)

    def test_bad_input_is_refused_with_nothing_saved(self) -> None:
        cases = {
            "past": {"date": "2020-01-01"},
            "overlap": {"rounds-1-starts_at": "19:15"},
            "two stations, one host": {"stations-1-host": self.taalhuis.pk},
            "host from elsewhere": {"stations-1-host": self.outsider.pk},
        }
        for name, change in cases.items():
            with self.subTest(name):
                self.assertEqual(self.post(**change).status_code, 400)
        self.assertFalse(CarouselEvent.objects.exists())

    def test_learners_cannot_plan(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("carousel:event_new")).status_code, 404)
