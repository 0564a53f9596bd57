from django.contrib import admin

from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation


class NetworkMemberInline(admin.TabularInline):
    model = NetworkMember
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "npi", "tin", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "legal_name", "npi")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "hub", "admin_fee_percent")
    inlines = [NetworkMemberInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "is_active")
    list_filter = ("role", "organisation")
