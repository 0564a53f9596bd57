"""Community voice URLs (mounted under /reporting/)."""

from django.urls import URLPattern, path

from carehub.reporting.views import voice as views
from carehub.reporting.views import voice_feedback as feedback

urlpatterns: list[URLPattern] = [
    path("voice/", views.council_list, name="voice"),
    path("voice/councils/new/", views.council_create, name="voice_council_create"),
    path("voice/councils.<str:fmt>", views.councils_download, name="voice_councils_download"),
    path("voice/councils/<int:pk>/", views.council_detail, name="voice_council"),
    path("voice/councils/<int:pk>/members/", views.council_member_add,
         name="voice_council_member_add"),
    path("voice/councils/<int:pk>/members/<int:member>/leave/", views.council_member_leave,
         name="voice_council_member_leave"),
    path("voice/councils/<int:pk>/meetings/", views.meeting_add, name="voice_meeting_add"),
    path("voice/councils/<int:pk>/members.<str:fmt>", views.council_members_download,
         name="voice_council_members_download"),
    path("voice/councils/<int:pk>/meetings.<str:fmt>", views.council_meetings_download,
         name="voice_council_meetings_download"),
    path("voice/feedback/", feedback.feedback_list, name="voice_feedback"),
    path("voice/feedback/new/", feedback.feedback_create, name="voice_feedback_create"),
    path("voice/feedback.<str:fmt>", feedback.feedback_download, name="voice_feedback_download"),
    path("voice/feedback/<int:pk>/", feedback.feedback_item, name="voice_feedback_item"),
    path("voice/feedback/<int:pk>/disposition/", feedback.feedback_disposition,
         name="voice_feedback_disposition"),
    path("voice/feedback/<int:pk>/answer/", feedback.feedback_answer,
         name="voice_feedback_answer"),
    path("voice/touch-points/", views.touch_points, name="voice_touch_points"),
    path("voice/touch-points/new/", views.touch_point_create, name="voice_touch_point_create"),
    path("voice/touch-points.<str:fmt>", views.touch_points_download,
         name="voice_touch_points_download"),
]
