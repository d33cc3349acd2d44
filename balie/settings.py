"""Balie's one settings module. Everything that differs between machines comes from the
environment (BALIE_*); the defaults run a demo on an embedded SQLite database."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("BALIE_VAR_DIR", BASE_DIR.parent / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_secret(name: str, default: str | None = None, *, why: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets). Empty counts
    as not set."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    value = os.environ.get(name) or default
    if not value:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set{why}")
    return value


DEBUG = env_bool("BALIE_DEBUG", False)
# Production (BALIE_DEBUG=false) refuses to start without its own key: every command, and
# gunicorn, stop here with the message below. The demo (./scripts/demo sets BALIE_DEBUG=true)
# uses a fixed key that starts with "django-insecure-", so that `check --deploy` refuses it too.
SECRET_KEY = env_secret(
    "BALIE_SECRET_KEY",
    "django-insecure-demo-key-set-BALIE_SECRET_KEY-in-production" if DEBUG else None,
    why=(
        ": Balie does not start in production (BALIE_DEBUG=false) without a secret key of its "
        "own. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    ),
)
ALLOWED_HOSTS = env_str("BALIE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env_str("BALIE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "balie.orgs",
    "balie.learning",
    "balie.cohorts",
    "balie.carousel",
    "balie.personas",
    "balie.desk",
    "balie.insights",
    "balie.lrs",
    "balie.scorm",
    "balie.security",
    "balie",
    "balie.apps.BalieAdminConfig",  # django.contrib.admin with Balie's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_ratelimit",
    # Sign-in with a library's own accounts (OpenID Connect): only allauth's social login and its
    # openid_connect provider are used; allauth.account is what it needs underneath.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    # First: it times the whole stack and gives every log line of the request its id.
    "balie.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # On the content host (BALIE_CONTENT_ORIGIN) only SCORM package files, answered here: no
    # session, no Balie page, no static files there (balie/scorm/content.py).
    "balie.scorm.content.ContentHostMiddleware",
    "balie.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "balie.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: a password alone reaches only the code page (balie/security).
    "balie.security.middleware.TwoFactorMiddleware",
    # Shared desk PCs: log out after BALIE_IDLE_MINUTES, and no page with a person's data in
    # the browser's cache.
    "balie.security.idle.IdleTimeoutMiddleware",
    "balie.security.idle.NoStoreMiddleware",
    "balie.security.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns django-ratelimit's refusal into a 429 (RATELIMIT_VIEW below).
    "django_ratelimit.middleware.RatelimitMiddleware",
    "balie.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "balie.urls"
WSGI_APPLICATION = "balie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "balie.context_processors.navigation",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
# SQLite (WAL) by default; PostgreSQL (or any database Django supports) via BALIE_DATABASE_URL.
SQLITE_PATH = Path(env_str("BALIE_SQLITE_PATH", str(VAR_DIR / "balie.sqlite3")))
DATABASE_URL = os.environ.get("BALIE_DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("BALIE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "CONN_MAX_AGE": env_int("BALIE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Writers queue instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            # Tests use a file too: an in-memory database locks differently from the real one.
            # One per process, so that two test runs at once do not share it.
            "TEST": {"NAME": str(SQLITE_PATH.with_name(f"test-{os.getpid()}.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role lands on its own page (balie.views.home)
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("BALIE_SESSION_SECONDS", 60 * 60 * 12)
# Shared desk PCs: a session without activity for this long is logged out (a warning comes two
# minutes before; balie/security/idle.py).
BALIE_IDLE_MINUTES = env_int("BALIE_IDLE_MINUTES", 30)
# Invitations (balie/orgs/accounts.py): how long an activation link works. A link to choose a
# new password works for a day.
BALIE_INVITATION_DAYS = env_int("BALIE_INVITATION_DAYS", 14)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("BALIE_STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
WHITENOISE_USE_FINDERS = env_bool("BALIE_STATIC_FROM_APPS", True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("BALIE_MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------
# Production serves HTTPS only: BALIE_SECURE_COOKIES=true also turns on HSTS and the redirect to
# HTTPS unless BALIE_HSTS_SECONDS / BALIE_SSL_REDIRECT say otherwise (docs/deploy.md).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("BALIE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The refusal carries a header, so that the outbox (static/balie/outbox.js) fetches a fresh token.
CSRF_FAILURE_VIEW = "balie.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int(
    "BALIE_HSTS_SECONDS", 60 * 60 * 24 * 365 if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BALIE_HSTS_SUBDOMAINS", True)
# Preloading is the owner of the parent domain's decision; Balie runs on a subdomain.
SECURE_HSTS_PRELOAD = env_bool("BALIE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("BALIE_SSL_REDIRECT", SESSION_COOKIE_SECURE)
# The proxy's health checks reach the app servers over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # SECURE_HSTS_PRELOAD, see above

# How many proxies in front of Balie append to X-Forwarded-For and set X-Forwarded-Proto.
# 0 (the default): the client talks to gunicorn directly and both headers are ignored.
BALIE_TRUSTED_PROXY_COUNT = env_int("BALIE_TRUSTED_PROXY_COUNT", 0)
if BALIE_TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- SCORM packages (balie/scorm) -------------------------------------------------------------
# Package files are someone else's HTML and JavaScript: they are served from a second origin that
# never gets Balie's cookies, e.g. https://inhoud.balie.example (a second host name for the same
# app servers; docs/deploy.md). Empty (a demo, the tests): Balie on http://127.0.0.1:PORT serves
# them as http://localhost:PORT, a different origin and site on the same port.
BALIE_CONTENT_ORIGIN = env_str("BALIE_CONTENT_ORIGIN", "").rstrip("/")
if BALIE_CONTENT_ORIGIN:
    _content = urlsplit(BALIE_CONTENT_ORIGIN)
    if _content.scheme not in {"http", "https"} or not _content.hostname or _content.path:
        raise ImproperlyConfigured(
            f"BALIE_CONTENT_ORIGIN must be an origin like https://inhoud.balie.example, "
            f"not {BALIE_CONTENT_ORIGIN!r}"
        )
    if _content.hostname not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_content.hostname)
# The largest upload Balie takes (the proxy's client_max_body_size must allow it too).
BALIE_UPLOAD_MAX_MB = env_int("BALIE_UPLOAD_MAX_MB", 20)
# One package, unpacked: at most this many MB and files (a zip bomb is refused before unpacking).
BALIE_PACKAGE_MAX_MB = env_int("BALIE_PACKAGE_MAX_MB", 100)
BALIE_PACKAGE_MAX_FILES = env_int("BALIE_PACKAGE_MAX_FILES", 2000)
# All packages that one organisation's editors uploaded together, unpacked.
BALIE_PACKAGE_STORAGE_MB = env_int("BALIE_PACKAGE_STORAGE_MB", 2000)

# The content host as a CSP source (any port of localhost in a demo).
BALIE_CONTENT_SOURCE = BALIE_CONTENT_ORIGIN or "http://localhost:*"

# Content Security Policy (django-csp 4): scripts only from Balie's own static files, never
# inline; inline styles are allowed (Chart.js and htmx set them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        # The SCORM player's frame, on the content host.
        "frame-src": [BALIE_CONTENT_SOURCE],
        "frame-ancestors": [NONE],
        # Package steps add the content host (balie/learning/views.py: a cmi5 AU starts there).
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Brute force (django-axes): five wrong passwords for one e-mail address from one IP address
# block that pair for 15 minutes; a successful login starts the count afresh.
AUTHENTICATION_BACKENDS = [
    "balie.security.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("BALIE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BALIE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "balie.security.client.login_username"
AXES_CLIENT_IP_CALLABLE = "balie.security.client.client_ip"
AXES_LOCKOUT_CALLABLE = "balie.security.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# A try during the lock neither counts nor extends it: "15 minutes" on the page stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Two wider limits within the same 15 minutes (balie/security/lockout.py): wrong passwords for one
# e-mail address from all IP addresses together, and from one IP address for all accounts
# together (credential stuffing; a library's desk PCs may share one address, hence higher).
AXES_HANDLER = "balie.security.lockout.LoginLimitsHandler"
BALIE_LOGIN_ACCOUNT_LIMIT = env_int("BALIE_LOGIN_ACCOUNT_LIMIT", 20)
BALIE_LOGIN_IP_LIMIT = env_int("BALIE_LOGIN_IP_LIMIT", 30)
# Logins are audited on the balie.security log; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Two-step verification (TOTP, balie/security): optional for administrators, editors and POI
# advisers, required for the roles listed here (e.g. "admin,editor"); the management site only
# for sessions that passed it.
BALIE_REQUIRE_2FA_FOR = [r for r in env_str("BALIE_REQUIRE_2FA_FOR", "").split(",") if r]
BALIE_ADMIN_REQUIRES_2FA = env_bool("BALIE_ADMIN_REQUIRES_2FA", True)

# Sign-in with the library's own accounts (OpenID Connect, django-allauth; balie/security/sso.py).
# An administrator sets up an organisation's provider in Beheer (orgs.SingleSignOn). Matched on
# a verified e-mail address of an existing person of that organisation; allauth never creates a
# person, and its own pages (signup, its login, e-mail management) are not in Balie's URLs.
ACCOUNT_ADAPTER = "balie.security.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "balie.security.sso.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_STORE_TOKENS = False  # a login needs no token afterwards
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("BALIE_SSO_TIMEOUT_SECONDS", 10)

# Background work (e-mail, reminders): `balie db_worker` runs the queue; cron runs
# `balie send_reminders` every hour.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task that waits longer than this for a worker makes /health/ready answer 503
# (task_queue_stalled): the workers have stopped.
BALIE_TASK_MAX_WAIT_MINUTES = env_int("BALIE_TASK_MAX_WAIT_MINUTES", 15)
# Where people reach Balie, for links in e-mails and calendars.
BALIE_SITE_URL = env_str("BALIE_SITE_URL", "http://127.0.0.1:8000")

EMAIL_BACKEND = env_str("BALIE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Writes every e-mail to a file in this folder instead of sending it (Django's file backend):
# for a demo, and for the browser tests, which read the invitations there.
BALIE_EMAIL_FILE_PATH = env_str("BALIE_EMAIL_FILE_PATH", "")
if BALIE_EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BALIE_EMAIL_FILE_PATH
DEFAULT_FROM_EMAIL = env_str("BALIE_FROM_EMAIL", "balie@localhost")

# One line per event on standard error (docs/deploy.md): `line` is time (ISO 8601, local), level,
# logger, process, message, request id; `json` is one JSON object per line for a log collector
# (balie/logs.py). One `balie.request` line per request; login and privacy events go to the
# `balie.security` logger.
BALIE_LOG_FORMAT = env_str("BALIE_LOG_FORMAT", "line")
if BALIE_LOG_FORMAT not in {"line", "json"}:
    raise ImproperlyConfigured(f"BALIE_LOG_FORMAT must be line or json, not {BALIE_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "balie.logs.LineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s pid=%(process)d %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "json": {"()": "balie.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": BALIE_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("BALIE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "balie.security": {"level": "INFO"},
        # Axes logs every step of its bookkeeping; the audit lines above say what matters.
        "axes": {"level": "ERROR"},
    },
}

# --- Cache and rate limits -----------------------------------------------------------------
# The cache keeps the POI and country dashboards (balie/insights/queries.py) and the rate-limit
# counts. With several app servers it must be shared: Redis (BALIE_REDIS_URL, e.g.
# redis://cache.internal:6379/0). Without it each process keeps its own cache in memory, which is
# right for one server process (a laptop, a small library) and docs/deploy.md says so.
BALIE_REDIS_URL = env_str("BALIE_REDIS_URL", "")
if BALIE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BALIE_REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# django-ratelimit (decorators on the JSON endpoints): a request over its limit gets a 429 from
# balie.views.rate_limited. Counted per person, or per client IP address when not logged in.
RATELIMIT_VIEW = "balie.views.rate_limited"
# Off only for a load test that plays many people with a few accounts (docs/deploy.md).
RATELIMIT_ENABLE = env_bool("BALIE_RATE_LIMITS", True)
# Requests a minute per xAPI client (balie/lrs/http.py): 600 POSTs of 50 statements is 30,000.
BALIE_XAPI_RATE_LIMIT = env_str("BALIE_XAPI_RATE_LIMIT", "600/m")
# Wrong credentials on /xapi/ (balie/lrs/http.py): after this many failures per key, or per
# client IP address, in the period, a 429 until the period ends, and an audit event.
BALIE_XAPI_AUTH_FAILURES_PER_KEY = env_str("BALIE_XAPI_AUTH_FAILURES_PER_KEY", "10/15m")
BALIE_XAPI_AUTH_FAILURES_PER_IP = env_str("BALIE_XAPI_AUTH_FAILURES_PER_IP", "30/15m")
RATELIMIT_IP_META_KEY = "balie.security.client.client_ip"
# django-ratelimit's check does not know Django's own RedisCache (W001: "not officially
# supported", though it counts atomically as the check wants), and refuses the in-memory cache
# (E003), which is right for one server process only. Silenced for those two caches alone.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
if not BALIE_REDIS_URL:
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# --- Learning -------------------------------------------------------------------------------
# Words per minute used to compute a module's estimate from its content: slower than the
# ~230 wpm of fluent adult readers, because learners read for work and take things in.
BALIE_READING_WPM = env_int("BALIE_READING_WPM", 150)
# A heartbeat's time-on-task is credited only while the learner was active this recently.
BALIE_IDLE_SECONDS = env_int("BALIE_IDLE_SECONDS", 90)
# The base of the activity ids in Balie's own xAPI statements (docs/xapi-profile.md): the same on
# every server, so that statements from all of them speak of the same activities.
BALIE_XAPI_IRI_BASE = env_str("BALIE_XAPI_IRI_BASE", "https://balie.nl/xapi")
