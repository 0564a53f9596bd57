from django.urls import path

from carehub.referrals import leaving_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("team/", views.supervisor, name="supervisor"),
    path("hub/", views.coordinator, name="coordinator"),
    path("plan/", views.plan_view, name="plan"),
    path("plan/progress.csv", views.plan_export, name="plan_export"),
    path("plan/refer/", views.plan_refer, name="plan_refer"),
    path("upload/", views.upload, name="upload"),
    path("leaving/", leaving_views.leaving_page, name="leaving"),
    path("leaving/<int:departure>/<int:pk>/", leaving_views.leaving_choice,
         name="leaving_choice"),
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
    path("<int:pk>/reroute/", views.reroute, name="reroute"),
    path("step/<int:pk>/done/", views.step_done, name="step_done"),
    path("escalation/<int:pk>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("member/<int:pk>/", views.member_page, name="member"),
    path("member/<int:pk>/consent/", views.consent_add, name="consent_add"),
    path("member/<int:pk>/contact/", views.contact_update, name="contact"),
    path("consent/<int:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
]
