"""The offer catalogue: who sees which library's offer, who keeps it, and bad input."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from balie.demo.desk import load_desk_offers_demo
from balie.desk.models import Need, Offer, OfferKind, Referral
from balie.orgs.actions import create_organisation
from balie.orgs.models import Organisation, Role, User
from balie.personas.models import Persona, PersonaKind
from balie.testing import BaseTestCase, make_person

OFFERS = reverse("desk:offers")
NEW = reverse("desk:offer_new")


def make_offer(library: Organisation, name: str = "Taalcafé Helmond", **fields) -> Offer:
    fields.setdefault("kind", OfferKind.TAALCAFE)
    fields.setdefault("needs", [Need.LANGUAGE])
    return Offer.objects.create(library=library, name=name, **fields)


def make_referral(offer: Offer, **fields) -> Referral:
    fields.setdefault("need", Need.LANGUAGE)
    fields.setdefault("warm", False)
    fields.setdefault("hour", Referral.hour_of(timezone.now()))
    return Referral.objects.create(
        library_id=offer.library_id, offer=offer, offer_kind=offer.kind, **fields
    )


def offer_data(**extra) -> dict:
    data = {
        "kind": OfferKind.IDO,
        "name": "IDO-spreekuur",
        "needs": [Need.DIGID, Need.LETTER],
        "schedule": "elke middag",
        "branch": "",
        "owner": "",
        "description": "Hulp bij **DigiD**.",
        "position": "2",
    }
    data.update(extra)
    return data


class OfferListTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.cafe = make_offer(
            cls.library,
            schedule="woensdag 14:00",
            branch=cls.branch,
            owner=cls.taalhuis,
            description="Praten met **vrijwilligers**. <script>alert(1)</script>",
        )
        cls.ido = make_offer(cls.library, "IDO", kind=OfferKind.IDO, needs=[Need.DIGID])
        cls.gone = make_offer(cls.library, "Oude cursus", kind=OfferKind.OTHER, is_active=False)
        cls.elsewhere = make_offer(cls.other_library, "Taalcafé Hilversum")

    def get(self, user: User, **params):
        self.login(user)
        return self.client.get(OFFERS, params)

    def test_desk_staff_see_their_librarys_offer_grouped_by_kind(self) -> None:
        response = self.get(self.alice)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Taalcafé Helmond")
        self.assertContains(response, "woensdag 14:00")
        self.assertContains(response, "<strong>vrijwilligers</strong>", html=True)
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, f'data-offer="{self.ido.pk}"')
        self.assertNotContains(response, "Taalcafé Hilversum")
        self.assertNotContains(response, "Oude cursus")  # off the list
        self.assertNotContains(response, "data-offer-new")
        self.assertNotContains(response, reverse("desk:offer_edit", args=[self.cafe.pk]))
        self.assertContains(response, "data-tally-link")
        groups = [label for label, _offers in response.context["groups"]]
        self.assertEqual(len(groups), 2)
        # The owner links to the directory.
        self.assertContains(response, reverse("directory") + "?bibliotheek=helmond-peel")

    def test_managers_and_specialists_keep_the_catalogue(self) -> None:
        for person in (self.manager, self.taalhuis):
            with self.subTest(person=person):
                response = self.get(person)
                self.assertContains(response, "data-offer-new")
                self.assertContains(response, reverse("desk:offer_edit", args=[self.cafe.pk]))
                self.assertContains(response, "Oude cursus")  # to put back, or delete
                self.assertContains(response, reverse("desk:offer_delete", args=[self.gone.pk]))

    def test_the_adviser_picks_one_of_the_pois_libraries(self) -> None:
        response = self.get(self.adviser, library=self.library.pk)
        self.assertContains(response, "Taalcafé Helmond")
        self.assertNotContains(response, "data-offer-new")
        self.assertNotContains(response, "data-tally-link")
        self.assertEqual(self.get(self.adviser, library=self.other_library.pk).status_code, 404)

    def test_the_outsider_sees_only_her_own_library(self) -> None:
        response = self.get(self.outsider)
        self.assertContains(response, "Taalcafé Hilversum")
        self.assertNotContains(response, "Taalcafé Helmond")
        self.assertEqual(self.get(self.outsider, library=self.library.pk).status_code, 404)

    def test_the_editor_sees_any_library_but_keeps_none(self) -> None:
        response = self.get(self.editor, library=self.other_library.pk)
        self.assertContains(response, "Taalcafé Hilversum")
        self.assertNotContains(response, "data-offer-new")

    def test_a_library_that_is_not_a_number_or_not_a_library_is_404(self) -> None:
        self.assertEqual(self.get(self.editor, library="abc").status_code, 404)
        self.assertEqual(self.get(self.editor, library=self.branch.pk).status_code, 404)

    def test_an_empty_catalogue_says_what_to_do_next(self) -> None:
        Offer.objects.filter(library=self.other_library).delete()
        response = self.get(self.outsider)
        self.assertContains(response, "data-empty")
        manager = make_person("wim@hilversum.test", "Wim", self.other_library, Role.MANAGER)
        response = self.get(manager)
        self.assertContains(response, NEW + f"?library={self.other_library.pk}")

    def test_the_list_has_a_query_budget_that_does_not_grow_with_offers(self) -> None:
        self.login(self.manager)
        self.client.get(OFFERS)  # warm up the session
        with self.assertNumQueries(7):
            self.client.get(OFFERS)
        for number in range(12):
            make_offer(
                self.library,
                f"Extra {number}",
                kind=OfferKind.PARTNER,
                branch=self.branch,
                owner=self.manager,
            )
        with self.assertNumQueries(7):
            response = self.client.get(OFFERS)
        self.assertContains(response, "Extra 11")

    def test_an_offer_links_the_personas_it_fits(self) -> None:
        make_offer(self.library, "Taalcafé Helmond", kind=OfferKind.TAALCAFE)
        samira = Persona.objects.create(
            name="Samira Haddad", kind=PersonaKind.CUSTOMER, offer_kinds=[OfferKind.TAALCAFE]
        )
        Persona.objects.create(
            name="Gerrit van Dijk", kind=PersonaKind.CUSTOMER, offer_kinds=[OfferKind.DIGISTERKER]
        )
        response = self.get(self.alice)
        self.assertContains(response, reverse("personas:detail", args=[samira.pk]))
        self.assertNotContains(response, "Gerrit van Dijk")


class OfferKeepingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.offer = make_offer(cls.library)
        cls.other_branch = create_organisation(
            kind=Organisation.Kind.BRANCH,
            name="Centrum",
            slug="hv-centrum",
            parent=cls.other_library,
        )
        cls.elsewhere = make_offer(cls.other_library, "Taalcafé Hilversum")

    def test_a_manager_adds_an_offer(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.client.get(NEW).status_code, 200)
        response = self.client.post(
            NEW,
            offer_data(
                library=self.library.pk,
                branch=self.branch.pk,
                owner=self.taalhuis.pk,
                takes_appointments="on",
            ),
        )
        self.assertRedirects(response, f"{OFFERS}?library={self.library.pk}")
        offer = Offer.objects.get(name="IDO-spreekuur")
        self.assertEqual(offer.library, self.library)
        self.assertEqual(offer.needs, [Need.DIGID, Need.LETTER])
        self.assertEqual(offer.branch, self.branch)
        self.assertEqual(offer.owner, self.taalhuis)
        self.assertTrue(offer.takes_appointments)
        self.assertTrue(offer.is_active)

    def test_the_needs_are_checkboxes_and_the_choices_are_the_librarys(self) -> None:
        self.login(self.taalhuis)
        response = self.client.get(NEW, {"library": self.library.pk})
        self.assertContains(response, 'type="checkbox" name="needs"', count=len(Need.values))
        fields = response.context["form"].fields
        self.assertEqual(list(fields["branch"].queryset), [self.branch])
        staff = set(fields["owner"].queryset)
        self.assertEqual(staff, {self.manager, self.alice, self.bob, self.taalhuis})

    def test_only_managers_and_specialists_of_the_library_add_offers(self) -> None:
        for person in (self.alice, self.adviser, self.editor, self.outsider):
            with self.subTest(person=person):
                self.login(person)
                self.assertEqual(
                    self.client.get(NEW, {"library": self.library.pk}).status_code, 404
                )
                response = self.client.post(NEW, offer_data(library=self.library.pk))
                self.assertEqual(response.status_code, 404)
        self.assertFalse(Offer.objects.filter(name="IDO-spreekuur").exists())

    def test_bad_input_is_refused_with_400_and_nothing_is_saved(self) -> None:
        self.login(self.manager)
        cases = {
            "another library's branch": {"branch": self.other_branch.pk},
            "someone outside the library": {"owner": self.outsider.pk},
            "an unknown need": {"needs": ["flying"]},
            "no name": {"name": ""},
            "an unknown kind": {"kind": "circus"},
        }
        for case, extra in cases.items():
            with self.subTest(case):
                response = self.client.post(NEW, offer_data(library=self.library.pk, **extra))
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "utrecht-form-field-error-message", status_code=400)
        self.assertFalse(Offer.objects.filter(name="IDO-spreekuur").exists())

    def test_a_specialist_edits_an_offer_and_a_rejected_edit_keeps_the_text(self) -> None:
        self.login(self.taalhuis)
        url = reverse("desk:offer_edit", args=[self.offer.pk])
        response = self.client.get(url)
        self.assertContains(response, "Taalcafé Helmond")
        response = self.client.post(url, offer_data(name="", schedule="vrijdag"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "vrijdag", status_code=400)
        response = self.client.post(url, offer_data(name="Taalcafé op vrijdag"))
        self.assertEqual(response.status_code, 302)
        self.offer.refresh_from_db()
        self.assertEqual(self.offer.name, "Taalcafé op vrijdag")
        self.assertEqual(self.offer.kind, OfferKind.IDO)

    def test_nobody_edits_another_librarys_offer(self) -> None:
        for person in (self.manager, self.alice, self.adviser, self.editor):
            with self.subTest(person=person):
                self.login(person)
                for name in ("desk:offer_edit", "desk:offer_delete"):
                    url = reverse(name, args=[self.elsewhere.pk])
                    self.assertEqual(self.client.get(url).status_code, 404)
                url = reverse("desk:offer_active", args=[self.elsewhere.pk])
                self.assertEqual(self.client.post(url, {"active": "0"}).status_code, 404)
        self.elsewhere.refresh_from_db()
        self.assertTrue(self.elsewhere.is_active)

    def test_desk_staff_do_not_change_offers(self) -> None:
        self.login(self.alice)
        self.assertEqual(
            self.client.get(reverse("desk:offer_edit", args=[self.offer.pk])).status_code, 404
        )
        url = reverse("desk:offer_active", args=[self.offer.pk])
        self.assertEqual(self.client.post(url, {"active": "0"}).status_code, 404)

    def test_taking_an_offer_off_the_list_and_back(self) -> None:
        self.login(self.manager)
        url = reverse("desk:offer_active", args=[self.offer.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        self.client.post(url, {"active": "0"})
        self.offer.refresh_from_db()
        self.assertFalse(self.offer.is_active)
        self.client.post(url, {"active": "0"})  # again: no change, no error
        self.offer.refresh_from_db()
        self.assertFalse(self.offer.is_active)
        self.client.post(url, {"active": "1"})
        self.offer.refresh_from_db()
        self.assertTrue(self.offer.is_active)

    def test_deleting_an_offer_never_referred_to_after_confirming(self) -> None:
        self.login(self.manager)
        url = reverse("desk:offer_delete", args=[self.offer.pk])
        response = self.client.get(url)
        self.assertContains(response, "data-confirm-delete")
        self.assertTrue(Offer.objects.filter(pk=self.offer.pk).exists())  # GET changes nothing
        response = self.client.post(url)
        self.assertRedirects(response, f"{OFFERS}?library={self.library.pk}")
        self.assertFalse(Offer.objects.filter(pk=self.offer.pk).exists())

    def test_an_offer_referred_to_is_not_deleted_but_can_go_off_the_list(self) -> None:
        make_referral(self.offer)
        self.login(self.manager)
        url = reverse("desk:offer_delete", args=[self.offer.pk])
        response = self.client.get(url)
        self.assertContains(response, "data-referred")
        self.assertNotContains(response, "data-confirm-delete")
        response = self.client.post(url)
        self.assertEqual(response.status_code, 400)
        self.assertTrue(Offer.objects.filter(pk=self.offer.pk).exists())


class OfferAdminTests(BaseTestCase):
    def test_offers_are_in_the_admin_and_referrals_are_not(self) -> None:
        admin = User.objects.create_superuser(email="root@balie.test", full_name="Root")
        make_offer(self.library)
        self.client.force_login(admin)
        self.assertEqual(self.client.get("/beheer/desk/offer/").status_code, 200)
        self.assertEqual(self.client.get("/beheer/desk/referral/").status_code, 404)


class DemoOfferTests(TestCase):
    def test_the_demo_offer_is_loaded_once_for_each_pilot_library(self) -> None:
        national = create_organisation(kind=Organisation.Kind.NATIONAL, name="SPN", slug="spn")
        poi = create_organisation(kind=Organisation.Kind.POI, name="C", slug="c", parent=national)
        library = create_organisation(
            kind=Organisation.Kind.LIBRARY, name="HP", slug="helmond-peel", parent=poi
        )
        create_organisation(
            kind=Organisation.Kind.BRANCH,
            name="HP Helmond",
            slug="hp-h",
            parent=library,
            place="Helmond",
        )
        anouk = make_person("anouk@helmond-peel.example", "Anouk", library, Role.MANAGER)
        load_desk_offers_demo()
        load_desk_offers_demo()
        offers = Offer.objects.filter(library=library)
        self.assertEqual(offers.count(), 9)
        self.assertTrue(offers.filter(name="Taalcafé Helmond", owner=anouk).exists())
        self.assertTrue(offers.filter(takes_appointments=True).exists())
        for offer in offers:
            offer.full_clean()
