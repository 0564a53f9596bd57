from django.urls import URLPattern, path

from carehub.reporting.views import readiness as views
from carehub.reporting.views import readiness_library as library

urlpatterns: list[URLPattern] = [
    path("readiness/", views.index, name="readiness"),
    path("readiness/readiness.<str:fmt_name>", views.index_download, name="readiness_download"),
    path("readiness/cbo/<int:pk>/", views.cbo_detail, name="readiness_cbo"),
    path("readiness/cbo/<int:pk>/<str:table>.<str:fmt_name>", views.cbo_download,
         name="readiness_cbo_download"),
    path("readiness/cbo/<int:pk>/assess/", views.assess, name="readiness_assess"),
    path("readiness/cbo/<int:pk>/tasks/", views.task_add, name="readiness_task_add"),
    path("readiness/cbo/<int:pk>/fund/", views.fund_new, name="readiness_fund_new"),
    path("readiness/assessment/<int:pk>/", views.assessment_detail,
         name="readiness_assessment"),
    path("readiness/task/<int:pk>/status/", views.task_status, name="readiness_task_status"),
    path("readiness/fund/<int:pk>/", views.fund_detail, name="readiness_fund"),
    path("readiness/fund/<int:pk>/milestones.<str:fmt_name>", views.fund_download,
         name="readiness_fund_download"),
    path("readiness/contract/<str:code>/", views.contract_readiness,
         name="readiness_contract"),
    path("readiness/contract/<str:code>/readiness.<str:fmt_name>", views.contract_download,
         name="readiness_contract_download"),
    path("resources/", library.library, name="resources"),
    path("resources/add/", library.library_add, name="resource_add"),
    path("resources/library.<str:fmt_name>", library.library_download,
         name="resources_download"),
    path("resources/<int:pk>/", library.document_detail, name="resource"),
    path("resources/<int:pk>/download/", library.document_download, name="resource_download"),
    path("resources/shipped/<slug:key>/", library.shipped_detail, name="resource_shipped"),
    path("resources/shipped/<slug:key>/download/", library.shipped_download,
         name="resource_shipped_download"),
]
