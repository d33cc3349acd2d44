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
        with self.assertNumQueries(10) as few:  # …, open questionnaires
            self.client.get(self.url)
        for number in range(5):
            module = make_module(self.programme, f"Module {number}")
            make_step(module)
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(self.url)

    def test_login_is_required(self) -> None:
        self.client.logout()
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")
