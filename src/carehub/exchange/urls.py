"""Exchange URLs: each area keeps its own list."""

from carehub.exchange import urls_deliveries, urls_export

app_name = "exchange"
urlpatterns = [*urls_deliveries.urlpatterns, *urls_export.urlpatterns]
