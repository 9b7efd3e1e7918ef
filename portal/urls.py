from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox_read_all"),
    path("inbox/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("tasks/", views.tasks, name="tasks"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("audit/", views.audit_log, name="audit_log"),
]
