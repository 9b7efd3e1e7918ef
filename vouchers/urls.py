from django.urls import path

from . import views

app_name = "vouchers"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/register/", views.provider_register, name="provider_register"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("services/", views.service_list, name="services"),
    path("services/suggest/", views.service_suggest, name="service_suggest"),
    path("services/<int:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<int:pk>/toggle/", views.service_toggle, name="service_toggle"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("vouchers/", views.voucher_list, name="vouchers"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="voucher"),
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("settlements/", views.batch_list, name="batches"),
    path("settlements/<int:pk>/", views.batch_detail, name="batch"),
    path("statement/", views.statement, name="statement"),
    path("<str:kind>/<int:pk>/transition/", views.transition, name="transition"),
]
