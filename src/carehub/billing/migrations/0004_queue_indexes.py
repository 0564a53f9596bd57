# The payer's review queue at a million lines: sorted by amount, and filtered to bills
# with edit notes (few lines carry notes: a partial index keeps that filter cheap).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0003_shipped_fee_schedules"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["payer", "status", "amount"], name="bill_queue_amount"),
        ),
        migrations.AddIndex(
            model_name="billline",
            index=models.Index(condition=models.Q(("failures", []), _negated=True),
                               fields=["bill"], name="billline_noted"),
        ),
    ]
