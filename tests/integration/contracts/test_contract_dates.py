"""A contract never ends before it starts: the model says so to forms (on the `ends`
field) and the database refuses such a row whoever writes it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from carehub.contracts.forms import ContractDetailsForm
from carehub.contracts.models import Contract
from tests.integration.contracts.factories import make_contract


@pytest.mark.django_db
def test_the_database_refuses_a_contract_that_ends_before_it_starts(tenant: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        with pytest.raises(IntegrityError), transaction.atomic():
            Contract.objects.filter(pk=contract.pk).update(ends=date(2025, 12, 31))
        contract.refresh_from_db()
        assert contract.ends == date(2026, 12, 31)
        # Open-ended, not yet dated, and one-day contracts are all allowed.
        Contract.objects.filter(pk=contract.pk).update(ends=None)
        Contract.objects.filter(pk=contract.pk).update(starts=None, ends=date(2026, 1, 1))
        Contract.objects.filter(pk=contract.pk).update(starts=date(2026, 1, 1))


@pytest.mark.django_db
def test_model_validation_names_the_ends_field(tenant: Any) -> None:
    contract = make_contract(tenant)
    contract.ends = date(2025, 12, 31)
    with scopes_disabled():
        with pytest.raises(ValidationError) as caught:
            contract.full_clean()
        assert caught.value.message_dict["ends"] == ["The contract cannot end before it starts."]
        form = ContractDetailsForm(
            {"name": contract.name, "starts": "2026-01-01", "ends": "2025-12-31",
             "renewal_notice_months": "3", "max_outreach_attempts": "3"},
            instance=Contract.objects.get(pk=contract.pk), cbos=tenant.cbo.__class__.objects.none())
        assert not form.is_valid()
    assert form.errors == {"ends": ["The contract cannot end before it starts."]}
