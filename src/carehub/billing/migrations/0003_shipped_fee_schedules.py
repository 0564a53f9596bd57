"""The fee schedules shipped in core/billing/schedules/ as rows (owner empty): CalAIM
Community Supports, NC Healthy Opportunities, Medicare CHI. Re-running changes nothing.
A row whose programme gives no start date is stored without one."""

from django.db import migrations


def load_shipped(apps, schema_editor):  # type: ignore[no-untyped-def]
    from carehub.core.billing.fee_schedule import SCHEDULES_DIR, shipped_schedules

    FeeSchedule = apps.get_model("billing", "FeeSchedule")
    FeeScheduleRow = apps.get_model("billing", "FeeScheduleRow")
    for name, schedule in shipped_schedules().items():
        found, _ = FeeSchedule.objects.get_or_create(
            owner=None, name=name,
            defaults={"description": "shipped with carehub",
                      "source_filename": f"{SCHEDULES_DIR.name}/{name}.csv"})
        if FeeScheduleRow.objects.filter(schedule=found).exists():
            continue
        FeeScheduleRow.objects.bulk_create([FeeScheduleRow(
            schedule=found, position=position, service=row.service[:200], code=row.code,
            modifiers=" ".join(row.modifiers), unit=row.unit[:60], rate=row.rate,
            effective=row.effective, ends=row.ends, per_day=row.per_day,
            per_period=row.per_period, per_episode=row.per_episode,
            verification=row.verification[:200], source=row.source[:400], notes=row.notes[:400])
            for position, row in enumerate(schedule.rows, start=1)])


def unload_shipped(apps, schema_editor):  # type: ignore[no-untyped-def]
    FeeSchedule = apps.get_model("billing", "FeeSchedule")
    FeeSchedule.objects.filter(owner__isnull=True, description="shipped with carehub").delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_row_level_security")]
    operations = [migrations.RunPython(load_shipped, unload_shipped)]
