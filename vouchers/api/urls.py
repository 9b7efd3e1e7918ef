from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("programmes", views.ProgrammeViewSet, basename="vouchers-programme")
router.register("providers", views.ProviderViewSet, basename="vouchers-provider")
router.register("services", views.ServiceViewSet, basename="vouchers-service")
router.register("applications", views.ApplicationViewSet, basename="vouchers-application")
router.register("vouchers", views.VoucherViewSet, basename="vouchers-voucher")
router.register("claims", views.ClaimViewSet, basename="vouchers-claim")
router.register("settlements", views.SettlementBatchViewSet, basename="vouchers-settlement")
router.register("ledger", views.LedgerEntryViewSet, basename="vouchers-ledger")

urlpatterns = router.urls
