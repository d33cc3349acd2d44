"""Each role lands on what it does most; a person with several roles on the most specific."""

from django.urls import reverse

from balie.orgs.actions import grant_role
from balie.orgs.models import Role
from balie.testing import BaseTestCase, make_person


class HomeTests(BaseTestCase):
    def lands(self, user) -> str:
        self.login(user)
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        return response["Location"]

    def test_each_role_lands_on_its_own_page(self) -> None:
        admin = make_person("beheer@spn.test", "Beheer", self.national, Role.ADMIN)
        expected = {
            self.alice: reverse("learning:my_learning"),
            self.bob: reverse("learning:my_learning"),
            self.manager: reverse("insights:index"),
            self.adviser: reverse("cohorts:cohort_list"),
            self.taalhuis: reverse("desk:taalhuis"),
            self.editor: reverse("admin:learning_module_changelist"),
            admin: reverse("admin:index"),
        }
        for user, url in expected.items():
            with self.subTest(user=user):
                self.assertEqual(self.lands(user), url)

    def test_the_most_specific_role_wins_and_the_own_next_step_stays_in_reach(self) -> None:
        grant_role(self.manager, organisation=self.library, role=Role.LEARNER)
        self.assertEqual(self.lands(self.manager), reverse("insights:index"))
        # With a module in progress, the evidence summary links to the manager's own next step.
        self.client.post(reverse("learning:step_next", args=[self.text_step.pk]))
        response = self.client.get(reverse("insights:library", args=[self.library.pk]))
        self.assertContains(response, "data-my-next-step")
        self.assertContains(response, reverse("learning:module", args=[self.module.pk]))
        # A Taalhuis coordinator who is also a manager lands on the evidence too.
        grant_role(self.taalhuis, organisation=self.library, role=Role.MANAGER)
        self.assertEqual(self.lands(self.taalhuis), reverse("insights:index"))

    def test_no_next_step_line_without_a_module_in_progress(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("insights:library", args=[self.library.pk]))
        self.assertNotContains(response, "data-my-next-step")

    def test_someone_without_a_role_lands_on_the_learning_page(self) -> None:
        from balie.orgs.actions import add_person

        self.assertEqual(
            self.lands(add_person(email="nieuw@hp.test", full_name="Nieuw")),
            reverse("learning:my_learning"),
        )

    def test_an_anonymous_visitor_is_asked_to_log_in(self) -> None:
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
