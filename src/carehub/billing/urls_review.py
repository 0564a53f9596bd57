"""Billing URLs: the payer's review, 835 remittance and payouts to CBOs."""

from django.urls import path

from carehub.billing.views import payer, payouts, remittance

urlpatterns: list = [
    path("review/", payer.queue, name="review"),
    path("review/approve/", payer.bulk, name="review_bulk"),
    path("review/turnaround/", payer.turnaround, name="review_turnaround"),
    path("review/<int:pk>/", payer.bill, name="review_bill"),
    path("questions/", payer.questions, name="questions"),
    path("questions/<int:pk>/answer/", payer.answer, name="question_answer"),
    path("remittance/", remittance.remittances, name="remittance"),
    path("remittance/<int:pk>/", remittance.remittance, name="remittance_detail"),
    path("remittance/for-approved-bills/", remittance.export, name="remittance_export"),
    path("payouts/", payouts.payouts, name="payouts"),
    path("payouts/<int:pk>/", payouts.payout, name="payout"),
    path("payouts/<int:pk>/advice.<str:fmt>", payouts.payout_file, name="payout_file"),
]
