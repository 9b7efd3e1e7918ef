from django.urls import path

from . import otp, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/setup/", otp.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", otp.otp_verify, name="otp_verify"),
    path("accounts/password/change/", otp.PasswordChangeView.as_view(), name="password_change"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
    path("inbox/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("tasks/", views.tasks, name="tasks"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("organizations/suggest/", views.organization_suggest, name="organization_suggest"),
    path("audit/", views.audit_log, name="audit_log"),
    path("webhooks/deliveries/", views.webhook_deliveries, name="webhook_deliveries"),
    path("webhooks/deliveries/<int:pk>/replay/", views.webhook_replay, name="webhook_replay"),
]
