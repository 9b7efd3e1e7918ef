from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("listings", views.ListingViewSet, basename="transfer-listing")
router.register("bases", views.BaseViewSet, basename="transfer-base")
router.register("matching-lists", views.MatchingListViewSet, basename="transfer-matching-list")
router.register("pairs", views.MatchPairViewSet, basename="transfer-pair")
router.register("valuations", views.ValuationRequestViewSet, basename="transfer-valuation")
router.register("deals", views.DealViewSet, basename="transfer-deal")
router.register("showcases", views.ShowcaseViewSet, basename="transfer-showcase")

urlpatterns = router.urls
