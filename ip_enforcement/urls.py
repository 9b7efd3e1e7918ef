from django.urls import path

from . import views

app_name = "ip_enforcement"

urlpatterns = [
    path("", views.home, name="home"),
]
