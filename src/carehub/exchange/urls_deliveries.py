"""Exchange URLs: data sets and deliveries."""

from django.urls import URLPattern, path

from carehub.exchange.views import deliveries as views

urlpatterns: list[URLPattern] = [
    path("contracts/<str:code>/data-sets/", views.data_sets, name="data_sets"),
    path("data-sets/<int:pk>/", views.data_set, name="data_set"),
    path("data-sets/<int:pk>/edit/", views.data_set_edit, name="data_set_edit"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery, name="delivery"),
    path("deliveries/<int:pk>/receipt.csv", views.delivery_receipt, name="delivery_receipt"),
    path("deliveries/<int:pk>/file/", views.delivery_file, name="delivery_file"),
]
