"""A desk worker books a warm hand-over with the customer's consent and prints the card; the
Taalhuis coordinator sees it come in and keeps her free times."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests_e2e.conftest import Server, look
from tests_e2e.test_meetings import log_in

pytestmark = pytest.mark.e2e

# The demo may not have an offer that takes appointments, nor free time: make sure of both.
ENSURE = """
import datetime as dt
from django.utils import timezone
from balie.desk.models import Offer, Slot
from balie.orgs.models import Organisation, User
library = Organisation.objects.get(slug="helmond-peel")
Offer.objects.get_or_create(library=library, name="Intake Taalhuis",
    defaults={"kind": "intake", "takes_appointments": True})
anouk = User.objects.get(email="anouk@helmond-peel.example")
day = timezone.localdate() + dt.timedelta(days=2)
Slot.objects.get_or_create(colleague=anouk, starts_at=timezone.make_aware(
    dt.datetime.combine(day, dt.time(13, 15))), defaults={"library": library,
    "branch": library.children.order_by("pk").first(), "place": "Taalhuis, eerste verdieping"})
"""


def test_booking_a_warm_handover_and_printing_the_card(browser: Browser, server: Server) -> None:
    server.manage("shell", "-c", ENSURE)
    page = log_in(browser, server, "linda@helmond-peel.example")
    page.goto("/afspraak/")
    look(page, "60-handover-offer")
    page.locator("#id_need").select_option("language")
    page.locator("input[name=offer]").first.check()
    page.locator("main button[type=submit]").click()
    expect(page.locator("[data-step=slot]")).to_be_visible()
    look(page, "61-handover-slots")
    page.locator("[data-slot]").first.click()
    expect(page.locator("#consent-text")).to_be_visible()
    expect(page.locator("input[name=contact]")).to_have_count(0)
    look(page, "62-handover-consent")
    page.locator("#id_agrees").check()
    page.locator("main button[type=submit]:not([name])").click()
    page.locator("#id_first_name").fill("Samira")
    page.locator("#id_contact").fill("samira@example.nl")
    look(page, "63-handover-contact")
    page.locator("main button[type=submit]").last.click()
    expect(page.locator("article.card")).to_contain_text("Samira")
    expect(page.locator("article.card")).not_to_contain_text("samira@example.nl")
    expect(page.locator("[data-print]")).to_be_visible()
    look(page, "64-handover-card")
    page.emulate_media(media="print")
    look(page, "65-handover-card-print")
    page.context.close()

    coordinator = log_in(browser, server, "anouk@helmond-peel.example")
    coordinator.goto("/taalhuis/")
    expect(coordinator.locator("[data-handover]").first).to_be_visible()
    expect(coordinator.locator("main")).to_contain_text("samira@example.nl")
    look(coordinator, "66-taalhuis")
    coordinator.goto("/taalhuis/tijden/")
    look(coordinator, "67-taalhuis-slots")
    coordinator.context.close()
