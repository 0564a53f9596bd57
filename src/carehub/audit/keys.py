"""The audit chain's keys, from settings (which read them from the environment)."""

from __future__ import annotations

import logging

from django.conf import settings

from carehub.audit.chain import key_id

log = logging.getLogger(__name__)

# Public, so a chain sealed with it proves nothing: for development and the demo only.
DEVELOPMENT_KEY = b"carehub-development-audit-key-not-secret"
_warned = False


def signing_key() -> bytes:
    global _warned
    configured = getattr(settings, "AUDIT_KEY", "")
    if configured:
        return str(configured).encode()
    if not _warned:
        _warned = True
        log.warning("CAREHUB_AUDIT_KEY is not set: the audit chain is sealed with the public development key, "
                    "so anyone with database access could rewrite it. Set it in production.")
    return DEVELOPMENT_KEY


def verification_keys() -> dict[str, bytes]:
    """Every key a seal may name: the current one and CAREHUB_AUDIT_OLD_KEYS."""
    keys = [signing_key(), *(str(k).strip().encode() for k in getattr(settings, "AUDIT_OLD_KEYS", []))]
    return {key_id(k): k for k in keys}
