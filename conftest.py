import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    """No cached dashboard or rate-limit count leaks from one test into the next (on SQLite,
    ids are reused after a rollback, so a cache version could even match)."""
    from django.core.cache import cache

    cache.clear()


def pytest_configure(config):
    from django.conf import settings

    # Hashing passwords slowly protects people; in tests it only costs time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The cast logs in with force_login, which has no second step; balie/security/tests test
    # that the management site wants a verified session.
    settings.BALIE_ADMIN_REQUIRES_2FA = False
