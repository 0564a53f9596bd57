"""Reporting URLs: each area keeps its own list."""

from carehub.reporting import urls_joc, urls_readiness, urls_roi, urls_scorecard, urls_voice

app_name = "reporting"
urlpatterns = [*urls_scorecard.urlpatterns, *urls_joc.urlpatterns, *urls_roi.urlpatterns,
               *urls_voice.urlpatterns, *urls_readiness.urlpatterns]
