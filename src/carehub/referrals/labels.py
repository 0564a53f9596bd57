"""The words a page shows for each stored code: states, close reasons, roles, barriers,
referral sources, contact methods, outreach outcomes, screening domains, timeline events.

One mapping per vocabulary, read by model choices, forms and the `label` template filter
(`{{ referral.source|label:"source" }}`), so no page prints a stored slug. A code missing
from its mapping (an old row, a value added elsewhere) is shown with its underscores as
spaces rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from carehub.core.referral_states import CLOSE_REASON_LABELS, STATE_LABELS
from carehub.core.screening import DOMAINS
from carehub.referrals.models import AttemptOutcome, Barrier, Channel, ConsentKind, Setting
from carehub.tenancy.models import Role

STATES: dict[str, str] = {s.value: text for s, text in STATE_LABELS.items()}

CLOSE_REASONS: dict[str, str] = {r.value: text for r, text in CLOSE_REASON_LABELS.items()}

ROLES: dict[str, str] = {str(value): str(text) for value, text in Role.choices}
BARRIERS: dict[str, str] = {str(value): str(text) for value, text in Barrier.choices}
CONTACT_METHODS: dict[str, str] = {str(value): str(text) for value, text in Channel.choices}
OUTCOMES: dict[str, str] = {str(value): str(text) for value, text in AttemptOutcome.choices}
SETTINGS: dict[str, str] = {str(value): str(text) for value, text in Setting.choices}
CONSENT_KINDS: dict[str, str] = {str(value): str(text) for value, text in ConsentKind.choices}

# How a referral was made.
SOURCES: dict[str, str] = {
    "manual": "Hub referral",
    "plan": "Plan referral",
    "ranked_list": "Plan's ranked list",
    "refer_on": "Referred on after screening",
    "api": "Referral by API",
    "import": "Roster import",
}

DOMAINS_IN_WORDS: dict[str, str] = {
    "housing": "housing",
    "food": "food",
    "transportation": "transportation",
    "utilities": "utilities",
    "safety": "interpersonal safety",
}
assert set(DOMAINS_IN_WORDS) == set(DOMAINS)

# Timeline rows (ReferralEvent.kind) other than state changes.
EVENTS: dict[str, str] = {
    "assigned": "Assigned",
    "routed": "Routed",
    "reassigned": "Reassigned",
    "transition": "State changed",
    "referred_on": "Referred on",
}

VOCABULARIES: dict[str, Mapping[str, str]] = {
    "state": STATES, "close_reason": CLOSE_REASONS, "role": ROLES, "barrier": BARRIERS,
    "channel": CONTACT_METHODS, "outcome": OUTCOMES, "setting": SETTINGS,
    "consent": CONSENT_KINDS, "source": SOURCES, "domain": DOMAINS_IN_WORDS,
    "event": EVENTS,
}


def label(value: object, vocabulary: str) -> str:
    """The words for `value` in `vocabulary` (one of VOCABULARIES)."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    words = VOCABULARIES[vocabulary].get(text)
    if words is not None:
        return words
    return text.replace("_", " ").capitalize()


def domains_in_words(domains: list[str] | tuple[str, ...]) -> str:
    """["housing", "safety"] -> "housing, interpersonal safety"."""
    return ", ".join(label(d, "domain") for d in domains)
