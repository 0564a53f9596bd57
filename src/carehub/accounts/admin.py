from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from carehub.accounts.models import LoginThrottle, User
from carehub.audit.admin_site import site

# Platform accounts: staff flags are set here, audited. Second-factor devices are not
# shown (their keys would let a reader produce codes); a lost device is reset with
# `carehub reset_second_factor USERNAME` or by the user's hub administrator.
site.register(User, UserAdmin)


@admin.register(LoginThrottle, site=site)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Deleting a row (or clearing `locked until`) lifts a lockout early; audited."""

    list_display = ("key", "failures", "first_failure_at", "last_failure_at", "locked_until")
    search_fields = ("key",)
    search_help_text = "Type the username: rows are kept under a hash of it."

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        from carehub.accounts.services import throttle_key

        if not search_term:
            return queryset, False
        return queryset.filter(key=throttle_key(search_term)), False
