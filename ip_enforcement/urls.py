from django.urls import path

from . import views

app_name = "ip_enforcement"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("complaints/new/", views.complaint_create, name="complaint_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/refer/", views.referral_create, name="referral_create"),
    path("cases/<int:pk>/assist/", views.assistance_create, name="assistance_create"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/journal/", views.journal_add, name="journal_add"),
    path("cases/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/step/", views.referral_step, name="referral_step"),
    path("referrals/<int:pk>/extend/", views.referral_extend, name="referral_extend"),
    path("assistance/", views.assistance_list, name="assistance_list"),
    path("assistance/<int:pk>/", views.assistance_detail, name="assistance_detail"),
    path("assistance/<int:pk>/step/", views.assistance_step, name="assistance_step"),
    path("operations/", views.operation_list, name="operation_list"),
    path("operations/<int:pk>/", views.operation_detail, name="operation_detail"),
    path("operations/<int:pk>/step/", views.operation_step, name="operation_step"),
    path("operations/<int:pk>/result/", views.operation_result, name="operation_result"),
    path("overview/", views.overview, name="overview"),
]
