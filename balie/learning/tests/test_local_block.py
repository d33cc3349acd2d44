"""Couleur locale: a library's own block in a national module ("how we do it here")."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from balie.demo.local_blocks import BLOCKS, PROGRAMME_SLUG, load_local_blocks_demo
from balie.learning import actions
from balie.learning.models import LocalBlock, Module, Step
from balie.learning.tests.test_step_detail import XSS, elements
from balie.orgs.actions import grant_role
from balie.orgs.models import Role, Specialism
from balie.testing import BaseTestCase, make_module, make_person, make_programme

HOW = "Bij de balie vraag je of de klant een afspraak wil met het Taalhuis."
ACTIVITIES = "- **Taalcafé**: elke woensdag 14:00, vestiging Helmond"
PARTNERS = "- LEVgroep: taalvrijwilligers"


class LocalBlockTests(BaseTestCase):
    def block_url(self, module=None, **query) -> str:
        url = reverse("learning:local_block", args=[(module or self.module).pk])
        return url + (f"?bibliotheek={query['bibliotheek']}" if query else "")

    def edit_url(self, module=None, **query) -> str:
        url = reverse("learning:local_block_edit", args=[(module or self.module).pk])
        return url + (f"?bibliotheek={query['bibliotheek']}" if query else "")

    def post_block(self, colleagues=(), **fields):
        data = {"how_we_do_it": HOW, "activities": ACTIVITIES, "partners": PARTNERS}
        data.update(fields)
        data["colleagues"] = [person.pk for person in colleagues]
        return self.client.post(self.edit_url(), data)

    def write(self, colleagues=(), library=None, by=None, **texts) -> LocalBlock:
        fields = {"how_we_do_it": HOW, "activities": ACTIVITIES, "partners": PARTNERS}
        fields.update(texts)
        return actions.save_local_block(
            self.module,
            library=library or self.library,
            colleagues=list(colleagues),
            by=by or self.taalhuis,
            **fields,
        )

    def test_anouk_writes_a_block_and_alice_sees_it_in_the_module(self) -> None:
        self.login(self.taalhuis)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 200)
        response = self.post_block(colleagues=[self.taalhuis, self.manager])
        self.assertRedirects(
            response, self.block_url(bibliotheek="helmond-peel"), fetch_redirect_response=False
        )
        block = LocalBlock.objects.get()
        self.assertEqual((block.library, block.module), (self.library, self.module))
        self.assertEqual(block.updated_by, self.taalhuis)
        self.assertEqual(set(block.colleagues.all()), {self.taalhuis, self.manager})
        followed = self.client.get(response.url)
        self.assertIn(messages.SUCCESS, [m.level for m in followed.context["messages"]])

        self.login(self.alice)
        page = self.client.get(self.block_url())
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["local_block"], block)
        self.assertFalse(page.context["may_edit"])
        self.assertContains(page, HOW)
        self.assertContains(page, "<strong>Taalcafé</strong>: elke woensdag 14:00", html=False)
        colleagues = page.context["colleagues"]
        self.assertEqual([c["user"] for c in colleagues], [self.taalhuis, self.manager])
        self.assertEqual(colleagues[0]["description"], str(Specialism.TAALHUIS_COORDINATOR.label))
        self.assertEqual(colleagues[1]["description"], str(Role.MANAGER.label))
        self.assertNotContains(page, self.edit_url())

        step_page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
        self.assertTrue(step_page.context["has_local_block"])
        self.assertContains(step_page, f'href="{self.block_url()}"')

    def test_without_a_block_the_step_page_has_no_link_and_the_page_says_so(self) -> None:
        self.login(self.alice)
        step_page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
        self.assertFalse(step_page.context["has_local_block"])
        self.assertNotContains(step_page, self.block_url())
        page = self.client.get(self.block_url())
        self.assertEqual(page.status_code, 200)
        self.assertIsNone(page.context["local_block"])
        self.assertEqual(page.context["library"], self.library)
        self.assertNotContains(page, self.edit_url())

    def test_managers_and_specialists_get_a_button_to_write_one(self) -> None:
        for person in [self.manager, self.taalhuis]:
            with self.subTest(person=person.full_name):
                self.login(person)
                page = self.client.get(self.block_url())
                self.assertTrue(page.context["may_edit"])
                self.assertContains(page, self.edit_url(bibliotheek="helmond-peel"))

    def test_another_library_never_sees_the_block(self) -> None:
        self.write()
        self.login(self.outsider)
        page = self.client.get(self.block_url())
        self.assertEqual(page.status_code, 200)
        self.assertIsNone(page.context["local_block"])
        self.assertEqual(page.context["library"], self.other_library)
        self.assertEqual(page.context["other_libraries"], [])
        self.assertNotContains(page, HOW)
        self.assertNotContains(page, "Taalcafé")
        self.assertNotContains(page, self.library.name)
        self.assertEqual(
            self.client.get(self.block_url(bibliotheek="helmond-peel")).status_code, 404
        )
        step_page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
        self.assertFalse(step_page.context["has_local_block"])
        self.assertFalse(LocalBlock.objects.visible_to(self.outsider).exists())

    def test_another_library_cannot_edit_the_block(self) -> None:
        block = self.write()
        other_manager = make_person("wim@hilversum.test", "Wim", self.other_library, Role.MANAGER)
        for person in [self.outsider, other_manager]:
            with self.subTest(person=person.full_name):
                self.login(person)
                url = self.edit_url(bibliotheek="helmond-peel")
                self.assertEqual(self.client.get(url).status_code, 404)
                response = self.client.post(url, {"how_we_do_it": "Overschreven"})
                self.assertEqual(response.status_code, 404)
        block.refresh_from_db()
        self.assertEqual(block.how_we_do_it, HOW)
        self.assertFalse(LocalBlock.objects.editable_by(other_manager).exists())

    def test_learners_cannot_edit(self) -> None:
        for person in [self.alice, self.bob, self.outsider]:
            with self.subTest(person=person.full_name):
                self.login(person)
                self.assertEqual(self.client.get(self.edit_url()).status_code, 404)
                self.assertEqual(self.post_block().status_code, 404)
        self.assertFalse(LocalBlock.objects.exists())
        with self.assertRaises(PermissionDenied):
            self.write(by=self.alice)
        self.assertFalse(LocalBlock.objects.editable_by(self.alice).exists())

    def test_the_adviser_and_the_editor_may_look_but_not_edit(self) -> None:
        block = self.write()
        for person in [self.adviser, self.editor]:
            with self.subTest(person=person.full_name):
                self.login(person)
                page = self.client.get(self.block_url())
                self.assertEqual(page.context["local_block"], block)
                self.assertFalse(page.context["may_edit"])
                self.assertEqual(self.client.get(self.edit_url()).status_code, 404)

    def test_a_colleague_from_another_library_is_refused(self) -> None:
        self.login(self.taalhuis)
        response = self.post_block(colleagues=[self.taalhuis, self.outsider])
        self.assertEqual(response.status_code, 400)
        self.assertIn("colleagues", response.context["form"].errors)
        self.assertFalse(LocalBlock.objects.exists())
        # What was typed is kept.
        self.assertEqual(response.context["form"]["how_we_do_it"].value(), HOW)
        self.assertContains(response, "Taalhuis.</textarea>", status_code=400)
        with self.assertRaises(ValueError):
            self.write(colleagues=[self.outsider])
        self.assertFalse(LocalBlock.objects.exists())

    def test_an_empty_block_is_refused(self) -> None:
        self.login(self.taalhuis)
        response = self.post_block(how_we_do_it=" ", activities="", partners="")
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertFalse(LocalBlock.objects.exists())

    def test_saving_again_changes_the_one_block(self) -> None:
        self.write(colleagues=[self.taalhuis])
        self.login(self.manager)
        form = self.client.get(self.edit_url()).context["form"]
        self.assertEqual(form.initial["how_we_do_it"], HOW)
        self.assertEqual(form.initial["colleagues"], [self.taalhuis.pk])
        self.post_block(colleagues=[self.alice], how_we_do_it="Nieuw")
        block = LocalBlock.objects.get()
        self.assertEqual(block.how_we_do_it, "Nieuw")
        self.assertEqual(block.updated_by, self.manager)
        self.assertEqual(list(block.colleagues.all()), [self.alice])

    def test_someone_in_several_libraries_picks_one(self) -> None:
        grant_role(
            self.taalhuis,
            organisation=self.other_library,
            role=Role.SPECIALIST,
            specialism=Specialism.TAALHUIS_COORDINATOR,
        )
        self.login(self.taalhuis)
        self.assertEqual(self.client.get(self.edit_url()).context["library"], self.library)
        url = self.edit_url(bibliotheek="hilversum")
        self.assertEqual(self.client.get(url).context["library"], self.other_library)
        response = self.client.post(url, {"how_we_do_it": "In Hilversum", "colleagues": []})
        self.assertRedirects(response, self.block_url(bibliotheek="hilversum"))
        self.assertEqual(LocalBlock.objects.get().library, self.other_library)
        self.assertEqual(self.client.get(self.edit_url(bibliotheek="nergens")).status_code, 404)

    def test_user_written_markdown_is_sanitised(self) -> None:
        xss = "\n\n".join(XSS)
        self.write(how_we_do_it=xss, activities=xss, partners=xss)
        self.login(self.alice)
        body = self.client.get(self.block_url()).content.decode()
        start = body.index("data-local-block=")
        content = body[start : body.index("</main>")]
        self.assertIn("klik", content)
        for tag, attrs in elements(content):
            self.assertNotEqual(tag, "script")
            for name, value in attrs:
                self.assertFalse(name.startswith(("on", "hx-")), name)
                self.assertNotIn("javascript:", value or "")

    def test_the_national_module_is_untouched(self) -> None:
        def snapshot():
            module = Module.objects.values().get(pk=self.module.pk)
            steps = list(Step.objects.filter(module=self.module).values())
            return module, steps

        before = snapshot()
        self.write(colleagues=[self.taalhuis])
        self.assertEqual(snapshot(), before)
        self.login(self.outsider)
        page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
        self.assertContains(page, "<strong>baby", html=False)

    def test_queries_do_not_grow_with_colleagues(self) -> None:
        self.write(colleagues=[self.taalhuis])
        self.login(self.alice)
        self.client.get(self.block_url())
        with self.assertNumQueries(7) as few:
            self.client.get(self.block_url())
        more = [
            make_person(f"collega{n}@hp.test", f"Collega {n}", self.library, Role.LEARNER)
            for n in range(6)
        ]
        self.write(colleagues=[self.taalhuis, self.manager, self.bob, *more])
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(self.block_url())
        self.assertEqual(len(response.context["colleagues"]), 9)

    def test_a_module_the_user_may_not_see_is_404(self) -> None:
        self.login(self.taalhuis)
        for url in [self.block_url(module=Module(pk=999999)), self.edit_url(Module(pk=999999))]:
            self.assertEqual(self.client.get(url).status_code, 404)
        hidden = Module.objects.create(
            programme=self.programme, title="Verborgen", theme="other", is_published=False
        )
        self.assertEqual(self.client.get(self.block_url(module=hidden)).status_code, 404)
        self.assertEqual(self.client.get(self.edit_url(hidden)).status_code, 404)

    def test_the_admin_shows_blocks_read_only_to_editors(self) -> None:
        block = self.write()
        self.login(self.editor)
        self.assertEqual(self.client.get("/beheer/learning/localblock/").status_code, 200)
        change = f"/beheer/learning/localblock/{block.pk}/change/"
        self.assertContains(self.client.get(change), "Taalcafé")
        self.assertEqual(self.client.post(change, {"how_we_do_it": "x"}).status_code, 403)
        self.assertEqual(self.client.get("/beheer/learning/localblock/add/").status_code, 403)
        block.refresh_from_db()
        self.assertEqual(block.how_we_do_it, HOW)
        for person in [self.manager, self.taalhuis, self.alice]:
            self.login(person)
            self.assertEqual(self.client.get("/beheer/learning/localblock/").status_code, 302)


class LocalDemoTests(BaseTestCase):
    def test_the_demo_blocks_load_twice_without_doubling(self) -> None:
        programme = make_programme("Demo")
        programme.slug = PROGRAMME_SLUG
        programme.save()
        for code in ["M1", "M2", "M3", "M4", "M5", "M6"]:
            make_module(programme, f"Module {code}", code=code)
        # Only Helmond-Peel is in the test cast, and none of the demo people.
        self.assertEqual(load_local_blocks_demo(), 6)
        self.assertEqual(load_local_blocks_demo(), 6)
        blocks = LocalBlock.objects.filter(library=self.library)
        self.assertEqual(blocks.count(), 6)
        self.assertFalse(LocalBlock.objects.filter(colleagues__isnull=False).exists())
        for item in BLOCKS:
            text = f"{item.how_we_do_it} {item.activities} {item.partners}".lower()
            self.assertNotIn("laaggeletterd", text)
