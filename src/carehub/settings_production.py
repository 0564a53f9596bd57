"""Production settings: everything in carehub.settings, hardened for HTTPS."""

import os

from carehub.logs import json_logging
from carehub.settings import *  # noqa: F403
from carehub.settings import AUDIT_KEY, MIDDLEWARE, SECRET_KEY

DEBUG = False
if SECRET_KEY.startswith("dev-only") and os.environ.get("CAREHUB_ALLOW_DEV_KEY") != "1":
    raise RuntimeError("CAREHUB_SECRET_KEY must be set in production")
# Without its own key the audit chain could be rewritten by anyone who can read the code.
if len(AUDIT_KEY) < 32:
    raise RuntimeError("CAREHUB_AUDIT_KEY must be set in production (at least 32 characters, kept outside the database)")

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# WhiteNoise serves what `carehub collectstatic` put in STATIC_ROOT, right after the HTTPS
# redirect: content-hashed names cached for a year, compressed copies when accepted.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object per line (time, level, logger, message, request_id, path, user_id,
# organisation_id) for the log collector; docs/operations.md.
LOGGING = json_logging(os.environ.get("CAREHUB_LOG_LEVEL", "INFO"))
