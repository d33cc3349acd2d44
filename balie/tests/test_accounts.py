"""Accounts that look after themselves: invitations (once, expiry, one-time links), a forgotten
password (no enumeration, rate-limited, not blocked by the login lockout), "Mijn gegevens",
"Ons team" per role, and ending someone's access."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from balie.cohorts.actions import ImportRow, import_participants, start_cohort
from balie.learning.actions import save_note
from balie.learning.models import Note
from balie.orgs import accounts, tasks
from balie.orgs.actions import grant_role
from balie.orgs.models import DirectoryEntry, Membership, Role, User
from balie.testing import PASSWORD, BaseTestCase, make_person

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NEW_PASSWORD = "Zomer-aan-de-balie-2026"


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@override_settings(TASKS=IMMEDIATE, EMAIL_BACKEND=LOCMEM, BALIE_SITE_URL="https://balie.test")
class AccountTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.addCleanup(cache.clear)

    def invite(self, email: str = "yara@hp.test", name: str = "Yara de Wit") -> User:
        with self.captureOnCommitCallbacks(execute=True):
            return accounts.add_colleague(
                by=self.manager, library=self.library, email=email, full_name=name, branch=None
            )


class InvitationTests(AccountTestCase):
    def test_an_imported_person_gets_one_invitation(self) -> None:
        cohort = start_cohort(
            self.programme,
            library=self.library,
            name="Voorjaar",
            adviser=self.adviser,
            manager=self.manager,
            starts_on=timezone.localdate(),
            participants=[],
        )
        rows = [
            ImportRow(name="Yara de Wit", email="yara@hp.test", branch=None),
            ImportRow(name="Bob Jansen", email="bob@hp.test", branch=None),  # has a password
        ]
        with self.captureOnCommitCallbacks(execute=True):
            import_participants(cohort, rows)
        with self.captureOnCommitCallbacks(execute=True):
            import_participants(cohort, rows)  # the same file again
        self.assertEqual([m.to for m in mail.outbox], [["Yara de Wit <yara@hp.test>"]])
        self.assertEqual(mail.outbox[0].subject, "Je account voor Balie staat klaar")
        self.assertIn("14 dagen", mail.outbox[0].body)
        yara = User.objects.get(email="yara@hp.test")
        self.assertIsNotNone(yara.invited_at)
        self.assertFalse(yara.has_usable_password())

    def test_activation_sets_the_password_and_records_the_privacy_notice(self) -> None:
        yara = self.invite()
        response = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        self.assertContains(response, "Maak je account klaar")
        form_url = response.redirect_chain[-1][0]
        self.assertNotIn(link_in(mail.outbox[0]).split("/")[-2], form_url)  # token not in URL
        refused = self.client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        self.assertContains(refused, "Lees de privacyverklaring")
        done = self.client.post(
            form_url,
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "accept_privacy": "on"},
        )
        self.assertRedirects(done, reverse("login"), fetch_redirect_response=False)
        yara.refresh_from_db()
        self.assertTrue(yara.check_password(NEW_PASSWORD))
        self.assertIsNotNone(yara.privacy_accepted_at)
        # One-time: the same link now says it was used.
        again = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        self.assertContains(again, "Je account is al klaar")
        self.assertTrue(self.client.login(username="yara@hp.test", password=NEW_PASSWORD))

    def test_an_expired_link_offers_a_new_one(self) -> None:
        with time_machine.travel(timezone.now() - dt.timedelta(days=15)):
            yara = self.invite()
        old = path_of(link_in(mail.outbox[0]))
        response = self.client.get(old, follow=True)
        self.assertContains(response, "Deze link werkt niet meer")
        self.assertContains(response, "Stuur mij een nieuwe link")
        uid = urlsafe_base64_encode(force_bytes(yara.pk))
        with self.captureOnCommitCallbacks(execute=True):
            sent = self.client.post(reverse("activation_new_link", args=[uid]))
        self.assertContains(sent, "Kijk in je e-mail")
        self.assertEqual(len(mail.outbox), 2)
        fresh = self.client.get(path_of(link_in(mail.outbox[1])), follow=True)
        self.assertContains(fresh, "Maak je account klaar")

    @override_settings(BALIE_INVITATION_DAYS=2)
    def test_the_number_of_days_is_a_setting(self) -> None:
        with time_machine.travel(timezone.now() - dt.timedelta(days=3)):
            self.invite()
        response = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        self.assertContains(response, "Deze link werkt niet meer")

    def test_a_double_click_on_send_again_sends_one(self) -> None:
        yara = self.invite()
        self.login(self.manager)
        seen = User.objects.get(pk=yara.pk).invited_at.isoformat()
        tasks.send_invitation.enqueue(yara.pk, seen)
        tasks.send_invitation.enqueue(yara.pk, seen)
        self.assertEqual(len(mail.outbox), 2)  # the first invitation and one more

    def test_a_new_link_for_an_active_account_sends_nothing(self) -> None:
        uid = urlsafe_base64_encode(force_bytes(self.alice.pk))
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("activation_new_link", args=[uid]))
        self.assertContains(response, "Kijk in je e-mail")
        self.assertEqual(mail.outbox, [])


class ForgottenPasswordTests(AccountTestCase):
    def ask(self, email: str):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("password_reset"), {"email": email})

    def test_the_login_page_links_to_it(self) -> None:
        self.assertContains(self.client.get(reverse("login")), reverse("password_reset"))

    def test_the_same_answer_whether_the_address_exists_or_not(self) -> None:
        known = self.ask("Alice@HP.test")
        unknown = self.ask("nobody@hp.test")
        self.assertRedirects(known, reverse("password_reset_done"))
        self.assertRedirects(unknown, reverse("password_reset_done"))
        self.assertEqual([m.to for m in mail.outbox], [["Alice de Vries <alice@hp.test>"]])

    def test_a_new_password_through_the_link(self) -> None:
        self.ask("alice@hp.test")
        response = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        form_url = response.redirect_chain[-1][0]
        done = self.client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        self.assertRedirects(done, reverse("password_reset_complete"))
        self.assertTrue(self.client.login(username="alice@hp.test", password=NEW_PASSWORD))
        again = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        self.assertContains(again, "Deze link werkt niet meer")

    def test_it_is_rate_limited_per_address(self) -> None:
        answers = [self.ask("alice@hp.test").status_code for _n in range(4)]
        self.assertEqual(answers, [302, 302, 302, 429])
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual(self.ask("bob@hp.test").status_code, 302)  # another address

    def test_the_login_lockout_does_not_block_a_reset(self) -> None:
        for _n in range(6):
            self.client.post(reverse("login"), {"username": "alice@hp.test", "password": "x"})
        locked = self.client.post(
            reverse("login"), {"username": "alice@hp.test", "password": PASSWORD}
        )
        self.assertNotEqual(locked.status_code, 302)
        self.ask("alice@hp.test")
        response = self.client.get(path_of(link_in(mail.outbox[0])), follow=True)
        self.client.post(
            response.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        logged_in = self.client.post(
            reverse("login"), {"username": "alice@hp.test", "password": NEW_PASSWORD}
        )
        self.assertEqual(logged_in.status_code, 302)

    def test_someone_never_activated_gets_a_new_invitation(self) -> None:
        self.invite()
        self.ask("yara@hp.test")
        self.assertEqual(
            [m.subject for m in mail.outbox], ["Je account voor Balie staat klaar"] * 2
        )


class MyAccountTests(AccountTestCase):
    url = reverse("my_account")

    def test_name_and_language(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url, {"form": "profile", "full_name": "Alice van Dijk", "language": "en"}
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertEqual(response.cookies["django_language"].value, "en")
        self.alice.refresh_from_db()
        self.assertEqual((self.alice.full_name, self.alice.language), ("Alice van Dijk", "en"))
        # The next login on another PC speaks English too.
        self.client.logout()
        self.client.cookies.clear()
        login = self.client.post(
            reverse("login"), {"username": "alice@hp.test", "password": PASSWORD}
        )
        self.assertEqual(login.cookies["django_language"].value, "en")

    def test_a_new_address_needs_the_current_password(self) -> None:
        self.login(self.alice)
        wrong = self.client.post(
            self.url, {"form": "email", "email": "alice@new.test", "current_password": "x"}
        )
        self.assertEqual(wrong.status_code, 400)
        taken = self.client.post(
            self.url, {"form": "email", "email": "bob@hp.test", "current_password": PASSWORD}
        )
        self.assertEqual(taken.status_code, 400)
        self.client.post(
            self.url, {"form": "email", "email": "Alice@New.test", "current_password": PASSWORD}
        )
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.email, "alice@new.test")

    def test_a_new_password_keeps_this_session(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            self.url,
            {
                "form": "password",
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertRedirects(response, self.url)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.check_password(NEW_PASSWORD))

    def test_the_header_links_to_it(self) -> None:
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("learning:notes")), f'href="{self.url}"')


class TeamTests(AccountTestCase):
    def test_who_sees_the_team(self) -> None:
        expected = {
            self.manager: 200,
            self.taalhuis: 200,
            self.alice: 404,
            self.adviser: 404,
            self.editor: 404,
            self.outsider: 404,
        }
        for person, status in expected.items():
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertEqual(self.client.get(reverse("team")).status_code, status)

    def test_the_list_shows_who_activated(self) -> None:
        self.invite()
        self.login(self.manager)
        response = self.client.get(reverse("team"))
        self.assertContains(response, "Yara de Wit")
        self.assertContains(response, "nog niet klaar")
        self.assertContains(response, "Alice de Vries")
        self.assertNotContains(response, "Olga Visser")
        self.assertNotContains(response, "Sanne Hoekstra")

    def test_a_manager_adds_a_learner_and_nobody_else(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            reverse("team_add"),
            {"full_name": "Yara de Wit", "email": "Yara@HP.test", "role": Role.MANAGER},
        )
        self.assertEqual(response.status_code, 302)
        yara = User.objects.get(email="yara@hp.test")
        self.assertEqual(
            list(yara.memberships.values_list("organisation", "role")),
            [(self.library.pk, Role.LEARNER)],
        )
        self.assertFalse(yara.is_staff)

    def test_an_existing_address_is_refused(self) -> None:
        self.login(self.manager)
        response = self.client.post(
            reverse("team_add"), {"full_name": "Olga", "email": "olga@hilversum.test"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Membership.objects.filter(user=self.outsider, organisation=self.library))

    def test_a_branch_of_another_library_is_refused(self) -> None:
        other_branch = self.other_library.children.create(
            kind="branch", name="Hilversum-Noord", slug="hv-noord"
        )
        self.login(self.manager)
        response = self.client.post(
            reverse("team_add"),
            {"full_name": "Yara", "email": "yara@hp.test", "branch": other_branch.pk},
        )
        self.assertEqual(response.status_code, 400)

    def test_resend_only_to_the_own_team(self) -> None:
        yara = self.invite()
        self.login(self.outsider)
        self.assertEqual(self.client.post(reverse("team_resend", args=[yara.pk])).status_code, 404)
        self.login(self.manager)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("team_resend", args=[yara.pk]))
        self.assertEqual(len(mail.outbox), 2)

    def test_ending_access(self) -> None:
        save_note(self.alice, self.reflection_step, body="Mijn eigen gedachte", revision=1)
        DirectoryEntry.objects.create(
            library=self.library, person=self.alice, role_title="Balie", how_to_reach="balie"
        )
        self.client.force_login(self.alice)
        alice_session = self.client.cookies["sessionid"].value
        self.login(self.manager)
        url = reverse("team_end", args=[self.alice.pk])
        self.assertContains(self.client.get(url), "Weet je het zeker?")
        self.assertRedirects(self.client.post(url), reverse("team") + "?bibliotheek=helmond-peel")
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        self.assertFalse(self.alice.has_usable_password())
        self.assertFalse(self.alice.memberships.exists())
        self.assertFalse(DirectoryEntry.objects.filter(person=self.alice).exists())
        self.assertTrue(Note.objects.filter(user=self.alice).exists())  # docs/privacy.md
        # Her session has ended.
        self.client.cookies["sessionid"] = alice_session
        response = self.client.get(reverse("learning:my_learning"))
        self.assertEqual(response.status_code, 302)

    def test_who_may_end_whom(self) -> None:
        cases = [
            (self.manager, self.taalhuis, True),
            (self.manager, self.manager, False),  # not oneself
            (self.taalhuis, self.alice, True),
            (self.taalhuis, self.manager, False),  # a specialist does not end a manager
            (self.taalhuis, self.taalhuis, False),
        ]
        for by, person, allowed in cases:
            with self.subTest(by=by.full_name, person=person.full_name):
                self.login(by)
                status = self.client.get(reverse("team_end", args=[person.pk])).status_code
                self.assertEqual(status, 200 if allowed else 404)
        other_manager = make_person("mark@hv.test", "Mark", self.other_library, Role.MANAGER)
        self.login(other_manager)
        self.assertEqual(
            self.client.post(reverse("team_end", args=[self.alice.pk])).status_code, 404
        )
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_someone_in_two_libraries_keeps_the_other(self) -> None:
        grant_role(self.alice, organisation=self.other_library, role=Role.LEARNER)
        self.login(self.manager)
        self.client.post(reverse("team_end", args=[self.alice.pk]))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)
        self.assertEqual(
            list(self.alice.memberships.values_list("organisation", flat=True)),
            [self.other_library.pk],
        )
