"""Contract payment terms (see docs/payment-engine.md and design/contract-terms.md).

`model` holds the frozen, typed data model; `reader` builds it from plain data (parsed
YAML or JSON) and validates it, raising `TermsError` with every problem and its path.
Everything is importable from `carehub.core.terms` itself.
"""

from carehub.core.terms.model import (
    COMPONENT_TYPES,
    DIRECTIONS,
    MLR_CATEGORIES,
    Bonus,
    Bundled,
    Capitation,
    Component,
    FeeForService,
    FixedPrice,
    FlexibleFunds,
    Hybrid,
    Milestone,
    OutcomeBased,
    Penalties,
    Performance,
    Prepayment,
    Service,
    SharedLosses,
    SharedSavings,
    Target,
    Terms,
)
from carehub.core.terms.reader import TermsError, load_terms, parse_terms_text

__all__ = [
    "COMPONENT_TYPES",
    "DIRECTIONS",
    "MLR_CATEGORIES",
    "Bonus",
    "Bundled",
    "Capitation",
    "Component",
    "FeeForService",
    "FixedPrice",
    "FlexibleFunds",
    "Hybrid",
    "Milestone",
    "OutcomeBased",
    "Penalties",
    "Performance",
    "Prepayment",
    "Service",
    "SharedLosses",
    "SharedSavings",
    "Target",
    "Terms",
    "TermsError",
    "load_terms",
    "parse_terms_text",
]
