"""Sent when a job ends (any status); notifications listen to tell the person."""

from django.dispatch import Signal

job_finished = Signal()  # kwargs: job
