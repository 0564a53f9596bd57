from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from carehub.accounts.models import LoginThrottle, User

admin.site.register(User, UserAdmin)


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("username", "failures", "locked_until", "last_failure_at")
