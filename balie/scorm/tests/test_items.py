"""A package of several items: the player lists them, and a package of assets only (no SCO)
is done when the learner goes on with Next."""

from __future__ import annotations

from django.urls import reverse

from balie.learning.models import StepProgress
from balie.scorm.tests.base import ScormTestCase

PLAIN_PAGES = "ContentPackagingOneFilePerSCO_SCORM12.zip"


class ItemTests(ScormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.pages = self.import_into(self.golf_module, PLAIN_PAGES)
        self.pages_url = reverse("learning:step", args=[self.pages.step_id])
        self.login(self.alice)

    def test_the_import_keeps_every_item(self) -> None:
        self.assertEqual(len(self.pages.items), 18)
        self.assertEqual(self.pages.launch, "Playing/Playing.html")
        self.assertFalse(self.pages.has_sco)
        self.assertTrue(self.golf.has_sco)

    def test_the_player_lists_one_entry_per_item(self) -> None:
        response = self.client.get(self.pages_url)
        self.assertContains(response, "data-scorm-item", count=18)
        self.assertContains(response, 'aria-current="page">How to Play', count=1)
        # The links open the item in the player's frame (runtime.js); no package file is on
        # Balie's own origin.
        self.assertContains(
            response,
            f'href="#scorm-{self.pages.pk}" data-scorm-item data-sco="playing_playing_item" '
            'aria-current="page"',
        )
        self.assertContains(response, "How to Play")
        # It promises no report from the package, and Balie keeps the time on task.
        self.assertNotContains(response, "The package says you have finished it")
        self.assertContains(response, "data-time-url")

    def test_a_package_of_one_item_has_no_list(self) -> None:
        response = self.client.get(reverse("learning:step", args=[self.golf_step.pk]))
        self.assertNotContains(response, "data-scorm-item")

    def test_next_marks_a_package_of_assets_only_as_seen(self) -> None:
        response = self.client.post(reverse("learning:step_next", args=[self.pages.step_id]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            StepProgress.objects.filter(
                user=self.alice, step=self.pages.step, seen_at__isnull=False
            ).exists()
        )

    def test_next_still_waits_for_a_package_with_a_sco(self) -> None:
        self.client.post(reverse("learning:step_next", args=[self.golf_step.pk]))
        self.assertFalse(
            StepProgress.objects.filter(step=self.golf_step, seen_at__isnull=False).exists()
        )

    def test_a_package_imported_before_items_were_kept_plays_its_launch(self) -> None:
        self.golf.items = []
        self.golf.save()
        self.assertTrue(self.golf.has_sco)
        self.assertEqual(
            [a["launch"] for a in self.golf.activity_tree if a["launch"]],
            ["shared/launchpage.html"],
        )
