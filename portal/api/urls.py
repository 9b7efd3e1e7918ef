from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet)
router.register("organizations", views.OrganizationViewSet)
router.register("notifications", views.NotificationViewSet)
router.register("deadlines", views.DeadlineViewSet)
router.register("audit-entries", views.AuditEntryViewSet)
router.register("webhook-subscriptions", views.WebhookSubscriptionViewSet)
router.register("webhook-deliveries", views.WebhookDeliveryViewSet)

urlpatterns = router.urls
