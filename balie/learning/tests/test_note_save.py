from django.urls import reverse

from balie.learning.models import Note
from balie.testing import BaseTestCase


class NoteSaveTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.url = reverse("learning:note_save", args=[self.text_step.pk])

    def save(self, body: str, revision: int):
        return self.client.post(self.url, {"body": body, "revision": revision})

    def test_it_saves_and_updates_a_note(self) -> None:
        self.assertEqual(self.save("Eerste versie", 100).status_code, 200)
        response = self.save("Tweede versie", 200)
        self.assertEqual(response.json()["revision"], 200)
        note = Note.objects.get(user=self.alice, step=self.text_step)
        self.assertEqual(note.body, "Tweede versie")

    def test_a_repeated_save_is_accepted_once(self) -> None:
        self.save("Zelfde", 100)
        response = self.save("Zelfde", 100)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["applied"])
        self.assertEqual(Note.objects.count(), 1)

    def test_a_late_save_changes_nothing(self) -> None:
        self.save("Nieuw", 200)
        response = self.save("Oud", 100)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["revision"], 200)
        self.assertEqual(Note.objects.get().body, "Nieuw")

    def test_bad_input_is_refused_and_changes_nothing(self) -> None:
        self.save("Bewaard", 100)
        for data in [
            {"body": "x" * 20_001, "revision": 300},
            {"body": "x", "revision": -1},
            {"body": "x", "revision": "abc"},
            {"body": "x"},
        ]:
            with self.subTest(data=str(data)[:40]):
                self.assertEqual(self.client.post(self.url, data).status_code, 400)
        self.assertEqual(Note.objects.get().body, "Bewaard")

    def test_an_empty_note_is_kept_empty(self) -> None:
        self.save("Iets", 100)
        self.save("", 200)
        self.assertEqual(Note.objects.get().body, "")

    def test_a_step_the_learner_may_not_see_is_404(self) -> None:
        self.programme.is_published = False
        self.programme.save()
        self.assertEqual(self.save("x", 1).status_code, 404)
        self.assertFalse(Note.objects.exists())

    def test_the_saved_note_is_on_the_step_page_after_a_reload(self) -> None:
        self.save("Vraag aan Anouk: taalcafé op woensdag?", 100)
        page = self.client.get(reverse("learning:step", args=[self.text_step.pk]))
        self.assertContains(page, "Vraag aan Anouk: taalcafé op woensdag?")
        self.assertContains(page, 'data-revision="100"')
