from html.parser import HTMLParser

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from balie.learning.models import StepKind
from balie.testing import BaseTestCase, make_step

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    '<div hx-get="/beheer/" hx-trigger="load">x</div>',
    '<span hx-on:click="alert(1)" hx-vals=\'{"a":1}\'>x</span>',
]


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag in `html` with its attributes, as a browser's parser sees them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


class StepDetailTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.alice)

    def get(self, step):
        return self.client.get(reverse("learning:step", args=[step.pk]))

    def test_it_shows_one_step_with_the_list_and_progress(self) -> None:
        response = self.get(self.video_step)
        self.assertContains(response, "Stap 2 van 5")
        for step in self.steps:
            self.assertContains(response, step.title)
        self.assertContains(response, 'aria-current="step"')
        self.assertContains(response, "Leesconsulent: wij geven het koffertje mee.")
        self.assertContains(response, reverse("learning:step", args=[self.text_step.pk]))

    def test_every_kind_of_step_renders(self) -> None:
        expected = {
            self.text_step: "<strong>baby",
            self.reflection_step: "Mijn antwoord",
            self.check_step: "Twee babyboekjes",
            self.link_step: "https://www.kb.nl/boekstart",
        }
        for step, text in expected.items():
            with self.subTest(kind=step.kind):
                self.assertContains(self.get(step), text)

    def test_an_article_links_to_the_whole_text(self) -> None:
        article = make_step(
            self.module,
            StepKind.ARTICLE,
            title="Artikel",
            body="Samenvatting.",
            article_url="https://example.org/a",
        )
        self.assertContains(self.get(article), "https://example.org/a")

    def test_a_video_file_plays_with_its_captions(self) -> None:
        step = make_step(
            self.module,
            StepKind.VIDEO,
            title="Video",
            transcript="Tekst.",
            video_file=SimpleUploadedFile("v.webm", b"webm", content_type="video/webm"),
            captions_file=SimpleUploadedFile("v.vtt", b"WEBVTT\n", content_type="text/vtt"),
        )
        response = self.get(step)
        self.assertContains(response, "<video")
        self.assertContains(response, '<track kind="captions"')
        media = self.client.get(step.captions_file.url)
        self.assertEqual(media.status_code, 200)
        self.assertEqual(media["X-Content-Type-Options"], "nosniff")
        self.client.logout()
        self.assertEqual(self.client.get(step.captions_file.url).status_code, 302)

    def test_user_written_html_is_sanitised(self) -> None:
        step = make_step(self.module, title="XSS", body="\n\n".join(XSS))
        response = self.get(step)
        body = response.content.decode()
        content = body[body.index('id="step-title"') : body.index("balie-player__nav")]
        for tag, attrs in elements(content):
            self.assertNotEqual(tag, "script")
            for name, value in attrs:
                self.assertFalse(name.startswith(("on", "hx-")), name)
                self.assertNotIn("javascript:", value or "")

    def test_queries_do_not_grow_with_steps(self) -> None:
        self.get(self.text_step)
        with self.assertNumQueries(10) as few:
            self.get(self.check_step)
        for _ in range(10):
            make_step(self.module)
        with self.assertNumQueries(len(few.captured_queries)):
            self.get(self.check_step)

    def test_missing_is_404(self) -> None:
        self.assertEqual(self.client.get(reverse("learning:step", args=[999999])).status_code, 404)
