"""carehub's Django admin: behind carehub's own sign-in, audited, without member data.

- Signing in happens only on carehub's sign-in page (lockout, second factor); the
  admin's own login form is replaced by a redirect there.
- A page of the admin needs an active staff user verified with a second factor.
- Every registered model admin is made audited: list and change pages write `view`
  events, adds, changes and deletes write `create`, `update`, `delete` events with the
  changed fields (names only, never values).
- Member data (a member or anything that points at one) cannot be registered.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from carehub.audit import services as audit

_CHANGED = "_carehub_admin_changed_fields"


def points_at_member(model: type[models.Model], depth: int = 4, seen: set[Any] | None = None) -> bool:
    """Whether rows of `model` are about a member: the member itself, or a foreign key
    (directly or through a few parents) to one."""
    seen = seen if seen is not None else set()
    if model._meta.label_lower == "members.member":
        return True
    if depth == 0 or model in seen:
        return False
    seen.add(model)
    for field in model._meta.get_fields():
        if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one):
            target = field.related_model
            if isinstance(target, type) and points_at_member(target, depth - 1, seen):
                return True
    return False


def _fields_from_message(message: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Changed field labels and inline changes from Django's structured change message,
    leaving out the inline objects' names."""
    fields: list[str] = []
    inlines: list[dict[str, Any]] = []
    for part in message if isinstance(message, list) else []:
        for kind, info in part.items():
            if not isinstance(info, dict):
                continue
            if "name" in info:
                inlines.append({"action": kind, "model": str(info["name"]),
                                "fields": [str(f) for f in info.get("fields", [])]})
            else:
                fields.extend(str(f) for f in info.get("fields", []))
    return fields, inlines


class AuditedAdminMixin(BaseModelAdmin):
    """Added in front of every model admin registered on the carehub site.

    A model admin may set `audit_object_type` (the model's label otherwise) and define
    `audit_detail(obj)` returning extra, non-personal facts for its events. They are
    looked up, not defined here, because this class comes first in the order.
    """

    def _object_type(self) -> str:
        return getattr(self, "audit_object_type", "") or self.opts.label_lower

    def _extra(self, obj: Any) -> dict[str, Any]:
        detail_of = getattr(self, "audit_detail", None)
        return dict(detail_of(obj)) if callable(detail_of) else {}

    def _record(self, request: HttpRequest, action: str, object_id: Any = "", **detail: Any) -> None:
        audit.record(action, request=request, object_type=self._object_type(),
                     object_id=str(object_id), detail={"via": "admin", **detail})

    # Reads -------------------------------------------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            cl = (getattr(response, "context_data", None) or {}).get("cl")
            self._record(request, "view", page="list", query=request.GET.urlencode()[:300],
                         rows=getattr(cl, "result_count", None))
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: Any = None) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            self._record(request, "view", object_id, page="change")
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        if response.status_code == 200:
            self._record(request, "view", object_id, page="history")
        return response

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        response = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            self._record(request, "view", object_id, page="delete_confirmation")
        return response

    # Writes ------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        setattr(request, _CHANGED, sorted(form.changed_data))
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def _write(self, request: HttpRequest, action: str, obj: Any, message: Any) -> None:
        labels, inlines = _fields_from_message(message)
        fields = request.__dict__.pop(_CHANGED, None)
        detail: dict[str, Any] = {"fields": fields if fields is not None else labels}
        if inlines:
            detail["inlines"] = inlines
        self._record(request, action, obj.pk, **detail, **self._extra(obj))

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        self._write(request, "create", obj, message)
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        self._write(request, "update", obj, message)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called just before the rows go, in the same transaction as the delete view's.
        objs = list(queryset)
        entries = super().log_deletions(request, objs)  # type: ignore[misc]
        for obj in objs:
            self._record(request, "delete", obj.pk, **self._extra(obj))
        return entries


class NoWrites:
    """Admin permissions that allow reading only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Shown, never changed here: the product's own pages and services write these."""


class ReadOnlyInline(NoWrites, admin.TabularInline):
    extra = 0


class CarehubAdminSite(admin.AdminSite):
    site_header = "carehub platform administration"
    site_title = "carehub admin"
    index_title = "Reference configuration and platform accounts"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        verified = getattr(user, "is_verified", None)
        return bool(user.is_active and user.is_staff and callable(verified) and verified())

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """No password form here: carehub's sign-in (lockout, second factor) is the only one."""
        if request.user.is_authenticated:
            # Signed in but not staff: the admin is not theirs, and is not disclosed.
            raise Http404("Not found")
        nxt = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(nxt, reverse("accounts:login"))

    def password_change(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().password_change(request, extra_context)
        if request.method == "POST" and response.status_code == 302:
            audit.record("update", request=request, object_type="user", object_id=str(request.user.pk),
                         detail={"via": "admin", "fields": ["password"]})
        return response

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        models_: list[Any] = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models_:
            if points_at_member(model):
                raise ImproperlyConfigured(
                    f"{model._meta.label} holds member data, which is kept out of the admin"
                )
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(admin_class.__name__, (AuditedAdminMixin, admin_class),
                               {"__module__": admin_class.__module__})
        for inline in getattr(admin_class, "inlines", []):
            if points_at_member(inline.model):
                raise ImproperlyConfigured(
                    f"{inline.model._meta.label} holds member data, which is kept out of the admin"
                )
        super().register(models_, admin_class, **options)


site = CarehubAdminSite(name="admin")
