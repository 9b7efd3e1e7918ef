from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("programmes", views.ProgrammeViewSet, basename="coop-programme")
router.register("topics", views.TopicViewSet, basename="coop-topic")
router.register("applications", views.ApplicationViewSet, basename="coop-application")
router.register("reviews", views.ReviewViewSet, basename="coop-review")
router.register("projects", views.ProjectViewSet, basename="coop-project")
router.register("reports", views.ReportViewSet, basename="coop-report")
router.register("consortia", views.ConsortiumViewSet, basename="coop-consortium")

urlpatterns = router.urls
