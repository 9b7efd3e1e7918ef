from django.urls import path

from . import views

app_name = "transfer"

urlpatterns = [
    path("", views.home, name="home"),
    path("listings/new/", views.listing_create, name="listing_create"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="listing_edit"),
    path("listings/<int:pk>/transition/", views.listing_transition, name="listing_transition"),
    path("listings/<int:pk>/valuation/", views.valuation_create, name="valuation_create"),
    path("valuations/", views.valuation_list, name="valuation_list"),
    path("valuations/<int:pk>/transition/", views.valuation_transition, name="valuation_transition"),
    path("matching/", views.matching_lists, name="matching_lists"),
    path("matching/<int:pk>/", views.matching_list_detail, name="matching_list_detail"),
    path("pairs/<int:pk>/transition/", views.pair_transition, name="pair_transition"),
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("directory/", views.base_list, name="base_list"),
    path("directory/<int:pk>/", views.base_detail, name="base_detail"),
    path("showcases/", views.showcase_list, name="showcase_list"),
    path("showcases/<int:pk>/", views.showcase_detail, name="showcase_detail"),
    path("showcases/<int:pk>/unfeature/", views.showcase_unfeature, name="showcase_unfeature"),
]
