from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    path("", views.home, name="home"),
]
