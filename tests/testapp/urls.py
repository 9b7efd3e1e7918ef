"""Test URLs: the whole site (config.urls) plus the test app's pages and API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from config.urls import urlpatterns as site_urlpatterns

from . import api, views

router = DefaultRouter()
router.register("tickets", api.TicketViewSet)

testapp_patterns = (
    [
        path("tickets/", views.ticket_list, name="ticket_list"),
        path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
        path("tickets/<int:pk>/transition/", views.ticket_transition, name="ticket_transition"),
    ],
    "testapp",
)

urlpatterns = [
    path("api/v1/testapp/", include((router.urls, "testapp-api"))),
    path("testapp/", include(testapp_patterns)),
    *site_urlpatterns,
]
