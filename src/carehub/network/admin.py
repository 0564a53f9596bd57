from django.contrib import admin

from carehub.network.models import Location, OrganisationProfile, Service, ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "position")
    ordering = ("position",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "service_type", "capacity_status", "verified_at")
    list_filter = ("service_type", "capacity_status")


admin.site.register(Location)
admin.site.register(OrganisationProfile)
