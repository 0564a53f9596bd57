"""Flexible funds: a member's allocation under the contract's terms and what is spent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from carehub.contracts.models import Contract
from carehub.referrals.contract_terms import rules_for
from carehub.referrals.models import FundSpend, Referral
from carehub.referrals.services.base import (
    ReferralError,
    audit_referral,
    contract_of,
    rules_of,
)
from carehub.tenancy.access import Acting


def fund_balance(member_id: int, contract: Contract | None,
                 on: date) -> tuple[Decimal, Decimal] | None:
    """(allocation, spent so far) under the contract's flexible-funds rule, or None when
    the contract (or a referral with none) has no flexible funds."""
    if contract is None:
        return None
    rule = rules_for(contract, as_of=on).funds
    if rule is None:
        return None
    spent_qs = FundSpend.objects.filter(member_id=member_id, contract=contract)
    if rule.per == "year":
        spent_qs = spent_qs.filter(date__year=on.year)
    spent = spent_qs.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    return rule.per_member, Decimal(spent)


def spend_funds(referral: Referral, *, category: str, amount: str, on: date, receipt: str,
                acting: Acting) -> FundSpend:
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ReferralError(f"{amount!r} is not an amount like 25.00.") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ReferralError("The amount must be more than 0.00, in dollars and cents.")
    if not receipt.strip():
        raise ReferralError("Record the receipt number or reference.")
    rule = rules_of(referral, as_of=on).funds
    if rule is None:
        raise ReferralError(
            f"Contract {referral.contract_code} has no flexible funds for members.")
    if category not in rule.categories:
        raise ReferralError(
            f"{category!r} is not an allowed category under contract {referral.contract_code}; "
            f"allowed: {', '.join(rule.categories)}.")
    with transaction.atomic():
        # Lock the referral so two spends for the same member cannot both pass the check.
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        balance = fund_balance(referral.member_id, contract_of(referral), on)
        assert balance is not None
        allocation, spent = balance
        remaining = allocation - spent
        if value > remaining:
            raise ReferralError(
                f"Spending {value:.2f} would pass the member's allocation: {allocation:.2f} "
                f"allocated, {spent:.2f} spent, {remaining:.2f} left.")
        row = FundSpend.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, contract_id=referral.contract_id,
            contract_code=referral.contract_code, category=category, amount=value, date=on,
            receipt=receipt.strip()[:120], actor=acting.user, at=timezone.now())
        audit_referral("create", referral, acting, object_type="fund_spend",
                       object_id=row.pk, detail={"category": category, "amount": f"{value:.2f}"})
    return row
