"""FHIR URLs: the referral workflow (Task, ServiceRequest, Procedure) and the
transaction/batch Bundle at the base. Ids follow FHIR's id rule ([A-Za-z0-9-.]{1,64})."""

from django.urls import URLPattern, path, register_converter

from carehub.fhir.views import tasks as views


class LogicalId:
    """A FHIR logical id (R4 datatypes: id)."""

    regex = r"[A-Za-z0-9\-\.]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LogicalId, "fhir_task_id")

urlpatterns: list[URLPattern] = [
    path("", views.root, name="root"),
    path("Task", views.task_type, name="task-type"),
    path("Task/<fhir_task_id:logical_id>", views.task_instance, name="task"),
    path("ServiceRequest", views.service_request_type, name="service-request-type"),
    path("ServiceRequest/<fhir_task_id:logical_id>", views.service_request_instance,
         name="service-request"),
    path("Procedure", views.procedure_type, name="procedure-type"),
    path("Procedure/<fhir_task_id:logical_id>", views.procedure_instance, name="procedure"),
]
