"""Logging in with the library's own account, against a real OpenID Connect provider in a
process of its own (oidc-provider-mock): the authorization code flow with PKCE, the ID token's
checks, matching on a verified e-mail address of an existing person of that organisation, and
everything that is refused (nothing is ever created)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import requests
import time_machine
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from balie.orgs.models import Role, SingleSignOn, User
from balie.security import actions, totp
from balie.security.tests.oidc_provider import Provider, running_provider
from balie.testing import BaseTestCase, make_person

START = "/inloggen/bibliotheekaccount/"


class SignOnTestCase(BaseTestCase):
    provider: Provider

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.running = running_provider()
        cls.provider = cls.running.__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.running.__exit__(None, None, None)
        super().tearDownClass()

    def setUp(self) -> None:
        cache.clear()  # the start's rate limit counts in the cache, across tests
        self.sign_on = self.sign_on_for(self.library, "helmond-peel", "hp.test")

    def sign_on_for(self, organisation, provider_id: str, domains: str) -> SingleSignOn:
        sign_on = SingleSignOn(
            organisation=organisation,
            provider_id=provider_id,
            issuer=self.provider.url,
            client_id=f"balie-{provider_id}",
            secret="client-secret",
            email_domains=domains,
        )
        sign_on.full_clean()
        sign_on.save()
        return sign_on

    def start(self, email: str, next_url: str = "/leren/"):
        return self.client.post(START, {"sso-email": email, "next": next_url})

    def at_provider(self, authorize_url: str, **form: str) -> str:
        """The person at the provider's own page: they are `sub` and press Authorize (or
        Deny). Answers where the provider sends the browser back to."""
        answer = requests.post(authorize_url, data=form, allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 302, answer.text[:500])
        return answer.headers["Location"]

    def log_in(self, sub: str, email: str, *, verified: bool = True, as_email: str | None = None):
        """The whole flow; answers Balie's last response (after the callback)."""
        self.provider.set_claims(sub, email=email, email_verified=verified, name="Iemand")
        started = self.start(as_email or email)
        self.assertEqual(started.status_code, 302)
        back = urlsplit(self.at_provider(started["Location"], sub=sub))
        return self.client.get(f"{back.path}?{back.query}")

    def assert_refused(self, response, words: str) -> None:
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertIn(words, " ".join(str(m) for m in get_messages(response.wsgi_request)))

    def logged_in_user(self) -> int | None:
        value = self.client.session.get("_auth_user_id")
        return int(value) if value else None


def form_action(response) -> list[str]:
    """The sources of the policy's form-action (the directives come in any order)."""
    return next(
        part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.split()[0] == "form-action"
    )


class FlowTests(SignOnTestCase):
    def test_the_login_page_offers_it_and_lets_the_form_go_to_the_provider(self) -> None:
        response = self.client.get(reverse("login"))
        self.assertContains(response, "data-sign-on")
        self.assertContains(response, 'action="/inloggen/bibliotheekaccount/"')
        self.assertEqual(form_action(response), ["'self'", self.provider.url])

    def test_without_any_provider_the_login_page_is_the_password_form_alone(self) -> None:
        SingleSignOn.objects.all().delete()
        response = self.client.get(reverse("login"))
        self.assertNotContains(response, "data-sign-on")
        self.assertEqual(form_action(response), ["'self'"])

    def test_the_start_sends_the_browser_to_the_provider_with_pkce_and_a_hint(self) -> None:
        response = self.start("Alice@HP.test")
        location = urlsplit(response["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}", self.provider.url)
        query = parse_qs(location.query)
        self.assertEqual(query["client_id"], ["balie-helmond-peel"])
        self.assertEqual(query["response_type"], ["code"])
        self.assertEqual(set(query["scope"][0].split()), {"openid", "profile", "email"})
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertTrue(query["code_challenge"][0])
        self.assertTrue(query["state"][0])
        self.assertEqual(query["login_hint"], ["alice@hp.test"])
        self.assertEqual(
            query["redirect_uri"],
            ["http://testserver/inloggen/bibliotheekaccount/helmond-peel/terug/"],
        )

    def test_a_person_of_the_library_logs_in_and_the_account_is_linked(self) -> None:
        people = User.objects.count()
        with self.assertLogs("balie.security", "INFO") as logs:
            response = self.log_in("alice-at-entra", "alice@hp.test")
        self.assertRedirects(response, "/leren/", fetch_redirect_response=False)
        self.assertEqual(self.logged_in_user(), self.alice.pk)
        self.assertTrue(any("login succeeded" in line for line in logs.output), logs.output)
        account = SocialAccount.objects.get()
        self.assertEqual(
            (account.user, account.provider, account.uid),
            (self.alice, "helmond-peel", "alice-at-entra"),
        )
        self.assertEqual(account.extra_data, {"email": "alice@hp.test"})
        # Nothing else is kept or made: no token, no second address, no allauth app, no person.
        self.assertEqual(SocialToken.objects.count(), 0)
        self.assertEqual(EmailAddress.objects.count(), 0)
        self.assertEqual(SocialApp.objects.count(), 0)
        self.assertEqual(User.objects.count(), people)
        self.assertEqual(self.client.get("/leren/").status_code, 200)

    def test_entra_ids_domain_owner_verified_claim_counts_as_verified(self) -> None:
        self.provider.set_claims("alice-at-entra", email="alice@hp.test", xms_edov=True)
        started = self.start("alice@hp.test")
        back = urlsplit(self.at_provider(started["Location"], sub="alice-at-entra"))
        self.client.get(f"{back.path}?{back.query}")
        self.assertEqual(self.logged_in_user(), self.alice.pk)

    def test_the_next_login_finds_the_linked_account(self) -> None:
        self.log_in("alice-at-entra", "alice@hp.test")
        self.client.post(reverse("logout"))
        response = self.log_in("alice-at-entra", "alice@hp.test")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.logged_in_user(), self.alice.pk)
        self.assertEqual(SocialAccount.objects.count(), 1)

    def test_a_login_resets_the_password_failures_of_the_lockout(self) -> None:
        for _ in range(2):
            self.client.post(reverse("login"), {"username": "alice@hp.test", "password": "fout"})
        self.assertEqual(AccessAttempt.objects.get().failures_since_start, 2)
        self.log_in("alice-at-entra", "alice@hp.test")
        self.assertEqual(self.logged_in_user(), self.alice.pk)
        self.assertFalse(AccessAttempt.objects.exists())

    def test_two_step_verification_still_applies_after_the_login(self) -> None:
        cubiss = self.sign_on_for(self.poi, "cubiss", "cubiss.test")
        actions.turn_on_two_factor(self.adviser, secret=totp.new_secret(), counter=0)
        response = self.log_in("sanne", "sanne@cubiss.test")
        self.assertEqual(self.logged_in_user(), self.adviser.pk)
        self.assertEqual(SocialAccount.objects.get().provider, cubiss.provider_id)
        page = self.client.get(response["Location"])
        self.assertRedirects(
            page, f"{reverse('security:verify')}?next=/leren/", fetch_redirect_response=False
        )

    def test_a_branch_member_is_a_member_of_the_library(self) -> None:
        response = self.log_in("alice-at-entra", "alice@hp.test")  # Alice works at the branch
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.logged_in_user(), self.alice.pk)


class RefusalTests(SignOnTestCase):
    def assert_nothing_made(self, people: int) -> None:
        self.assertEqual(User.objects.count(), people)
        self.assertEqual(SocialAccount.objects.count(), 0)
        self.assertEqual(EmailAddress.objects.count(), 0)

    def test_an_unverified_address_is_refused_and_counts_as_a_failed_login(self) -> None:
        people = User.objects.count()
        with self.assertLogs("balie.security", "INFO") as logs:
            response = self.log_in("alice-at-entra", "alice@hp.test", verified=False)
        self.assert_refused(response, "heeft het e-mailadres alice@hp.test niet bevestigd")
        self.assert_nothing_made(people)
        self.assertTrue(any("login failed email=alice@hp.test" in x for x in logs.output))
        self.assertEqual(AccessAttempt.objects.get().username, "alice@hp.test")

    def test_an_unknown_address_is_refused_and_no_account_is_made(self) -> None:
        people = User.objects.count()
        response = self.log_in("nieuw", "nieuw@hp.test")
        self.assert_refused(response, "Er is geen Balie-account voor nieuw@hp.test")
        self.assert_nothing_made(people)

    def test_a_person_of_another_library_with_the_same_domain_is_refused(self) -> None:
        make_person("piet@hp.test", "Piet Hilversum", self.other_library, Role.LEARNER)
        people = User.objects.count()
        response = self.log_in("piet", "piet@hp.test")
        self.assert_refused(response, "Er is geen Balie-account voor piet@hp.test")
        self.assert_nothing_made(people)

    def test_an_address_outside_the_librarys_domains_is_refused(self) -> None:
        # Olga exists, but Helmond-Peel's provider may not speak for hilversum.test.
        people = User.objects.count()
        response = self.log_in("olga", "olga@hilversum.test", as_email="iemand@hp.test")
        self.assert_refused(response, "Er is geen Balie-account voor olga@hilversum.test")
        self.assert_nothing_made(people)

    def test_an_inactive_person_is_refused(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        response = self.log_in("bob", "bob@hp.test")
        self.assert_refused(response, "Je Balie-account staat uit")
        self.assertEqual(SocialAccount.objects.count(), 0)

    def test_another_account_of_the_provider_with_the_same_address_is_refused(self) -> None:
        self.log_in("alice-at-entra", "alice@hp.test")
        self.client.post(reverse("logout"))
        response = self.log_in("someone-else", "alice@hp.test")
        self.assert_refused(response, "hoort bij iemand anders in Balie")
        self.assertEqual(SocialAccount.objects.get().uid, "alice-at-entra")

    def test_a_linked_account_whose_address_now_names_another_person_is_refused(self) -> None:
        self.log_in("alice-at-entra", "alice@hp.test")
        self.client.post(reverse("logout"))
        response = self.log_in("alice-at-entra", "bob@hp.test")
        self.assert_refused(response, "hoort bij iemand anders in Balie")

    def test_an_id_token_that_expired_on_the_way_is_refused(self) -> None:
        self.provider.set_claims("alice-at-entra", email="alice@hp.test", email_verified=True)
        started = self.start("alice@hp.test")
        back = urlsplit(self.at_provider(started["Location"], sub="alice-at-entra"))
        # The provider's tokens live one hour (its own clock); Balie's clock is two hours on.
        with time_machine.travel(dt.timedelta(hours=2)):
            response = self.client.get(f"{back.path}?{back.query}")
        self.assert_refused(response, "Inloggen met het account van je bibliotheek lukte niet")
        self.assertEqual(SocialAccount.objects.count(), 0)

    def test_a_callback_with_another_state_is_refused(self) -> None:
        self.provider.set_claims("alice-at-entra", email="alice@hp.test", email_verified=True)
        started = self.start("alice@hp.test")
        back = urlsplit(self.at_provider(started["Location"], sub="alice-at-entra"))
        query = parse_qs(back.query)
        response = self.client.get(back.path, {"code": query["code"][0], "state": "forged"})
        self.assert_refused(response, "Inloggen met het account van je bibliotheek lukte niet")

    def test_a_person_who_cancels_at_the_provider_is_back_at_the_login_page(self) -> None:
        started = self.start("alice@hp.test")
        state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
        back = urlsplit(self.at_provider(started["Location"], action="deny"))
        self.assertEqual(parse_qs(back.query)["error"], ["access_denied"])
        # This provider leaves the state out of its refusal, which Balie cannot trust ...
        response = self.client.get(f"{back.path}?{back.query}")
        self.assert_refused(response, "Inloggen met het account van je bibliotheek lukte niet")
        # ... Entra ID and Google send it along: then it is a plain "you cancelled".
        response = self.client.get(back.path, {"error": "access_denied", "state": state})
        self.assert_refused(response, "Je bent niet ingelogd met het account van je bibliotheek")

    def test_an_address_of_a_library_without_its_own_sign_in_stays_on_the_page(self) -> None:
        response = self.start("olga@hilversum.test")
        self.assertContains(response, "gebruikt geen eigen accounts voor Balie", status_code=400)
        self.assertContains(response, 'aria-invalid="true"', status_code=400)

    def test_an_unreachable_provider_is_said_plainly(self) -> None:
        SingleSignOn.objects.filter(pk=self.sign_on.pk).update(issuer="http://127.0.0.1:9")
        response = self.start("alice@hp.test")
        self.assertContains(response, "is nu niet bereikbaar", status_code=400)

    def test_allauths_own_pages_are_not_there(self) -> None:
        for name in ("account_login", "account_signup", "socialaccount_signup", "account_email"):
            with self.subTest(name=name), self.assertRaises(NoReverseMatch):
                reverse(name)
        with self.assertRaises(NoReverseMatch):
            reverse("openid_connect_login", kwargs={"provider_id": "helmond-peel"})
        for path in ("/accounts/signup/", "/accounts/login/", "/inloggen/bibliotheekaccount/x/"):
            self.assertEqual(self.client.get(path).status_code, 404)


class ConfigurationTests(SignOnTestCase):
    def test_a_domain_belongs_to_one_organisation(self) -> None:
        other = SingleSignOn(
            organisation=self.other_library,
            provider_id="hilversum",
            issuer=self.provider.url,
            client_id="x",
            secret="y",
            email_domains="hilversum.test, HP.test",
        )
        with self.assertRaisesMessage(Exception, "hp.test"):
            other.full_clean()

    def test_an_administrator_sets_it_up_in_the_management_site(self) -> None:
        SingleSignOn.objects.all().delete()
        admin = make_person("beheer@spn.test", "Beheerder", self.national, Role.ADMIN)
        self.login(admin)
        session = self.client.session
        session["balie_two_factor"] = {
            "user": admin.pk,
            "device": 1,
            "verified": True,
            "required": False,
        }
        session.save()
        add = reverse("admin:orgs_singlesignon_add")
        self.assertEqual(self.client.get(add).status_code, 200)
        response = self.client.post(
            add,
            {
                "organisation": self.library.pk,
                "provider_id": "helmond-peel",
                "issuer": "https://login.microsoftonline.com/tenant/v2.0/",
                "client_id": "abc",
                "secret": "s3cr3t-value",
                "email_domains": "hp.test",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        sign_on = SingleSignOn.objects.get()
        self.assertEqual(sign_on.issuer, "https://login.microsoftonline.com/tenant/v2.0")
        change = reverse("admin:orgs_singlesignon_change", args=[sign_on.pk])
        page = self.client.get(change)
        self.assertContains(page, "/inloggen/bibliotheekaccount/helmond-peel/terug/")
        self.assertNotContains(page, "s3cr3t-value")
        # Saved again without a secret: the stored one stays.
        self.client.post(
            change,
            {
                "organisation": self.library.pk,
                "issuer": sign_on.issuer,
                "client_id": "abc",
                "secret": "",
                "email_domains": "hp.test, bibliotheek-hp.test",
            },
        )
        sign_on.refresh_from_db()
        self.assertEqual(sign_on.secret, "s3cr3t-value")
        self.assertEqual(sign_on.domains, ["hp.test", "bibliotheek-hp.test"])
