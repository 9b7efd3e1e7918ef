from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("requests", views.RecognitionRequestViewSet, basename="talent-request")
router.register("certificates", views.CertificateViewSet, basename="talent-certificate")
router.register("appointments", views.AppointmentViewSet, basename="talent-appointment")
router.register("registry", views.RegistryEntryViewSet, basename="talent-registry")
router.register("registry-imports", views.RegistryImportViewSet, basename="talent-registry-import")

urlpatterns = router.urls
