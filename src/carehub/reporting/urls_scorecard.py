from django.urls import URLPattern, path

from carehub.reporting.views import scorecard as views

urlpatterns: list[URLPattern] = [
    path("scorecard/", views.index, name="scorecards"),
    path("scorecard/<str:code>/", views.scorecard, name="scorecard"),
    path("scorecard/<str:code>/members/", views.members, name="scorecard_members"),
    path("scorecard/<str:code>/download/<str:table>.<str:fmt>", views.download,
         name="scorecard_download"),
    path("measures/", views.measures, name="measures"),
]
