"""Project-wide guarantees: login by default, the database settings, translations, health."""

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from balie.testing import BaseTestCase

PUBLIC = {
    "login",
    "health_live",
    "health_ready",
    "set_language",
    "cohorts:calendar_feed",  # the secret token is the key
    # logging in with the library's own account: the form on the login page and the
    # provider's way back (allauth's callback)
    "security:sign_on",
    "openid_connect_callback",
    # xAPI clients are programs with HTTP Basic credentials, not sessions (lrs/http.py); About
    # needs none at all
    "lrs:about",
    "lrs:statements",
    "lrs:activities",
    "lrs:state",
    "lrs:activity_profile",
    "lrs:agents",
    "lrs:agent_profile",
    # cmi5's fetch URL: the AU, on another origin without Balie's session, trades the launch's
    # one-time code for its token (lrs/cmi5.py)
    "lrs:cmi5_fetch",
    # scorm-again's commit checks the session itself: a 403, not the login page with 200
    "scorm:commit",
    # for people who cannot log in (yet): a forgotten password, the invitation's link
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "activate",
    "activation_new_link",
    "privacy_notice",
}


def named_patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += named_patterns(pattern, namespace)
        elif pattern.name:
            found.append((prefix + pattern.name, pattern))
    return found


class LoginByDefaultTests(TestCase):
    def test_every_view_but_a_few_requires_login(self) -> None:
        for name, pattern in named_patterns(get_resolver()):
            if name.startswith("admin:"):
                continue  # the admin has its own login
            view = pattern.callback
            public = getattr(view, "login_required", True) is False
            with self.subTest(name=name):
                self.assertEqual(public, name in PUBLIC, f"{name} public={public}")


class HealthTests(TestCase):
    def test_live_and_ready_answer_without_login(self) -> None:
        self.assertEqual(self.client.get("/health/live").content, b"ok")
        self.assertEqual(self.client.get("/health/ready").content, b"ok")


class DatabaseSettingsTests(TestCase):
    def test_sqlite_runs_in_wal_mode_with_immediate_transactions(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("the SQLite settings apply to SQLite only")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")
            cursor.execute("PRAGMA synchronous")
            self.assertIn(cursor.fetchone()[0], (1, 2))  # NORMAL or FULL
            cursor.execute("PRAGMA busy_timeout")
            self.assertGreaterEqual(cursor.fetchone()[0], 5000)
            cursor.execute("PRAGMA foreign_keys")
            self.assertEqual(cursor.fetchone()[0], 1)
        options = settings.DATABASES["default"]["OPTIONS"]
        self.assertEqual(options["transaction_mode"], "IMMEDIATE")
        self.assertIn("journal_mode=WAL", options["init_command"])


class TranslationTests(TestCase):
    def test_every_dutch_message_is_translated(self) -> None:
        po = Path(settings.BASE_DIR, "locale", "nl", "LC_MESSAGES", "django.po").read_text()
        entries = po.split("\n\n")[1:]
        untranslated = [
            e for e in entries if e.rstrip().endswith('msgstr ""') and "msgstr[" not in e
        ]
        self.assertEqual(untranslated, [])
        self.assertFalse("#, fuzzy" in po, "a translation is marked fuzzy")
        self.assertFalse("#| msgid" in po, "a translation was guessed from another message")
        mo = Path(settings.BASE_DIR, "locale", "nl", "LC_MESSAGES", "django.mo")
        self.assertGreaterEqual(mo.stat().st_mtime, 0)


class ErrorPageTests(BaseTestCase):
    @override_settings(DEBUG=False)
    def test_a_missing_page_says_so_in_dutch_without_details(self) -> None:
        self.login(self.alice)
        response = self.client.get("/bestaat-niet/")
        self.assertContains(response, "niet gevonden", status_code=404)
        self.assertNotContains(response, "Traceback", status_code=404)
