"""Two-step verification: set-up, the code step at login (wrong, replayed, recovery codes, too
many wrong codes), turning it off, the role that requires it, and the management site."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import override_settings
from django.urls import reverse

from balie.orgs.models import Role
from balie.security import actions, totp, verification
from balie.security.models import AuditAction, AuditEvent, TwoFactor
from balie.security.views import PENDING_SECRET
from balie.testing import PASSWORD, BaseTestCase, make_person

NOW = dt.datetime(2026, 3, 2, 9, 0, 15, tzinfo=dt.UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(step: int = 0, secret: str = SECRET) -> str:
    """The app's code `step` 30-second steps from NOW."""
    return totp.code_at(secret, totp.counter_at(NOW.timestamp()) + step)


@override_settings(BALIE_ADMIN_REQUIRES_2FA=True)
class TwoFactorTestCase(BaseTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def turn_on_for(self, user) -> tuple[TwoFactor, list[str]]:
        """2FA on, as if set up a few minutes ago (that code is used up)."""
        return actions.turn_on_two_factor(
            user, secret=SECRET, counter=totp.counter_at(NOW.timestamp()) - 10
        )

    def log_in_with_password(self, user, next_url: str = ""):
        data = {"username": user.email, "password": PASSWORD}
        url = reverse("login") + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data)

    def send_code(self, value: str, field: str = "code", next_url: str = "/leren/"):
        return self.client.post(reverse("security:verify"), {field: value, "next": next_url})


class TurnOnTests(TwoFactorTestCase):
    def test_it_shows_a_qr_code_and_the_key(self) -> None:
        self.login(self.adviser)
        response = self.client.get(reverse("security:turn_on"))
        self.assertEqual(response.status_code, 200)
        secret = self.client.session[PENDING_SECRET]
        self.assertContains(response, 'src="data:image/svg+xml')
        self.assertContains(response, " ".join([secret[:4], secret[4:8]]))
        self.assertContains(response, 'autocomplete="one-time-code"')
        self.assertContains(response, 'inputmode="numeric"')

    def test_it_turns_on_with_a_current_code_and_shows_recovery_codes_once(self) -> None:
        self.login(self.adviser)
        self.client.get(reverse("security:turn_on"))
        secret = self.client.session[PENDING_SECRET]
        response = self.client.post(reverse("security:turn_on"), {"code": code(0, secret)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["codes"]), actions.RECOVERY_CODES)
        two_factor = TwoFactor.objects.get(user=self.adviser)
        self.assertEqual(two_factor.secret, secret)
        stored = set(two_factor.recovery_codes.values_list("code_hash", flat=True))
        self.assertFalse(stored & set(response.context["codes"]), "stored hashed")
        self.assertNotIn(PENDING_SECRET, self.client.session)
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_ON).exists())
        # The session that set it up is verified; the page now says it is on.
        page = self.client.get(reverse("security:two_factor"))
        self.assertContains(page, 'data-two-factor="on"')
        self.assertNotContains(page, response.context["codes"][0])

    def test_a_wrong_code_is_refused_and_linked_to_the_field(self) -> None:
        self.login(self.adviser)
        self.client.get(reverse("security:turn_on"))
        response = self.client.post(reverse("security:turn_on"), {"code": "123456"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertContains(response, 'id="id_code_error"', status_code=400)
        self.assertContains(response, "id_code_error", count=2, status_code=400)
        self.assertFalse(TwoFactor.objects.filter(user=self.adviser).exists())

    def test_desk_staff_do_not_get_the_page(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("security:two_factor")).status_code, 404)
        self.assertEqual(self.client.get(reverse("security:turn_on")).status_code, 404)


class LoginTests(TwoFactorTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.two_factor, self.recovery_codes = self.turn_on_for(self.adviser)

    def test_a_password_alone_reaches_only_the_code_page(self) -> None:
        self.assertEqual(self.log_in_with_password(self.adviser).status_code, 302)
        response = self.client.get("/leren/")
        self.assertRedirects(response, reverse("security:verify") + "?next=%2Fleren%2F")
        page = self.client.get(response["Location"])
        self.assertContains(page, 'autocomplete="one-time-code"')
        self.assertContains(page, 'inputmode="numeric"')
        self.assertNotContains(page, 'class="balie-nav"')  # no menu that only leads back here

    def test_a_current_code_logs_in(self) -> None:
        self.log_in_with_password(self.adviser)
        key_before = self.client.session.session_key
        response = self.send_code(code(0))
        self.assertRedirects(response, "/leren/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/leren/"), 'class="balie-nav"')
        self.assertNotEqual(self.client.session.session_key, key_before)

    def test_the_code_of_the_step_before_or_after_is_accepted(self) -> None:
        for step in (-1, 1):
            with self.subTest(step=step):
                self.log_in_with_password(self.adviser)
                self.assertEqual(self.send_code(code(step)).status_code, 302)
                self.client.logout()

    def test_a_wrong_code_is_refused(self) -> None:
        self.log_in_with_password(self.adviser)
        response = self.send_code(code(3))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertRedirects(
            self.client.get("/leren/"), reverse("security:verify") + "?next=%2Fleren%2F"
        )

    def test_a_code_is_never_accepted_twice(self) -> None:
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.send_code(code(0)).status_code, 302)
        self.client.logout()
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.send_code(code(0)).status_code, 400)
        # Nor an older one within the window.
        self.assertEqual(self.send_code(code(-1)).status_code, 400)

    def test_a_recovery_code_works_once(self) -> None:
        recovery = self.recovery_codes[0]
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.send_code(recovery.lower(), field="recovery_code").status_code, 302)
        self.client.logout()
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.send_code(recovery, field="recovery_code").status_code, 400)
        self.assertEqual(actions.recovery_codes_left(self.two_factor), 9)

    def test_too_many_wrong_codes_end_the_session_and_block_codes(self) -> None:
        self.log_in_with_password(self.adviser)
        for _ in range(4):
            self.assertEqual(self.send_code("000000").status_code, 400)
        response = self.send_code("000000")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.TWO_FACTOR_BLOCKED).exists())
        # Logging in again with the password does not give new tries, even with a right code.
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.send_code(code(0)).status_code, 429)
        with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
            self.log_in_with_password(self.adviser)
            self.assertEqual(self.send_code(code(32)).status_code, 302)

    def test_a_new_password_login_needs_a_new_code(self) -> None:
        self.log_in_with_password(self.adviser)
        self.send_code(code(0))
        self.log_in_with_password(self.adviser)  # already logged in: the login page redirects
        self.client.logout()
        self.log_in_with_password(self.adviser)
        self.assertEqual(self.client.get("/leren/").status_code, 302)

    def test_the_code_page_leads_on_to_pages_of_ours_only(self) -> None:
        self.log_in_with_password(self.adviser)
        response = self.send_code(code(0), next_url="https://evil.example/")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_a_session_from_before_gets_its_state_worked_out(self) -> None:
        self.login(self.adviser)
        session = self.client.session
        del session[verification.SESSION_KEY]
        session.save()
        self.assertEqual(self.client.get("/leren/").status_code, 302)


class TurnOffTests(TwoFactorTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.turn_on_for(self.adviser)
        self.log_in_with_password(self.adviser)
        self.send_code(code(0))

    def test_it_turns_off_with_a_current_code_and_a_tick(self) -> None:
        response = self.client.post(
            reverse("security:turn_off"), {"code": code(1), "confirm": "on"}
        )
        self.assertRedirects(response, reverse("security:two_factor"))
        self.assertFalse(TwoFactor.objects.filter(user=self.adviser).exists())
        event = AuditEvent.objects.get(action=AuditAction.TWO_FACTOR_OFF)
        self.assertEqual((event.actor, event.actor_role), (self.adviser, Role.ADVISER))
        self.assertEqual(self.client.get("/leren/").status_code, 200)

    def test_without_the_tick_or_with_a_wrong_code_it_stays_on(self) -> None:
        for data in ({"code": code(1)}, {"code": "999999", "confirm": "on"}):
            with self.subTest(data=data):
                response = self.client.post(reverse("security:turn_off"), data)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(TwoFactor.objects.filter(user=self.adviser).exists())


class RequiredTests(TwoFactorTestCase):
    @override_settings(BALIE_REQUIRE_2FA_FOR=[Role.ADVISER])
    def test_a_required_role_is_sent_to_set_it_up(self) -> None:
        self.log_in_with_password(self.adviser)
        response = self.client.get("/leren/")
        self.assertRedirects(
            response, reverse("security:turn_on") + "?next=%2Fleren%2F", target_status_code=200
        )
        self.client.get(response["Location"])
        secret = self.client.session[PENDING_SECRET]
        done = self.client.post(
            reverse("security:turn_on"), {"code": code(0, secret), "next": "/leren/"}
        )
        self.assertContains(done, 'href="/leren/"')
        self.assertEqual(self.client.get("/leren/").status_code, 200)

    @override_settings(BALIE_REQUIRE_2FA_FOR=[Role.ADVISER])
    def test_a_required_role_cannot_turn_it_off(self) -> None:
        self.turn_on_for(self.adviser)
        self.log_in_with_password(self.adviser)
        self.send_code(code(0))
        self.client.post(reverse("security:turn_off"), {"code": code(1), "confirm": "on"})
        self.assertTrue(TwoFactor.objects.filter(user=self.adviser).exists())

    @override_settings(BALIE_REQUIRE_2FA_FOR=[Role.ADVISER])
    def test_other_roles_are_not_asked(self) -> None:
        self.log_in_with_password(self.manager)
        self.assertEqual(self.client.get("/leren/").status_code, 200)


class ManagementSiteTests(TwoFactorTestCase):
    def test_it_is_refused_without_two_step_verification(self) -> None:
        self.login(self.editor)
        response = self.client.get("/beheer/")
        self.assertRedirects(response, reverse("security:two_factor") + "?next=%2Fbeheer%2F")

    def test_it_is_refused_before_the_code(self) -> None:
        self.turn_on_for(self.editor)
        self.log_in_with_password(self.editor)
        self.assertRedirects(
            self.client.get("/beheer/"), reverse("security:verify") + "?next=%2Fbeheer%2F"
        )

    def test_it_opens_after_the_code(self) -> None:
        self.turn_on_for(self.editor)
        self.log_in_with_password(self.editor)
        self.send_code(code(0))
        self.assertEqual(self.client.get("/beheer/").status_code, 200)

    @override_settings(BALIE_ADMIN_REQUIRES_2FA=False)
    def test_the_setting_turns_the_rule_off(self) -> None:
        self.login(self.editor)
        self.assertEqual(self.client.get("/beheer/").status_code, 200)

    def test_an_administrator_can_reset_a_lost_phone(self) -> None:
        admin_person = make_person("ad@spn.test", "Ad Min", self.national, Role.ADMIN)
        self.turn_on_for(admin_person)
        self.turn_on_for(self.editor)
        self.log_in_with_password(admin_person)
        self.send_code(code(0))
        two_factor = TwoFactor.objects.get(user=self.editor)
        url = reverse("admin:security_twofactor_delete", args=[two_factor.pk])
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        self.assertFalse(TwoFactor.objects.filter(user=self.editor).exists())
