"""Joint operating committee URLs (under /reporting/, namespace reporting)."""

from django.urls import path

from carehub.reporting.views import joc as views
from carehub.reporting.views import joc_pack as pack_views

urlpatterns = [
    path("joc/", views.committees, name="joc_committees"),
    path("joc/<int:pk>/", views.committee_detail, name="joc_committee"),
    path("joc/meetings/<int:pk>/", views.meeting_redirect, name="joc_meeting"),
    path("joc/meetings/<int:pk>/prepare/", views.prepare, name="joc_prepare"),
    path("joc/meetings/<int:pk>/hold/", views.hold, name="joc_hold"),
    path("joc/meetings/<int:pk>/actions/<int:item>/close/", views.close_action,
         name="joc_action_close"),
    path("joc/meetings/<int:pk>/conference/<int:entry>/", views.conference_note,
         name="joc_conference_note"),
    path("joc/meetings/<int:pk>/send/", views.send, name="joc_send"),
    path("joc/meetings/<int:pk>/pack/", pack_views.pack, name="joc_pack"),
    path("joc/meetings/<int:pk>/pack/pdf/", pack_views.pack_pdf_start, name="joc_pack_start"),
    path("joc/meetings/<int:pk>/pack.pdf", pack_views.pack_pdf, name="joc_pack_pdf"),
    path("joc/meetings/<int:pk>/actions.<str:fmt>", pack_views.actions_download,
         name="joc_actions_download"),
    path("joc/meetings/<int:pk>/barriers.<str:fmt>", pack_views.barriers_download,
         name="joc_barriers_download"),
]
