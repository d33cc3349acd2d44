from django.urls import reverse
from django.utils import timezone

from balie.learning.models import Note
from balie.learning.views import NOTES_PER_PAGE
from balie.testing import BaseTestCase, make_module, make_step


class NotesTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def note(self, step, body, user=None) -> Note:
        return Note.objects.create(
            user=user or self.alice, step=step, body=body, revision=1, updated_at=timezone.now()
        )

    def test_it_lists_my_notes_by_module_linked_to_their_step(self) -> None:
        self.note(self.text_step, "Koffertje met **twee** boekjes")
        self.note(self.reflection_step, "Ilse weet alles van BoekStart")
        response = self.client.get(reverse("learning:notes"))
        self.assertContains(response, "M1 BoekStart")
        self.assertContains(response, "<strong>twee</strong>", html=False)
        self.assertContains(response, reverse("learning:step", args=[self.text_step.pk]))
        self.assertContains(response, "Ilse weet alles van BoekStart")

    def test_it_searches(self) -> None:
        self.note(self.text_step, "Koffertje")
        self.note(self.video_step, "Consultatiebureau")
        response = self.client.get(reverse("learning:notes"), {"q": "koffer"})
        self.assertContains(response, "Koffertje")
        self.assertNotContains(response, "Consultatiebureau")

    def test_notes_are_private(self) -> None:
        self.note(self.text_step, "Alleen van Alice")
        for person in [self.bob, self.manager, self.adviser, self.editor, self.outsider]:
            with self.subTest(person=person.full_name):
                self.login(person)
                for name in ["learning:notes", "learning:notes_print", "learning:notes_export"]:
                    self.assertNotContains(self.client.get(reverse(name)), "Alleen van Alice")
                step_page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
                self.assertNotContains(step_page, "Alleen van Alice")

    def test_the_admin_shows_no_notes(self) -> None:
        self.note(self.text_step, "Alleen van Alice")
        self.client.force_login(self.editor)
        self.assertEqual(self.client.get("/beheer/learning/note/").status_code, 404)

    def test_it_exports_markdown_and_prints(self) -> None:
        self.note(self.text_step, "Koffertje <met> boekjes")
        export = self.client.get(reverse("learning:notes_export"))
        self.assertEqual(export["Content-Type"], "text/markdown; charset=utf-8")
        self.assertIn("attachment;", export["Content-Disposition"])
        text = export.content.decode()
        self.assertIn("## M1 BoekStart", text)
        self.assertIn("### Wat is BoekStart?", text)
        self.assertIn("Koffertje <met> boekjes", text)
        printed = self.client.get(reverse("learning:notes_print"))
        self.assertContains(printed, "Koffertje &lt;met&gt; boekjes")

    def test_an_empty_list_says_what_to_do(self) -> None:
        response = self.client.get(reverse("learning:notes"))
        self.assertContains(response, "Je hebt nog geen aantekeningen")

    def test_it_pages_and_queries_do_not_grow_with_notes(self) -> None:
        module = make_module(self.programme, "Veel stappen")
        steps = [make_step(module) for _ in range(NOTES_PER_PAGE + 5)]
        for step in steps[:10]:
            self.note(step, f"notitie {step.pk}")
        self.client.get(reverse("learning:notes"))  # warm up the session and language
        with self.assertNumQueries(5) as few:
            self.client.get(reverse("learning:notes"))
        for step in steps[10:]:
            self.note(step, f"notitie {step.pk}")
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(reverse("learning:notes"))
        self.assertContains(response, "Pagina 1 van 2")
        second = self.client.get(reverse("learning:notes"), {"pagina": 2})
        self.assertEqual(len(second.context["page"].object_list), 5)
