"""Billing URLs: each area keeps its own list (statements, claims, review)."""

from carehub.billing import urls_claims, urls_review, urls_statements

app_name = "billing"
urlpatterns = [*urls_statements.urlpatterns, *urls_claims.urlpatterns, *urls_review.urlpatterns]
