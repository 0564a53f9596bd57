from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from carehub.audit import services as audit
from carehub.contracts.models import ChecklistItem, Contract, TermsVersion
from carehub.network.changes import changed_fields


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """Reference data: which provisions are required before implementation.

    The checklist gates every contract's move to implementation, so each change made
    here is audited like any other write.
    """

    list_display = ("position", "section", "group", "text", "rule", "required", "has_due_date")
    list_editable = ("required",)
    ordering = ("position",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = changed_fields(obj) if change else []
        super().save_model(request, obj, form, change)
        audit.record("update" if change else "create", request=request,
                     object_type="checklist_item", object_id=str(obj.pk),
                     detail={"fields": fields, "rule": obj.rule, "required": obj.required})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        pk, rule = str(obj.pk), obj.rule
        super().delete_model(request, obj)
        audit.record("delete", request=request, object_type="checklist_item", object_id=pk,
                     detail={"rule": rule})

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        rows = list(queryset.values_list("pk", "rule"))
        super().delete_queryset(request, queryset)
        for pk, rule in rows:
            audit.record("delete", request=request, object_type="checklist_item",
                         object_id=str(pk), detail={"rule": rule})


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "payer", "provider", "stage", "starts", "ends")


admin.site.register(TermsVersion)
