"""How a contract bills: `billing` for everyone, `billing_by_provider` for the CBOs that
moved to member-level claims by an amendment."""

from __future__ import annotations

import pytest

from carehub.core.terms import TermsError, load_terms
from carehub.core.terms_words import describe_overview

from .conftest import terms_data

FFS = {"id": "meals", "type": "fee_for_service", "services": ["HDM"]}


def test_every_provider_bills_as_the_contract_says_by_default() -> None:
    terms = load_terms(terms_data(FFS))
    assert terms.billing == "invoice"
    assert terms.billing_for("alpha-pantry") == "invoice"


def test_one_cbo_moves_to_claims_while_the_rest_invoice() -> None:
    data = {**terms_data(FFS), "billing_by_provider": {"alpha-pantry": "claims"}}
    terms = load_terms(data)
    assert terms.billing_for("alpha-pantry") == "claims"
    assert terms.billing_for("beta-kitchen") == "invoice"
    assert "alpha-pantry bills as member-level claims" in describe_overview(terms)


def test_an_unknown_mode_is_refused_naming_the_provider() -> None:
    data = {**terms_data(FFS), "billing_by_provider": {"alpha-pantry": "cheque"}}
    with pytest.raises(TermsError) as caught:
        load_terms(data)
    assert caught.value.errors == [
        ("billing_by_provider.alpha-pantry", "must be one of invoice, claims, got 'cheque'")]
