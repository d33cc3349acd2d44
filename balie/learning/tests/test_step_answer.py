from django.urls import reverse

from balie.learning.models import StepProgress
from balie.testing import BaseTestCase


class StepAnswerTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)
        self.url = reverse("learning:step_answer", args=[self.check_step.pk])
        self.wrong = self.check_step.choices.get(position=1)
        self.right = self.check_step.choices.get(is_correct=True)

    def test_a_wrong_answer_shows_its_feedback_and_may_be_retried(self) -> None:
        response = self.client.post(self.url, {"choice": self.wrong.pk}, follow=True)
        self.assertContains(response, "Nee, kijk nog eens.")
        self.assertContains(response, "Niet helemaal")
        response = self.client.post(self.url, {"choice": self.right.pk}, follow=True)
        self.assertContains(response, "Goed zo.")
        answer = StepProgress.objects.get(user=self.alice, step=self.check_step)
        self.assertEqual(answer.attempts, 2)
        self.assertTrue(answer.ever_correct)
        self.assertEqual(answer.choice, self.right)

    def test_htmx_gets_only_the_check(self) -> None:
        response = self.client.post(self.url, {"choice": self.right.pk}, HTTP_HX_REQUEST="true")
        self.assertContains(response, "Goed zo.")
        self.assertNotContains(response, "<html")

    def test_no_answer_gets_a_clear_message(self) -> None:
        response = self.client.post(self.url, {})
        self.assertContains(response, "Kies een antwoord.", status_code=400)
        self.assertFalse(StepProgress.objects.filter(user=self.alice).exists())

    def test_an_answer_of_another_question_is_refused(self) -> None:
        other = self.check_step.choices.create(text="x", feedback="y")
        other.step = self.text_step
        other.save()
        response = self.client.post(self.url, {"choice": other.pk})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(StepProgress.objects.filter(user=self.alice).exists())

    def test_a_step_that_is_no_check_takes_no_answers(self) -> None:
        url = reverse("learning:step_answer", args=[self.text_step.pk])
        self.assertEqual(self.client.post(url, {"choice": self.right.pk}).status_code, 404)
