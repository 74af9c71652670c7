"""The KPI pages under /kpis/: dashboards, chart data, reports, the per-account block."""

from django.urls import path

from kam.kpis import views

app_name = "kpis"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("kam/", views.kam_dashboard_view, name="kam"),
    path("data.json", views.dashboard_json_view, name="json"),
    path("data/<str:name>.csv", views.dashboard_csv_view, name="csv"),
    path("report.<str:extension>", views.report_download_view, name="report"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them.
    path("accounts/<path:external_id>/", views.account_kpis_view, name="account"),
]
