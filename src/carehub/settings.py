"""Settings, read from the environment.

DATABASE_URL picks the database (SQLite file under var/ by default, PostgreSQL in
production and CI). Production hardening lives in carehub.settings_production.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("CAREHUB_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("CAREHUB_VAR", PROJECT_DIR / "var"))

SECRET_KEY = os.environ.get("CAREHUB_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = os.environ.get("CAREHUB_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("CAREHUB_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

SUPPORTED_DB_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")


def database_from_env() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return sqlite_tuned({"ENGINE": "django.db.backends.sqlite3",
                             "NAME": str(VAR_DIR / "carehub.sqlite3")})
    scheme = url.split(":", 1)[0].lower()
    if scheme not in SUPPORTED_DB_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme '{scheme}' is not supported; use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"].endswith("postgresql"):
        config.setdefault("TEST", {})["NAME"] = os.environ.get("CAREHUB_TEST_DB", "test_carehub")
    if config["ENGINE"].endswith("sqlite3"):
        config = sqlite_tuned(config)
    return config


def sqlite_tuned(config: dict[str, Any]) -> dict[str, Any]:
    """SQLite for a small team: readers never wait for the writer (WAL), a writer waits
    up to 20 s for the lock (busy timeout), and every transaction takes the write lock
    when it begins (IMMEDIATE), so one that reads then writes waits its turn instead of
    failing with "database is locked"."""
    options = config.setdefault("OPTIONS", {})
    options.setdefault("timeout", 20)
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("init_command", "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL")
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_scopes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    # carehub's apps, lowest layer first (docs/directory-structure.md); each imports
    # only apps listed before it.
    "carehub.tenancy",
    "carehub.audit",
    "carehub.accounts",
    "carehub.jobs",
    "carehub.notifications",
    "carehub.members",
    "carehub.network",
    "carehub.contracts",
    "carehub.referrals",
    "carehub.billing",
    "carehub.population",
    "carehub.reporting",
    "carehub.fhir",
    "carehub.exchange",
    "carehub.portal",
    "carehub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "carehub.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carehub.middleware.NoStoreMiddleware",
    "carehub.middleware.DataErrorMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "carehub.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "carehub.audit.middleware.RequestIdMiddleware",
    "carehub.tenancy.middleware.ActiveOrganisationMiddleware",
    # Request id, path, user and organisation on every log line (carehub/logs.py).
    "carehub.logs.RequestContextMiddleware",
]

ROOT_URLCONF = "carehub.urls"
WSGI_APPLICATION = "carehub.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carehub.portal.context_processors.active_organisation",
                "carehub.notifications.context_processors.bell",
            ]
        },
    }
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after 15 idle minutes: every request pushes the expiry forward.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling (docs/security.md): LOGIN_MAX_FAILURES failed sign-ins for one username
# within LOGIN_FAILURE_WINDOW_MINUTES of the first lock it for LOGIN_LOCKOUT_MINUTES.
LOGIN_MAX_FAILURES = 10
LOGIN_FAILURE_WINDOW_MINUTES = 15
LOGIN_LOCKOUT_MINUTES = 15
# Roles that must sign in with a second factor.
TWO_FACTOR_ROLES = ("hub_admin",)
OTP_TOTP_ISSUER = "carehub"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Audit chain (docs/security.md): the key that seals audit events comes from the
# environment, never the database; checkpoints go to a file an operator copies elsewhere.
# Unset outside production, a fixed development key is used with a warning.
AUDIT_KEY = os.environ.get("CAREHUB_AUDIT_KEY", "")
# Keys that sealed older parts of the chain (comma-separated), for verification only.
AUDIT_OLD_KEYS = [k for k in os.environ.get("CAREHUB_AUDIT_OLD_KEYS", "").split(",") if k.strip()]
AUDIT_CHECKPOINTS = Path(os.environ.get("CAREHUB_AUDIT_CHECKPOINTS", "") or VAR_DIR / "audit-checkpoints.log")

# Mail (notifications, docs/notifications.md): printed to the console unless a backend is
# configured, so the demo shows what would be sent. Production sets CAREHUB_EMAIL_BACKEND (e.g.
# django.core.mail.backends.smtp.EmailBackend) and Django's EMAIL_HOST... settings.
EMAIL_BACKEND = os.environ.get("CAREHUB_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("CAREHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CAREHUB_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CAREHUB_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CAREHUB_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("CAREHUB_EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("CAREHUB_FROM_EMAIL", "carehub <carehub@localhost>")
# Where the site is reached, for links in mail sent outside a request (scheduled jobs).
SITE_URL = os.environ.get("CAREHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The same kind of notification with the same link for the same person within this many
# minutes adds to the unread one's count instead of making another (and mails once).
CAREHUB_NOTIFY_MERGE_MINUTES = int(os.environ.get("CAREHUB_NOTIFY_MERGE_MINUTES", "60"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("CAREHUB_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAREHUB_LOG_LEVEL", "WARNING")},
}

# Background jobs (docs/decisions/0009-background-jobs.md): django-tasks with its database
# backend, on whichever database the site uses; `carehub worker` runs the queue. A
# deployment that outgrows one database queue switches BACKEND to django-tasks' RQ
# backend (Redis) here; task code does not change.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("CAREHUB_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "periodic"],
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # The queue on Redis (pip install django-tasks-rq); RQ workers run the tasks and one
    # `carehub worker` still keeps heartbeats, take-over and the schedule (0009).
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": os.environ.get("CAREHUB_REDIS_URL", "redis://127.0.0.1:6379/0")}
                 for name in TASKS["default"]["QUEUES"]}
# A running job whose worker has not been seen for this long is taken over by another.
CAREHUB_WORKER_STALE_SECONDS = int(os.environ.get("CAREHUB_WORKER_STALE_SECONDS", "60"))
# The periodic work the workers schedule (docs/jobs.md): a list in the project module.
CAREHUB_SCHEDULE = "carehub.schedule.SCHEDULE"
# Rows an import or assignment job saves per transaction (and per checkpoint).
CAREHUB_IMPORT_CHUNK = int(os.environ.get("CAREHUB_IMPORT_CHUNK", "2000"))
# Submitting a month (billing): claims per 837P file, and processes checking the files
# with pyx12 in parallel (at most one a core).
CAREHUB_837_CLAIMS_PER_FILE = int(os.environ.get("CAREHUB_837_CLAIMS_PER_FILE", "5000"))
CAREHUB_837_CHECK_PROCESSES = int(os.environ.get("CAREHUB_837_CHECK_PROCESSES", "2"))
# ISA15 of every 837P: "T" (test data) until a payer accepts production files, then "P".
CAREHUB_X12_USAGE = os.environ.get("CAREHUB_X12_USAGE", "T")
if CAREHUB_X12_USAGE not in ("T", "P"):
    raise ImproperlyConfigured(f"CAREHUB_X12_USAGE must be T or P, got {CAREHUB_X12_USAGE!r}")

# Payer extracts uploaded from the browser (carehub.population): the largest file taken,
# streamed to disk under VAR_DIR / "datasets" chunk by chunk, never held in memory.
CAREHUB_DATASET_MAX_BYTES = int(os.environ.get("CAREHUB_DATASET_MAX_BYTES", str(2 * 1024**3)))

# Partner systems on the FHIR API (docs/fhir/auth.md, docs/decisions/0012): OAuth2 client
# credentials with a signed JWT assertion (SMART Backend Services). django-oauth-toolkit
# issues and stores the access tokens; carehub's validator checks the assertions.
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "carehub.fhir.oauth.PartnerValidator",
    "OAUTH2_BACKEND_CLASS": "carehub.fhir.oauth.PartnerOAuthLibCore",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,  # nosec B105 # a lifetime, no secret
    # Scopes are SMART's system/<Type>.<letters>, checked against each partner's own
    # registration (PartnerValidator.validate_scopes), not a fixed list.
    "SCOPES": {"system/*.cruds": "Every resource type, every interaction the role allows"},
    "DEFAULT_SCOPES": [],
    # The OAuth 2.0 Security BCP (RFC 9700) in full: only client credentials are used, and
    # tokens are stored as hashes, never sent in a query string.
    **{f"COMPLIANT_BCP_RFC9700_{name}": True
       for name in ("IMPLICIT_GRANT", "PASSWORD_GRANT", "PKCE_METHOD", "ACCESS_TOKEN_TRANSPORT",
                    "AUTHZ_RESPONSE_ISS", "TOKEN_STORAGE", "REFRESH_TOKEN", "REDIRECT_URI_SCHEME")},
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# The longest a client assertion may be valid (its exp at most this far ahead).
CAREHUB_FHIR_ASSERTION_MAX_SECONDS = 300
# DOT's own application model (named so migrations can depend on it).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
