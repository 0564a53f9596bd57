from django.contrib import admin

from carehub.members.models import EnrolmentSpan, Member


class EnrolmentSpanInline(admin.TabularInline):
    model = EnrolmentSpan
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("member_id", "last_name", "first_name", "plan", "product", "county")
    list_filter = ("product", "plan")
    search_fields = ("member_id", "last_name")
    inlines = [EnrolmentSpanInline]
