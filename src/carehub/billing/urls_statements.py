"""Billing URLs: statements (mounted under /billing/)."""

from django.urls import path

from carehub.billing.views import statements as views

urlpatterns: list = [
    path("statements/", views.statement_list, name="statements"),
    path("statements/settle/", views.settle, name="statement_settle"),
    path("statements/mlr/", views.mlr, name="statement_mlr"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/statement.<str:fmt>", views.statement_download,
         name="statement_download"),
    path("statements/<int:pk>/member-lines.csv", views.member_lines_download,
         name="statement_member_lines"),
]
