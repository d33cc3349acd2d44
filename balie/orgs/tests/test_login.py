from django.urls import reverse

from balie.testing import PASSWORD, BaseTestCase


class LoginTests(BaseTestCase):
    def test_it_logs_in_with_e_mail_in_any_case(self) -> None:
        response = self.client.post(
            reverse("login"), {"username": "Alice@HP.test", "password": PASSWORD}
        )
        # Home, which sends each role on to its own page (a learner to Mijn leertraject).
        self.assertRedirects(response, reverse("home"), target_status_code=302)
        self.assertRedirects(self.client.get(reverse("home")), reverse("learning:my_learning"))

    def test_a_wrong_password_says_so_in_dutch_and_keeps_the_address(self) -> None:
        response = self.client.post(
            reverse("login"), {"username": "alice@hp.test", "password": "fout"}
        )
        self.assertContains(response, "wachtwoord", status_code=200)
        self.assertContains(response, 'value="alice@hp.test"')
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_address_that_is_not_one_gets_a_clear_message(self) -> None:
        response = self.client.post(reverse("login"), {"username": "alice", "password": "x"})
        self.assertContains(response, "geldig e-mailadres")

    def test_pages_ask_to_log_in_first(self) -> None:
        response = self.client.get(reverse("learning:notes"))
        self.assertRedirects(response, f"{reverse('login')}?next={reverse('learning:notes')}")

    def test_logging_out_takes_a_post(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)
        self.assertRedirects(self.client.post(reverse("logout")), reverse("login"))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_an_inactive_person_cannot_log_in(self) -> None:
        self.bob.is_active = False
        self.bob.save()
        response = self.client.post(
            reverse("login"), {"username": "bob@hp.test", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_dutch_comes_first_whatever_the_browser_prefers(self) -> None:
        response = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, "Inloggen bij Balie")
        self.assertEqual(response["Content-Language"], "nl")

    def test_english_is_a_switch_away(self) -> None:
        self.login(self.alice)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/leren/"})
        self.assertContains(self.client.get(reverse("learning:my_learning")), "My learning path")
        self.client.post(reverse("set_language"), {"language": "nl", "next": "/leren/"})
        self.assertContains(self.client.get(reverse("learning:my_learning")), "Mijn leertraject")
