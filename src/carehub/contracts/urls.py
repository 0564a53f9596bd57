from django.urls import path

from carehub.contracts import plan_views, views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("new/", views.contract_new, name="new"),
    path("plan-network/", plan_views.plan_directory_page, name="plan_directory"),
    path("credentials/", views.credentials, name="credentials"),
    path("credentials/<int:pk>/", views.credential_edit, name="credential_edit"),
    path("<str:code>/", views.contract_detail, name="detail"),
    path("<str:code>/scope/", views.scope_edit, name="scope"),
    path("<str:code>/edit/", views.contract_edit, name="edit"),
    path("<str:code>/decide/", views.contract_decide, name="decide"),
    path("<str:code>/withdraw/", views.contract_withdraw, name="withdraw"),
    path("<str:code>/hub-uploads/", views.hub_uploads, name="hub_uploads"),
    path("<str:code>/checklist/", views.checklist_page, name="checklist"),
    path("<str:code>/stage/", views.stage_move, name="stage"),
    path("<str:code>/tasks/", views.task_add, name="task_add"),
    path("<str:code>/tasks/<int:pk>/", views.task_done, name="task_done"),
    path("<str:code>/tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("<str:code>/terms/", views.terms_page, name="terms"),
]
