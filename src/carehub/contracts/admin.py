from typing import Any

from django.contrib import admin

from carehub.audit.admin_site import ReadOnlyAdmin, site
from carehub.contracts.models import ChecklistItem, Contract, TermsVersion


@admin.register(ChecklistItem, site=site)
class ChecklistItemAdmin(admin.ModelAdmin):
    """Reference data: which provisions are required before implementation.

    The checklist gates every contract's move to implementation; each change made here
    is audited (the site audits every admin write) with the row's rule.
    """

    audit_object_type = "checklist_item"
    list_display = ("position", "section", "group", "text", "rule", "required", "has_due_date")
    list_editable = ("required",)
    ordering = ("position",)

    def audit_detail(self, obj: Any) -> dict[str, Any]:
        return {"rule": obj.rule, "required": obj.required}


@admin.register(Contract, site=site)
class ContractAdmin(ReadOnlyAdmin):
    """Contracts change only through their lifecycle pages (both parties, audited)."""

    list_display = ("code", "name", "payer", "provider", "stage", "starts", "ends")


site.register(TermsVersion, ReadOnlyAdmin)
