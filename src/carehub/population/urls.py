from django.urls import path

from carehub.population import views

app_name = "population"
urlpatterns = [
    path("", views.index, name="index"),
    path("datasets/upload/", views.dataset_upload, name="dataset_upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("criteria/new/", views.criteria_new, name="criteria_new"),
    path("criteria/preview/", views.criteria_preview, name="criteria_preview"),
    path("criteria/<int:pk>/", views.criteria_detail, name="criteria"),
    path("criteria/<int:pk>/edit/", views.criteria_edit, name="criteria_edit"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/again/", views.run_again, name="run_again"),
    path("runs/<int:pk>/compare/", views.run_compare, name="run_compare"),
    path("runs/<int:pk>/hand/", views.handoff, name="handoff_start"),
    path("runs/<int:pk>/hand/pickers/", views.handoff_pickers, name="handoff_pickers"),
    path("handoffs/<int:pk>/", views.handoff_detail, name="handoff"),
]
