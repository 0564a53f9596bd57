"""Billing URLs: member-level lines, the CBO page, the hub console, submissions and fee
schedules."""

from django.urls import path

from carehub.billing.views import cbo, fee_schedules, hub

urlpatterns: list = [
    path("cbo/", cbo.cbo_billing, name="cbo"),
    path("cbo/line/<int:pk>/correct/", cbo.cbo_correct, name="cbo_correct"),
    path("hub/", hub.hub_console, name="hub"),
    path("hub/build/", hub.hub_build, name="hub_build"),
    path("hub/submit/", hub.hub_submit, name="hub_submit"),
    path("submission/<int:pk>/837p/", hub.submission_837p, name="submission_837p"),
    path("submission/<int:pk>/lines.csv", hub.submission_csv, name="submission_csv"),
    path("invoice/<int:pk>.pdf", hub.invoice_pdf, name="invoice_pdf"),
    path("invoice/<int:pk>.csv", hub.invoice_csv, name="invoice_csv"),
    path("fee-schedules/", fee_schedules.schedule_list, name="fee_schedules"),
    path("fee-schedules/<int:pk>/", fee_schedules.schedule_detail, name="fee_schedule"),
    path("fee-schedules/upload/", fee_schedules.schedule_upload, name="fee_schedule_upload"),
    path("fee-schedules/contract/", fee_schedules.contract_schedule, name="contract_schedule"),
]
