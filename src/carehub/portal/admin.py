from django.contrib import admin

from carehub.audit.admin_site import ReadOnlyAdmin, ReadOnlyInline, site
from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation


class NetworkMemberInline(ReadOnlyInline):
    model = NetworkMember


@admin.register(Organisation, site=site)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "npi", "tin", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "legal_name", "npi")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Network, site=site)
class NetworkAdmin(ReadOnlyAdmin):
    """A network's CBOs join and leave only when both sides accept, on the product's pages."""

    list_display = ("name", "hub", "admin_fee_percent")
    inlines = [NetworkMemberInline]


@admin.register(Membership, site=site)
class MembershipAdmin(admin.ModelAdmin):
    """Platform staff may grant the first hub administrator of a new hub here; audited."""

    list_display = ("user", "organisation", "role", "is_active")
    list_filter = ("role", "organisation")
