from django.urls import path

from carehub.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.organisation_list, name="organisations"),
    path("network/", views.network_update, name="network_update"),
    path("network/invite/", views.network_invite, name="network_invite"),
    path("networks/", views.cbo_networks, name="cbo_networks"),
    path("networks/<int:pk>/decide/", views.invitation_decide, name="invitation_decide"),
    path("new/", views.organisation_new, name="organisation_new"),
    path("<int:pk>/", views.organisation_detail, name="organisation"),
    path("<int:pk>/users/new/", views.user_new, name="user_new"),
    path("memberships/<int:pk>/toggle/", views.membership_toggle, name="membership_toggle"),
]
