"""Exchange URLs: an organisation's export of all its own records."""

from django.urls import URLPattern, path

from carehub.exchange.views import export

urlpatterns: list[URLPattern] = [
    path("export/", export.export_list, name="export"),
    path("export/start/", export.export_start, name="export_start"),
    path("export/<uuid:pk>/download/", export.export_download, name="export_download"),
    path("export/<uuid:pk>/delete/", export.export_delete, name="export_delete"),
]
