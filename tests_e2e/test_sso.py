"""A staff member logs in with the library's own account: Helmond-Peel's provider is a real
OpenID Connect provider (oidc-provider-mock) in a process of its own. The browser goes from
Balie's login page to the provider's page, signs in there, and comes back logged in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from balie.security.tests.oidc_provider import running_provider
from tests_e2e.conftest import Server, look

pytestmark = pytest.mark.e2e

# A specialist no other browser test logs in as.
EMAIL = "ruud@helmond-peel.example"
SUB = "ruud-at-helmond-peel"

SET_UP = """
from balie.orgs.models import Organisation, SingleSignOn
SingleSignOn.objects.create(organisation=Organisation.objects.get(slug="helmond-peel"),
    provider_id="helmond-peel", issuer="{issuer}", client_id="balie-demo",
    secret="demo-secret", email_domains="helmond-peel.example")
"""
# The other browser tests expect the login page as the demo has it.
TAKE_DOWN = """
from balie.orgs.models import SingleSignOn
SingleSignOn.objects.all().delete()
"""


def test_a_staff_member_logs_in_with_the_librarys_own_account(page: Page, server: Server) -> None:
    with running_provider() as provider:
        provider.set_claims(SUB, email=EMAIL, email_verified=True, name="Ruud Smulders")
        server.manage("shell", "-c", SET_UP.format(issuer=provider.url))
        try:
            page.set_viewport_size({"width": 1366, "height": 768})
            page.goto("/")
            expect(page).to_have_url(f"{server.url}/inloggen/?next=/")
            section = page.locator("[data-sign-on]")
            expect(
                section.get_by_role("heading", name="Inloggen met je bibliotheekaccount")
            ).to_be_visible()
            look(page, "sso-1-login-1366")
            page.set_viewport_size({"width": 390, "height": 844})
            look(page, "sso-1-login-390")

            page.get_by_label("E-mail van je werk").fill("nobody@elders.example")
            section.get_by_role("button").click()
            expect(page.locator("#id_sso-email")).to_have_attribute("aria-invalid", "true")
            look(page, "sso-2-no-library-account-390")

            page.get_by_label("E-mail van je werk").fill(EMAIL)
            section.get_by_role("button").click()
            # The provider's own page: who are you? (a real provider asks for a password here)
            expect(page).to_have_url(re.compile(re.escape(f"{provider.url}/oauth2/authorize?")))
            page.locator("input[name='sub']").fill(SUB)
            page.get_by_role("button", name="Authorize").click()

            expect(page).to_have_url(f"{server.url}/leren/")  # "/" as asked, which is /leren/
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            expect(page.locator("form[action='/uitloggen/']")).to_be_visible()
            assert page.csp_violations == []
        finally:
            server.manage("shell", "-c", TAKE_DOWN)
