from django.urls import path

from carehub.network import views

app_name = "network"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("services/new/", views.service_edit, name="service_new"),
    path("services/<uuid:pk>/", views.service_detail, name="service"),
    path("services/<uuid:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<uuid:pk>/capacity/", views.capacity, name="capacity"),
    path("sites/", views.sites, name="sites"),
    path("sites/new/", views.site_edit, name="site_new"),
    path("sites/<uuid:pk>/edit/", views.site_edit, name="site_edit"),
]
