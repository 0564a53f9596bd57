from django.contrib import admin

from carehub.audit.admin_site import ReadOnlyAdmin, site
from carehub.network.models import Location, OrganisationProfile, Service, ServiceType


@admin.register(ServiceType, site=site)
class ServiceTypeAdmin(admin.ModelAdmin):
    """Reference data shared by every network."""

    list_display = ("slug", "name", "position")
    ordering = ("position",)


@admin.register(Service, site=site)
class ServiceAdmin(ReadOnlyAdmin):
    """Each organisation keeps its own services on the directory pages."""

    list_display = ("name", "organisation", "service_type", "capacity_status", "verified_at")
    list_filter = ("service_type", "capacity_status")


site.register(Location, ReadOnlyAdmin)
site.register(OrganisationProfile, ReadOnlyAdmin)
