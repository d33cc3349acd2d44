"""The management site (Beheer): Dutch, Balie's look, the Markdown preview and the way to the
SCORM upload from an empty module. The pages as a browser sees them: tests_e2e/test_beheer.py."""

from __future__ import annotations

from html.parser import HTMLParser

import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from balie.learning.models import LocalBlock, Module
from balie.orgs.models import Role
from balie.testing import ONE_RATE_LIMIT_WINDOW, BaseTestCase, make_person
from balie.tests.test_permissions import is_refusal

HOSTILE = (
    "**Vet** en [een link](https://example.org)\n\n"
    "<script>alert(1)</script>\n\n"
    '<img src="x" onerror="alert(2)">\n\n'
    '<a href="javascript:alert(3)" onclick="alert(4)" hx-get="/x">klik</a>\n\n'
    "[nog een](javascript:alert(5))"
)


class Elements(HTMLParser):
    """The tags and attributes of an HTML fragment (text that only looks like HTML is text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


class MarkdownPreviewTests(BaseTestCase):
    url = reverse("admin:markdown_preview")

    def setUp(self) -> None:
        cache.clear()  # the rate limit counts live in the cache
        self.addCleanup(cache.clear)

    def test_an_editor_sees_the_text_rendered_and_sanitised(self) -> None:
        self.login(self.editor)
        response = self.client.post(self.url, {"text": HOSTILE})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<strong>Vet</strong>", html)
        self.assertIn('href="https://example.org"', html)
        elements = Elements(html)
        self.assertEqual(elements.tags - {"p", "strong", "a"}, set())
        for name, value in elements.attributes:
            self.assertIn(name, {"href", "rel"})
            self.assertFalse(value.startswith("javascript"), value)
        self.assertIn("&lt;script&gt;", html)  # written HTML is shown as text

    def test_only_editors_and_administrators_may_use_it(self) -> None:
        staff_manager = make_person("staff@hp.test", "Staf Manager", self.library, Role.MANAGER)
        staff_manager.is_staff = True  # may open the site, but is no editor
        staff_manager.save(update_fields=["is_staff"])
        for person in (None, self.alice, self.manager, self.adviser, staff_manager):
            with self.subTest(person=person):
                self.client.logout()
                if person is not None:
                    self.login(person)
                response = self.client.post(self.url, {"text": "**x**"})
                self.assertTrue(is_refusal(response), response.status_code)
                self.assertNotContains(response, "<strong>", status_code=response.status_code)

    def test_it_takes_a_post_with_a_csrf_token(self) -> None:
        self.login(self.editor)
        self.assertEqual(self.client.get(self.url).status_code, 405)
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.editor)
        self.assertEqual(strict.post(self.url, {"text": "x"}).status_code, 403)

    # 125 previews spread over the end of a rate-limit window were once not refused.
    @time_machine.travel(ONE_RATE_LIMIT_WINDOW, tick=False)
    def test_it_is_rate_limited(self) -> None:
        self.login(self.editor)
        answers = {self.client.post(self.url, {"text": "x"}).status_code for _n in range(125)}
        self.assertIn(429, answers)


class AdminPagesTests(BaseTestCase):
    def test_markdown_fields_have_the_preview_and_the_page_balies_look(self) -> None:
        self.login(self.editor)
        response = self.client.get(reverse("admin:learning_step_change", args=[self.text_step.pk]))
        self.assertContains(response, 'class="balie-markdown"')
        self.assertContains(response, reverse("admin:markdown_preview"))
        self.assertContains(response, "balie/admin.js")
        self.assertContains(response, "balie/admin.css")
        self.assertContains(response, "Voorbeeld")
        self.assertNotContains(response, "dark_mode.css")
        self.assertNotContains(response, "theme-toggle")

    def test_an_empty_module_links_to_the_scorm_upload(self) -> None:
        empty = Module.objects.create(programme=self.programme, title="Leeg", code="M9")
        self.login(self.editor)
        response = self.client.get(reverse("admin:learning_module_change", args=[empty.pk]))
        self.assertContains(response, reverse("scorm:upload", args=[empty.pk]))
        self.assertContains(response, "SCORM-pakket toevoegen")

    def test_the_index_speaks_dutch(self) -> None:
        self.login(self.editor)
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "<h1>Beheer</h1>", html=True)
        for english in ("Model name", "Add link", "Site administration", "View site"):
            self.assertNotContains(response, english)

    def test_a_local_block_is_shown_as_the_library_wrote_it(self) -> None:
        block = LocalBlock.objects.create(
            library=self.library, module=self.module, how_we_do_it="**Vet** <script>x</script>"
        )
        self.login(self.editor)
        response = self.client.get(reverse("admin:learning_localblock_change", args=[block.pk]))
        self.assertContains(response, "<strong>Vet</strong>", html=True)
        self.assertNotContains(response, "<script>x")
