from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("cases", views.CaseViewSet, basename="ip-case")
router.register("referrals", views.ReferralViewSet, basename="ip-referral")
router.register("assistance-requests", views.AssistanceRequestViewSet, basename="ip-assistance")
router.register("operations", views.OperationViewSet, basename="ip-operation")
router.register("evidence", views.EvidenceViewSet, basename="ip-evidence")

urlpatterns = router.urls
