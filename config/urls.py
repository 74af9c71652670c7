"""The URL map: one include per app, the API under /api/v1/, its schema and docs."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("kam.core.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kam.accounts.urls")),
    path("sales/", include("kam.sales.urls")),
    path("scoring/", include("kam.scoring.urls")),
    path("engagement/", include("kam.engagement.urls")),  # engagement
    path("assignments/", include("kam.assignments.urls")),  # assignments
    path("kpis/", include("kam.kpis.urls")),  # kpis: dashboards and reports
    path("plans/", include("kam.plans.urls")),  # plans: account plans, health, alerts
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
