from billing import views
from django.contrib.auth import views as auth_views
from django.urls import path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("health", views.health),
    path("openapi.json", views.openapi),
    path("stripe/webhook/", views.webhook),
    path("billing/checkout", views.checkout),
    path("billing/portal", views.portal),
    path("staff/disputes", views.disputes_page),
    path("staff/api/disputes", views.disputes),
    path("staff/api/disputes/<str:dispute_id>", views.dispute),
    path("staff/api/fraud-warnings", views.fraud_warnings),
    path("staff/api/fraud-warnings/<str:warning_id>", views.fraud_warning),
]
