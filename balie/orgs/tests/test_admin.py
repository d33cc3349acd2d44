from balie.testing import BaseTestCase


class AdminTests(BaseTestCase):
    def test_editors_author_modules_and_see_the_computed_estimate(self) -> None:
        self.login(self.editor)
        response = self.client.get(f"/beheer/learning/module/{self.module.pk}/change/")
        self.assertContains(response, "Schatting berekend uit de inhoud (lezen")
        self.assertContains(response, "Wat is BoekStart?")

    def test_others_cannot_reach_the_management_site(self) -> None:
        for person in [self.alice, self.manager, self.adviser]:
            with self.subTest(person=person.full_name):
                self.login(person)
                response = self.client.get(f"/beheer/learning/module/{self.module.pk}/change/")
                self.assertEqual(response.status_code, 302)

    def test_a_step_is_validated_for_its_kind(self) -> None:
        self.login(self.editor)
        response = self.client.post(
            "/beheer/learning/step/add/",
            {
                "module": self.module.pk,
                "position": 9,
                "kind": "link",
                "title": "Site",
                "body": "",
                "video_seconds": 0,
                "link_url": "",
                "link_why": "",
            },
        )
        self.assertContains(response, "Geef het adres van de website.")
        self.assertContains(response, "Schrijf waarom de website een bezoek waard is.")
