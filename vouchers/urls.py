from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("", views.home, name="home"),
]
