"""Due dates for every open state, and the index behind each role's escalation queue.

The data step gives every open referral without a due time the one its state now has
(`carehub.referrals.due.due_for`), counted from when it entered that state (its latest
timeline row into the state; its creation when there is none). Referrals left for months
in a state with no due time (contacted, before this change) thereby show as overdue.
Due times already set (the contract's contact or service-start timing) are kept.
"""

from django.db import migrations, models
from django.db.models import Max

from carehub.referrals.due import ServiceTiming, due_for

OPEN = ["assigned", "outreach", "contacted", "screened", "accepted", "declined", "enrolled",
        "in_service"]


def _timing(apps, code, service_code, cache):
    key = (code, service_code)
    if key in cache:
        return cache[key]
    Contract = apps.get_model("contracts", "Contract")
    ContractParty = apps.get_model("contracts", "ContractParty")
    ServiceDefinition = apps.get_model("contracts", "ServiceDefinition")
    timing = ServiceTiming()
    # In effect: its payer and its provider have both accepted (contracts.selectors).
    accepted = ContractParty.objects.filter(status="accepted")
    contract = (Contract.objects.filter(code=code)
                .filter(pk__in=accepted.filter(role="payer").values("contract_id"))
                .filter(pk__in=accepted.filter(role="provider").values("contract_id"))
                .first()) if code else None
    if contract is not None:
        definition = ServiceDefinition.objects.filter(contract=contract, code=service_code).first()
        if definition is not None:
            timing = ServiceTiming(definition.timing_hours, definition.timing_anchor or "referral",
                                   definition.max_duration_days or None)
    cache[key] = timing
    return timing


def set_due_dates(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralEvent = apps.get_model("referrals", "ReferralEvent")
    cache = {}
    for referral in Referral.objects.filter(state__in=OPEN, due_at__isnull=True).iterator():
        entered = (ReferralEvent.objects.filter(referral_id=referral.pk, to_state=referral.state)
                   .aggregate(at=Max("at"))["at"]) or referral.created_at
        due = due_for(referral.state, entered=entered, created=referral.created_at,
                      timing=_timing(apps, referral.contract_code, referral.service_code, cache),
                      anchor_date=referral.anchor_date, enrolled_on=referral.enrolled_on)
        Referral.objects.filter(pk=referral.pk).update(due_at=due)


class Migration(migrations.Migration):

    dependencies = [
        ("referrals", "0005_routing"),
        ("contracts", "0006_contract_ends_on_or_after_start"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["role", "resolved_at", "due_at"], name="escalation_queue"),
        ),
        migrations.RunPython(set_due_dates, migrations.RunPython.noop),
    ]
