from django.contrib import admin

from carehub.contracts.models import ChecklistItem, Contract, TermsVersion


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """Reference data: which provisions are required before implementation."""

    list_display = ("position", "section", "group", "text", "rule", "required", "has_due_date")
    list_editable = ("required",)
    ordering = ("position",)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "payer", "provider", "stage", "starts", "ends")


admin.site.register(TermsVersion)
