"""ROI and renewal review URLs (under /reporting/)."""

from django.urls import URLPattern, path

from carehub.reporting.views import renewal, roi

urlpatterns: list[URLPattern] = [
    path("roi/", roi.roi_home, name="roi"),
    path("roi/runs/<int:pk>/", roi.roi_run, name="roi_run"),
    path("roi/runs/<int:pk>/roi.<str:fmt>", roi.roi_export, name="roi_export"),
    path("roi/<str:code>/", roi.roi_contract, name="roi_contract"),
    path("roi/<str:code>/run/", roi.roi_start, name="roi_start"),
    path("roi/<str:code>/measures/", roi.measure_add, name="roi_measure_add"),
    path("roi/<str:code>/social.<str:fmt>", roi.social_export, name="roi_social_export"),
    path("renewal/", renewal.renewal_home, name="renewal"),
    path("renewal/<str:code>/", renewal.renewal_contract, name="renewal_contract"),
]
