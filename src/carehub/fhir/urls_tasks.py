"""FHIR URLs: the referral workflow (Task, ServiceRequest, Procedure) and the
transaction/batch Bundle at the base. Ids follow FHIR's id rule ([A-Za-z0-9-.]{1,64})."""

from django.urls import URLPattern, path, re_path

from carehub.fhir.views import tasks as views

ID = r"(?P<logical_id>[A-Za-z0-9\-\.]{1,64})"

urlpatterns: list[URLPattern] = [
    path("", views.root, name="root"),
    path("Task", views.task_type, name="task-type"),
    re_path(rf"^Task/{ID}$", views.task_instance, name="task"),
    path("ServiceRequest", views.service_request_type, name="service-request-type"),
    re_path(rf"^ServiceRequest/{ID}$", views.service_request_instance, name="service-request"),
    path("Procedure", views.procedure_type, name="procedure-type"),
    re_path(rf"^Procedure/{ID}$", views.procedure_instance, name="procedure"),
]
