from django.urls import reverse

from balie.learning.models import ModuleProgress
from balie.testing import BaseTestCase, make_module, make_step


class MyLearningTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.url = reverse("learning:my_learning")

    def test_it_shows_each_module_with_its_state_and_time(self) -> None:
        response = self.client.get(self.url)
        self.assertContains(response, "BoekStart")
        self.assertContains(response, "Nog niet begonnen")
        self.assertContains(response, "40 minuten")
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        ModuleProgress.objects.filter(user=self.alice).update(seconds=47 * 60)
        response = self.client.get(self.url)
        self.assertContains(response, "Bezig")
        self.assertContains(response, "47 minuten")
        self.assertContains(response, "1 van 5 stappen gezien")
        self.assertContains(response, "Een leesconsulent vertelt")  # the next step

    def test_it_shows_another_learners_progress_to_nobody(self) -> None:
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        self.login(self.bob)
        self.assertContains(self.client.get(self.url), "Nog niet begonnen")

    def test_someone_without_a_role_sees_an_empty_state(self) -> None:
        from balie.orgs.actions import add_person

        self.login(add_person(email="nieuw@hp.test", full_name="Nieuw"))
        response = self.client.get(self.url)
        self.assertContains(response, "Hier is nog niets voor jou")
        self.assertNotContains(response, "BoekStart")

    def test_queries_do_not_grow_with_modules(self) -> None:
        self.client.get(self.url)
        with self.assertNumQueries(13) as few:  # …, steps (the time), questionnaires, what next
            self.client.get(self.url)
        for number in range(5):
            module = make_module(self.programme, f"Module {number}")
            make_step(module)
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(self.url)

    def test_learners_see_one_estimate_the_larger_and_the_editor_sees_which(self) -> None:
        """The editor's estimate (40) while the content needs less; the computed one when the
        content needs more (9,000 words at 150 a minute: 60 minutes, and the other steps)."""
        self.assertContains(self.client.get(self.url), "40 minuten")
        make_step(self.module, body=" ".join(["woord"] * 9000))
        computed = self.module.computed_minutes()
        self.assertGreater(computed, 60)
        response = self.client.get(self.url)
        self.assertContains(response, f"{computed} minuten")
        self.assertNotContains(response, "40 minuten")
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        step = self.client.get(reverse("learning:step", args=[self.video_step.pk]))
        self.assertContains(step, f"geschat: {computed} minuten")

        self.login(self.editor)
        page = self.client.get(f"/beheer/learning/module/{self.module.pk}/change/")
        self.assertContains(page, f"{computed} minuten: de berekende schatting, want die is groter")
        self.module.estimated_minutes = 90
        self.module.save()
        page = self.client.get(f"/beheer/learning/module/{self.module.pk}/change/")
        self.assertContains(page, "90 minuten: jouw schatting.")

    def test_login_is_required(self) -> None:
        self.client.logout()
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")


class WhatNextTests(BaseTestCase):
    """One clear "Ga verder" at the top, the modules due before the meeting as links, and the
    tally one tap away for people of a library."""

    url = reverse("learning:my_learning")

    def go_on(self, response) -> str:
        html = response.content.decode()
        self.assertEqual(html.count("data-go-on"), 1)
        return html.split("data-go-on")[0].rsplit('href="', 1)[1].split('"')[0]

    def test_a_new_learner_goes_on_with_the_first_module_and_the_tally_is_one_tap_away(self):
        self.login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(self.go_on(response), reverse("learning:module", args=[self.module.pk]))
        self.assertContains(response, "Ga verder")
        self.assertContains(response, f'href="{reverse("desk:tally")}" data-tally-link')

    def test_the_module_in_progress_comes_first_with_its_next_step(self):
        second = make_module(self.programme, "Taal", code="M2")
        make_step(second, title="Eerste stap van Taal")
        self.login(self.alice)
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        response = self.client.get(self.url)
        self.assertEqual(self.go_on(response), reverse("learning:module", args=[self.module.pk]))
        self.assertContains(response, "Volgende stap: Een leesconsulent vertelt")

    def test_a_module_due_before_the_next_meeting_comes_before_one_not_due(self):
        import datetime as dt

        from django.utils import timezone

        from balie.cohorts.actions import start_cohort
        from balie.cohorts.models import Meeting

        due = make_module(self.programme, "Taal", code="M2")
        make_step(due)
        cohort = start_cohort(
            self.programme,
            library=self.library,
            name="HP",
            adviser=self.adviser,
            manager=self.manager,
            starts_on=timezone.localdate() + dt.timedelta(days=7),
            participants=[self.alice],
        )
        meeting = cohort.meetings.first()
        start = timezone.now() + dt.timedelta(days=6)
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=start, ends_at=start + dt.timedelta(hours=2)
        )
        meeting.preparation.set([due])
        self.login(self.alice)
        response = self.client.get(self.url)
        self.assertEqual(self.go_on(response), reverse("learning:module", args=[due.pk]))
        # The modules due are links.
        self.assertContains(
            response, f'<a class="utrecht-link" href="{reverse("learning:module", args=[due.pk])}"'
        )

    def test_an_editor_has_no_tally_link(self):
        self.login(self.editor)
        self.assertNotContains(self.client.get(self.url), "data-tally-link")
