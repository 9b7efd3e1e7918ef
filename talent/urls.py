from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/transition/", views.request_transition, name="request_transition"),
    path("requests/<int:pk>/evidence/", views.request_evidence, name="request_evidence"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("verify/", views.verify, name="verify"),
    path("registry/", views.registry, name="registry"),
    path("registry/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("registry/imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("appointments/", views.appointment_list, name="appointment_list"),
    path("appointments/new/", views.appointment_new, name="appointment_new"),
]
