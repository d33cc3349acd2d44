from django.urls import reverse

from balie.learning.models import ModuleProgress, StepProgress
from balie.testing import BaseTestCase


class StepNextTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def next(self, step):
        return self.client.post(reverse("learning:step_next", args=[step.pk]))

    def answer(self, step, choice):
        return self.client.post(
            reverse("learning:step_answer", args=[step.pk]), {"choice": choice.pk}
        )

    def test_it_marks_the_step_seen_and_goes_to_the_next(self) -> None:
        response = self.next(self.text_step)
        self.assertRedirects(response, reverse("learning:step", args=[self.video_step.pk]))
        seen = StepProgress.objects.get(user=self.alice, step=self.text_step)
        self.assertIsNotNone(seen.seen_at)
        progress = ModuleProgress.objects.get(user=self.alice, module=self.module)
        self.assertEqual(progress.current_step, self.video_step)
        self.assertIsNone(progress.completed_at)

    def test_the_module_resumes_where_the_learner_left_off(self) -> None:
        self.next(self.text_step)
        self.next(self.video_step)
        response = self.client.get(reverse("learning:module", args=[self.module.pk]))
        self.assertRedirects(response, reverse("learning:step", args=[self.reflection_step.pk]))

    def test_a_new_module_starts_at_its_first_step(self) -> None:
        response = self.client.get(reverse("learning:module", args=[self.module.pk]))
        self.assertRedirects(response, reverse("learning:step", args=[self.text_step.pk]))

    def test_the_last_step_finishes_the_module_in_the_same_request(self) -> None:
        for step in self.steps[:-1]:
            self.next(step)
        wrong = self.check_step.choices.get(is_correct=False, position=1)
        self.answer(self.check_step, wrong)
        response = self.next(self.link_step)
        self.assertRedirects(response, reverse("learning:module_done", args=[self.module.pk]))
        progress = ModuleProgress.objects.get(user=self.alice, module=self.module)
        self.assertIsNotNone(progress.completed_at)
        done = self.client.get(response.url)
        self.assertContains(done, "BoekStart")

    def test_finishing_with_steps_left_says_which(self) -> None:
        self.next(self.text_step)
        response = self.next(self.link_step)
        self.assertRedirects(
            response,
            reverse("learning:step", args=[self.link_step.pk]),
            fetch_redirect_response=False,
        )
        page = self.client.get(response.url)
        self.assertContains(page, "2. Een leesconsulent vertelt")
        self.assertContains(page, "4. Test je kennis")
        self.assertNotContains(page, "1. Wat is BoekStart?")
        progress = ModuleProgress.objects.get(user=self.alice, module=self.module)
        self.assertIsNone(progress.completed_at)

    def test_an_unanswered_check_keeps_the_module_open(self) -> None:
        for step in self.steps:
            self.next(step)
        progress = ModuleProgress.objects.get(user=self.alice, module=self.module)
        self.assertIsNone(progress.completed_at)
        self.answer(self.check_step, self.check_step.choices.get(is_correct=True))
        progress.refresh_from_db()
        self.assertIsNotNone(progress.completed_at)

    def test_pressing_next_twice_changes_nothing_more(self) -> None:
        self.next(self.text_step)
        first = StepProgress.objects.get(user=self.alice, step=self.text_step).seen_at
        self.next(self.text_step)
        again = StepProgress.objects.get(user=self.alice, step=self.text_step).seen_at
        self.assertEqual(first, again)

    def test_an_outsider_cannot_reach_an_unpublished_module(self) -> None:
        self.module.is_published = False
        self.module.save()
        self.assertEqual(self.next(self.text_step).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("learning:step", args=[self.text_step.pk])).status_code, 404
        )
        self.login(self.editor)
        self.assertEqual(
            self.client.get(reverse("learning:step", args=[self.text_step.pk])).status_code, 200
        )

    def test_it_takes_only_post(self) -> None:
        response = self.client.get(reverse("learning:step_next", args=[self.text_step.pk]))
        self.assertEqual(response.status_code, 405)
