"""Reporting URLs: each area keeps its own list."""

from django.urls import path

from carehub.reporting import urls_joc, urls_readiness, urls_roi, urls_scorecard, urls_voice
from carehub.reporting.views.index import index

app_name = "reporting"
urlpatterns = [path("", index, name="index"), *urls_scorecard.urlpatterns, *urls_joc.urlpatterns,
               *urls_roi.urlpatterns, *urls_voice.urlpatterns, *urls_readiness.urlpatterns]
