"""The forms that make a referral and route it: pickers, never internal codes.

The member is found by name or member id among the members the acting organisation may
see; the contract is one in effect for the hub (or the plan); the service is one of
that contract's; the service type comes from the directory's taxonomy; a CBO is chosen
by name. What each picker offers is passed in by the view, so a value outside it is
refused with a message naming the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ServiceDefinition
from carehub.members.models import Member
from carehub.network.models import ServiceType
from carehub.tenancy.models import Organisation

SEARCH_RESULTS = 20
MIN_SEARCH = 2


def search_members(members: QuerySet[Member], query: str) -> list[Member]:
    """Members whose name or member id contains every word of `query`."""
    words = query.split()
    if len(query.strip()) < MIN_SEARCH or not words:
        return []
    found = members
    for word in words[:4]:
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(member_id__icontains=word))
    return list(found.select_related("plan").order_by("last_name", "first_name", "pk")
                [:SEARCH_RESULTS])


def contract_label(contract: Contract, *, for_plan: bool = False) -> str:
    other = contract.provider.name if for_plan else contract.payer.name
    return f"{contract.code} {contract.name} ({'with' if for_plan else 'paid by'} {other})"


def service_choices(contracts: list[Contract],
                    services: list[ServiceDefinition]) -> list[tuple[str, Any]]:
    """Services grouped by contract: one group when one contract is chosen."""
    by_contract: dict[int, list[tuple[int, str]]] = {}
    for s in services:
        by_contract.setdefault(s.contract_id, []).append((s.pk, f"{s.code} {s.name}"))
    groups: list[tuple[str, Any]] = [("", "Choose a service")]
    for c in contracts:
        if by_contract.get(c.pk):
            groups.append((c.code, by_contract[c.pk]))
    return groups


def contract_services(contracts: list[Contract]) -> list[ServiceDefinition]:
    with scopes_disabled():
        return list(ServiceDefinition.objects.filter(contract__in=[c.pk for c in contracts])
                    .select_related("service_type").order_by("contract__code", "code"))


class RoutingReferralForm(forms.Form):
    """One referral: member, contract, service, optional service type and discharge
    date; a hub coordinator may also choose the CBO, with a reason."""

    member = forms.IntegerField(
        label="Member", widget=forms.HiddenInput,
        error_messages={"required": "Choose a member: search by name or member id.",
                        "invalid": "Choose a member: search by name or member id."})
    contract = forms.TypedChoiceField(
        label="Contract", coerce=int,
        error_messages={"invalid_choice": "Choose one of the contracts in effect offered here."})
    service = forms.TypedChoiceField(
        label="Service", coerce=int,
        error_messages={"invalid_choice": "Choose one of the chosen contract's services."})
    service_type = forms.ChoiceField(
        label="Directory service type", required=False,
        help_text="Routing looks for CBOs offering this; by default the contract service's type.")
    anchor_date = forms.DateField(label="Discharge date", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    organisation = forms.TypedChoiceField(
        label="Organisation", required=False, coerce=int, empty_value=None,
        help_text="Leave on routing to let the directory and the contract choose.")
    override_reason = forms.CharField(
        label="Why this organisation", required=False, max_length=300,
        help_text="Needed when you choose the organisation yourself.")
    rules_override_reason = forms.CharField(
        label="Reason to override the contract's rules", required=False, max_length=250,
        help_text="Leave empty unless the referral was refused by a rule that may be "
                  "overridden (population, stage, volume); audited and shown on the referral.")

    def __init__(self, *args: Any, members: QuerySet[Member], contracts: list[Contract],
                 cbos: list[Organisation] | None = None, for_plan: bool = False,
                 may_override_rules: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.contracts = {c.pk: c for c in contracts}
        self.for_plan = for_plan
        self.services = {s.pk: s for s in contract_services(contracts)}
        self.cbos = {o.pk: o for o in cbos or []}
        self._choice("contract").choices = [("", "Choose a contract")] + [
            (c.pk, contract_label(c, for_plan=for_plan)) for c in contracts]
        chosen = self._chosen_contract()
        shown = [chosen] if chosen else contracts
        self._choice("service").choices = service_choices(
            shown, [s for s in self.services.values() if s.contract_id in {c.pk for c in shown}])
        self._choice("service_type").choices = [("", "As the contract's service defines")] + [
            (t.slug, t.name) for t in ServiceType.objects.all()]
        if not may_override_rules:
            del self.fields["rules_override_reason"]
        if cbos is None:
            del self.fields["organisation"]
            del self.fields["override_reason"]
        else:
            self._choice("organisation").choices = [("", "Routing chooses")] + [
                (o.pk, o.name) for o in cbos]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def _chosen_contract(self) -> Contract | None:
        raw = (self.data.get("contract") if self.is_bound else self.initial.get("contract"))
        try:
            return self.contracts.get(int(raw)) if raw else None
        except (TypeError, ValueError):
            return None

    def clean_member(self) -> Member:
        pk = self.cleaned_data["member"]
        member = self.members.filter(pk=pk).select_related("plan").first()
        if member is None:
            raise forms.ValidationError("Choose a member: search by name or member id.")
        return member

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contract = self.contracts.get(data.get("contract") or 0)
        if "contract" in data:
            data["contract"] = contract
        service = self.services.get(data.get("service") or 0)
        if contract is not None and service is not None and service.contract_id != contract.pk:
            self.add_error("service", f"{service.code} {service.name} is not a service of "
                                      f"{contract.code}: choose one of its services.")
        elif service is not None:
            data["service"] = service
        member = data.get("member")
        if isinstance(member, Member) and contract is not None \
                and contract.payer_id != member.plan_id:
            self.add_error("contract", f"{contract.code} is paid by {contract.payer.name}; "
                                       f"{member.first_name} {member.last_name} is a member of "
                                       f"{member.plan.name}.")
        if "organisation" in self.fields:
            chosen = data.get("organisation")
            data["organisation"] = self.cbos.get(chosen) if chosen else None
            if chosen and not (data.get("override_reason") or "").strip():
                self.add_error("override_reason", "Say why you chose this organisation "
                                                  "instead of routing.")
        return data


class RouteFromQueueForm(forms.Form):
    """Route a held referral again, or hand it to a CBO the coordinator chooses."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    organisation = forms.TypedChoiceField(label="Organisation", required=False, coerce=int,
                                          empty_value=None)
    reason = forms.CharField(label="Why this organisation", required=False, max_length=300)

    def __init__(self, *args: Any, cbos: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cbos = {o.pk: o for o in cbos}
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Route again")] + [(o.pk, o.name) for o in cbos]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("organisation")
        data["organisation"] = self.cbos.get(chosen) if chosen else None
        if chosen and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why you chose this organisation instead of routing.")
        return data


class RerouteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    organisation = forms.TypedChoiceField(label="Move to", coerce=int)
    reason = forms.CharField(label="Why", max_length=300,
                             error_messages={"required": "Say why the referral moves (reason)."})

    def __init__(self, *args: Any, cbos: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cbos = {o.pk: o for o in cbos}
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.pk, o.name) for o in cbos]
