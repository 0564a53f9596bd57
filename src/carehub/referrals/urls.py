from django.urls import path

from carehub.referrals import views, views_routing

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("team/", views.supervisor, name="supervisor"),
    path("hub/", views.coordinator, name="coordinator"),
    path("plan/", views.plan_view, name="plan"),
    path("plan/progress.csv", views.plan_export, name="plan_export"),
    path("plan/refer/", views_routing.plan_refer, name="plan_refer"),
    path("hub/new/", views_routing.new_referral, name="new"),
    path("hub/needs-routing/", views_routing.needs_routing, name="needs_routing"),
    path("<int:pk>/route/", views_routing.route_queued, name="route_queued"),
    path("pickers/members/", views_routing.member_search, name="member_search"),
    path("pickers/services/", views_routing.contract_services, name="contract_services"),
    path("upload/", views.upload, name="upload"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/attempt/", views.attempt, name="attempt"),
    path("<int:pk>/screening/", views.screening, name="screening"),
    path("<int:pk>/service/", views.service, name="service"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/funds/", views.funds, name="funds"),
    path("<int:pk>/pathway/", views.pathway, name="pathway"),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/reroute/", views_routing.reroute, name="reroute"),
    path("step/<int:pk>/done/", views.step_done, name="step_done"),
    path("escalation/<int:pk>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("member/<int:pk>/", views.member_page, name="member"),
    path("member/<int:pk>/consent/", views.consent_add, name="consent_add"),
    path("member/<int:pk>/contact/", views.contact_update, name="contact"),
    path("consent/<int:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
]
