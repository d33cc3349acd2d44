import shutil
import tempfile
from datetime import date, time

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from balie.carousel import actions as carousel_actions
from balie.demo.personas import PERSONAS, load_personas_demo
from balie.personas.models import OFFER_KINDS, Persona, PersonaKind
from balie.personas.pictures import draw
from balie.testing import BaseTestCase

PNG = draw("GD", (21, 66, 115), "envelope")
MEDIA = tempfile.mkdtemp(prefix="balie-personas-")


def make_persona(name: str = "Gerrit van Dijk", **fields) -> Persona:
    fields.setdefault("kind", PersonaKind.CUSTOMER)
    fields.setdefault("age", 61)
    fields.setdefault("tagline", "NT1, Deurne")
    fields.setdefault("signals", "- Zegt dat hij zijn leesbril vergeten is.")
    return Persona.objects.create(name=name, **fields)


def png(name: str = "gerrit.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@override_settings(MEDIA_ROOT=MEDIA)
class PersonaTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.gerrit = make_persona("Gerrit van Dijk", offer_kinds=["ido", "intake"])
        cls.marieke = make_persona(
            "Marieke", age=54, kind=PersonaKind.STAFF, tagline="Publieksservice"
        )
        cls.own = make_persona(
            "Fatma uit Helmond", age=35, library=cls.library, offer_kinds=["taalcafe"]
        )
        cls.elsewhere = make_persona("Henk uit Hilversum", library=cls.other_library)

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def status(self, name: str, *args) -> int:
        return self.client.get(reverse(name, args=args)).status_code

    def form_data(self, **overrides) -> dict:
        data = {
            "library": self.library.pk,
            "name": "Fenna",
            "age": "44",
            "kind": PersonaKind.CUSTOMER,
            "tagline": "NT1, Asten",
            "story": "Fenna werkt in de kas.",
            "signals": "- Vraagt om hulp bij een brief.",
            "what_works": "- Een rustig plekje.",
            "offer_kinds": ["intake", "taalcafe"],
            "image_alt": "Een tekening van een groene cirkel.",
            "is_published": "on",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


class SeeingTests(PersonaTestCase):
    def test_desk_staff_read_national_and_their_librarys_own(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("personas:list"))
        self.assertEqual(response.status_code, 200)
        shown = list(response.context["page"].object_list)
        self.assertEqual(shown, [self.own, self.gerrit, self.marieke])  # customers first
        self.assertNotContains(response, "Henk uit Hilversum")
        self.assertNotContains(response, reverse("personas:new"))
        self.assertEqual(self.status("personas:detail", self.own.pk), 200)
        self.assertEqual(self.status("personas:detail", self.gerrit.pk), 200)
        self.assertEqual(self.status("personas:new"), 404)
        self.assertEqual(self.status("personas:edit", self.own.pk), 404)
        self.assertEqual(self.status("personas:delete", self.own.pk), 404)
        response = self.client.post(reverse("personas:delete", args=[self.own.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Persona.objects.filter(pk=self.own.pk).exists())

    def test_an_outsider_cannot_see_another_librarys_own(self) -> None:
        self.login(self.outsider)
        for name in ("personas:detail", "personas:card", "personas:edit", "personas:delete"):
            self.assertEqual(self.status(name, self.own.pk), 404, name)
        self.assertEqual(self.status("personas:detail", 999999), 404)
        self.assertEqual(self.status("personas:detail", self.gerrit.pk), 200)
        self.assertEqual(self.status("personas:detail", self.elsewhere.pk), 200)
        response = self.client.get(reverse("personas:cards"))
        self.assertNotContains(response, "Fatma uit Helmond")

    def test_the_poi_adviser_and_national_roles_see_a_librarys_own(self) -> None:
        for person in (self.adviser, self.editor):
            self.login(person)
            self.assertEqual(self.status("personas:detail", self.own.pk), 200)
        self.login(self.adviser)
        self.assertEqual(self.status("personas:detail", self.elsewhere.pk), 404)
        self.assertEqual(self.status("personas:edit", self.own.pk), 404)

    def test_unpublished_ones_only_for_their_keepers(self) -> None:
        Persona.objects.filter(pk=self.own.pk).update(is_published=False)
        self.login(self.alice)
        self.assertEqual(self.status("personas:detail", self.own.pk), 404)
        self.login(self.manager)
        self.assertEqual(self.status("personas:detail", self.own.pk), 200)

    def test_filter_by_kind(self) -> None:
        self.login(self.alice)
        staff = self.client.get(reverse("personas:staff"))
        self.assertEqual(list(staff.context["page"].object_list), [self.marieke])
        customers = self.client.get(reverse("personas:customers"))
        self.assertEqual(list(customers.context["page"].object_list), [self.own, self.gerrit])

    def test_list_queries_do_not_grow_with_personas(self) -> None:
        self.login(self.alice)
        self.client.get(reverse("personas:list"))
        with self.assertNumQueries(6) as few:
            self.client.get(reverse("personas:list"))
        for n in range(10):
            make_persona(f"Klant {n}", library=self.library if n % 2 else None)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(reverse("personas:list"))
        self.assertEqual(len(response.context["page"].object_list), 13)

    def test_no_labels_on_the_pages(self) -> None:
        self.login(self.alice)
        for url in (
            reverse("personas:list"),
            reverse("personas:detail", args=[self.gerrit.pk]),
            reverse("personas:cards"),
        ):
            self.assertNotIn("laaggeletterd", self.client.get(url).content.decode().lower())


class PrintTests(PersonaTestCase):
    def test_one_card_prints(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("personas:card", args=[self.gerrit.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'class="persona-card"', count=1)
        self.assertContains(response, "personas/cards.css")
        self.assertContains(response, "Gerrit van Dijk, 61")

    def test_print_all_of_one_kind(self) -> None:
        self.login(self.alice)
        with self.assertNumQueries(5):
            response = self.client.get(reverse("personas:cards"))
        self.assertContains(response, 'class="persona-card"', count=3)
        staff = self.client.get(reverse("personas:cards") + "?soort=staff")
        self.assertContains(staff, 'class="persona-card"', count=1)
        self.assertContains(staff, "Marieke")
        odd = self.client.get(reverse("personas:cards") + "?soort=<b>")
        self.assertContains(odd, 'class="persona-card"', count=3)


class KeepingTests(PersonaTestCase):
    def test_a_library_manager_adds_changes_and_removes_their_own(self) -> None:
        self.login(self.manager)
        self.assertEqual(self.status("personas:new"), 200)
        response = self.client.post(reverse("personas:new"), self.form_data(image=png()))
        fenna = Persona.objects.get(name="Fenna")
        self.assertRedirects(response, reverse("personas:detail", args=[fenna.pk]))
        self.assertEqual(fenna.library, self.library)
        self.assertEqual(fenna.offer_kinds, ["intake", "taalcafe"])
        self.assertTrue(fenna.image.name.startswith("personas/"))
        detail = self.client.get(reverse("personas:detail", args=[fenna.pk]))
        self.assertContains(detail, 'alt="Een tekening van een groene cirkel."')
        self.assertContains(detail, reverse("personas:edit", args=[fenna.pk]))

        response = self.client.post(
            reverse("personas:edit", args=[fenna.pk]),
            self.form_data(name="Fenna Jansen", image_alt="Een groene cirkel."),
        )
        self.assertRedirects(response, reverse("personas:detail", args=[fenna.pk]))
        fenna.refresh_from_db()
        self.assertEqual(fenna.name, "Fenna Jansen")
        self.assertTrue(fenna.image)  # kept when no new picture is sent

        confirm = self.client.get(reverse("personas:delete", args=[fenna.pk]))
        self.assertEqual(confirm.status_code, 200)
        self.assertContains(confirm, "Fenna Jansen")
        self.assertTrue(Persona.objects.filter(pk=fenna.pk).exists())
        response = self.client.post(reverse("personas:delete", args=[fenna.pk]))
        self.assertRedirects(response, reverse("personas:list"))
        self.assertFalse(Persona.objects.filter(pk=fenna.pk).exists())

    def test_a_specialist_keeps_them_too_but_not_national_or_other_ones(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.status("personas:edit", self.own.pk), 200)
        self.assertEqual(self.status("personas:edit", self.gerrit.pk), 404)
        self.assertEqual(self.status("personas:edit", self.elsewhere.pk), 404)
        response = self.client.post(
            reverse("personas:new"), self.form_data(library=self.other_library.pk)
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Persona.objects.filter(name="Fenna").exists())

    def test_the_editor_keeps_the_national_ones_in_the_admin(self) -> None:
        self.login(self.editor)
        changelist = self.client.get(reverse("admin:personas_persona_changelist"))
        self.assertContains(changelist, "Gerrit van Dijk")
        self.assertNotContains(changelist, "Fatma uit Helmond")
        response = self.client.post(
            reverse("admin:personas_persona_add"),
            {
                "name": "Ria Verhoeven",
                "age": "73",
                "kind": PersonaKind.CUSTOMER,
                "tagline": "NT1, Someren",
                "is_published": "on",
                "position": "4",
                "story": "Ria leest korte teksten goed.",
                "signals": "",
                "what_works": "",
                "offer_kinds": ["klik_tik", "digisterker"],
                "image": png("ria.png"),
                "image_alt": "Een paarse cirkel met een telefoon.",
            },
        )
        self.assertEqual(response.status_code, 302)
        ria = Persona.objects.get(name="Ria Verhoeven")
        self.assertIsNone(ria.library)
        change = self.client.get(reverse("admin:personas_persona_change", args=[ria.pk]))
        self.assertContains(change, 'alt="Een paarse cirkel met een telefoon."')
        # the form is for a library's own: national ones are kept in the admin
        self.assertEqual(self.status("personas:new"), 404)

    def test_others_do_not_reach_the_admin(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("admin:personas_persona_changelist"))
        self.assertNotEqual(response.status_code, 200)


class PictureTests(PersonaTestCase):
    def setUp(self) -> None:
        self.login(self.manager)

    def post(self, **overrides):
        return self.client.post(reverse("personas:new"), self.form_data(**overrides))

    def test_a_picture_needs_its_text_alternative(self) -> None:
        response = self.post(image=png(), image_alt="")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'id="id_image_alt_error"', status_code=400)
        self.assertContains(response, "Fenna werkt in de kas.", status_code=400)  # kept
        self.assertFalse(Persona.objects.filter(name="Fenna").exists())

    def test_without_a_picture_no_text_alternative_is_needed(self) -> None:
        self.assertEqual(self.post(image_alt="").status_code, 302)

    def test_a_file_that_is_not_a_picture_is_rejected(self) -> None:
        for upload in (
            png("brief.png", b"<html><script>alert(1)</script></html>"),
            png("tekening.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
            png("brief.pdf", b"%PDF-1.4"),
            png("groot.png", PNG + b"\0" * (2 * 1024 * 1024)),
        ):
            response = self.post(image=upload)
            self.assertEqual(response.status_code, 400, upload.name)
            self.assertContains(response, 'id="id_image_error"', status_code=400)
        self.assertFalse(Persona.objects.filter(name="Fenna").exists())

    def test_an_unknown_offer_kind_is_rejected(self) -> None:
        response = self.post(offer_kinds=["bingo"])
        self.assertEqual(response.status_code, 400)


class LinkTests(PersonaTestCase):
    def test_the_step_player_shows_the_persona_within_its_query_budget(self) -> None:
        self.login(self.alice)
        url = reverse("learning:step", args=[self.check_step.pk])
        self.client.get(url)
        self.check_step.persona = self.gerrit
        self.check_step.save()
        with self.assertNumQueries(10):
            response = self.client.get(url)
        self.assertContains(response, f'data-persona="{self.gerrit.pk}"')
        self.assertContains(response, "leesbril")

    def test_an_unpublished_or_local_persona_is_not_shown_beside_a_step(self) -> None:
        self.login(self.alice)
        url = reverse("learning:step", args=[self.text_step.pk])
        for persona in (self.own, self.gerrit):
            self.text_step.persona = persona
            self.text_step.save()
            if persona == self.gerrit:
                Persona.objects.filter(pk=persona.pk).update(is_published=False)
            self.assertNotContains(self.client.get(url), f'data-persona="{persona.pk}"')

    def test_a_carousel_station_shows_its_personas(self) -> None:
        event = carousel_actions.create_event(
            self.library,
            title="Kenniscarrousel",
            date=date(2027, 3, 1),
            place="Helmond",
            capacity=None,
            stations=[carousel_actions.StationPlan(topic="Persona's", host=self.taalhuis)],
            rounds=[(time(19, 0), time(19, 25))],
        )
        station = event.stations.get()
        station.personas.add(self.gerrit, self.own, self.elsewhere)
        self.login(self.alice)
        response = self.client.get(reverse("carousel:event", args=[event.pk]))
        self.assertContains(response, reverse("personas:detail", args=[self.gerrit.pk]))
        self.assertContains(response, reverse("personas:detail", args=[self.own.pk]))
        self.assertNotContains(response, reverse("personas:detail", args=[self.elsewhere.pk]))

    def test_personas_fitting_an_offer_kind(self) -> None:
        self.assertEqual(list(Persona.objects.fitting("intake")), [self.gerrit])
        self.assertEqual(list(Persona.objects.fitting("taalcafe")), [self.own])
        self.assertEqual(list(Persona.objects.fitting("bingo")), [])
        Persona.objects.filter(pk=self.gerrit.pk).update(is_published=False)
        self.assertEqual(list(Persona.objects.fitting("intake")), [])
        # combined with what a person may see
        self.assertEqual(list(Persona.objects.visible_to(self.outsider).fitting("taalcafe")), [])

    def test_personas_per_offer_kind_in_one_query(self) -> None:
        visible = Persona.objects.visible_to(self.editor)
        with self.assertNumQueries(1):
            grouped = visible.by_offer_kind()
        self.assertEqual(grouped["ido"], [self.gerrit])
        self.assertEqual(grouped["taalcafe"], [self.own])
        self.assertNotIn("boekstart", grouped)

    def test_the_offer_kinds_are_the_desks(self) -> None:
        offer = apps.get_model("desk", "Offer")
        desk_kinds = [value for value, _label in offer._meta.get_field("kind").choices]
        self.assertEqual(list(OFFER_KINDS), desk_kinds)


class DemoTests(PersonaTestCase):
    def test_the_demo_loads_nine_personas_with_pictures_twice_without_harm(self) -> None:
        Persona.objects.all().delete()
        load_personas_demo()
        load_personas_demo()
        personas = Persona.objects.all()
        self.assertEqual(personas.count(), 9)
        self.assertEqual(personas.filter(kind=PersonaKind.CUSTOMER).count(), 4)
        for persona in personas:
            self.assertIsNone(persona.library)
            self.assertTrue(persona.image.name.endswith(".png"), persona)
            self.assertGreater(len(persona.image_alt), 20)
            with persona.image.open("rb") as stored:
                self.assertTrue(stored.read(8).startswith(b"\x89PNG"))

    def test_the_demo_texts_describe_without_labels(self) -> None:
        for data in PERSONAS:
            for value in data.values():
                self.assertNotIn("laaggeletterd", str(value).lower())

    def test_a_missing_picture_is_drawn_again(self) -> None:
        load_personas_demo()
        gerrit = Persona.objects.get(name="Gerrit van Dijk", library=None)
        gerrit.image.storage.delete(gerrit.image.name)
        load_personas_demo()
        gerrit.refresh_from_db()
        self.assertTrue(gerrit.image.storage.exists(gerrit.image.name))
