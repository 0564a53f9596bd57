from django.urls import path

from carehub.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.verify_view, name="verify"),
    path("login/enrol/", views.enrol_view, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("switch/", views.switch_view, name="switch"),
    path("security/", views.security_view, name="security"),
    path("security/replace/", views.security_replace_view, name="security_replace"),
    path("security/new/", views.security_new_view, name="security_new"),
    path("people/<int:pk>/second-factor/", views.reset_view, name="reset"),
]
