"""URLs of the officials' cockpit, the enterprise home page and the background exports."""

from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("data.json", views.cockpit_data, name="data"),
    path("export/<slug:table>.xlsx", views.cockpit_export, name="export"),
    path("enterprise/", views.enterprise_home, name="enterprise_home"),
    path("exports/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
