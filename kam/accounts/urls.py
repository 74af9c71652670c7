from django.urls import path

from kam.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list_view, name="list"),
    path("export.csv", views.account_export_view, name="export"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them.
    path("<path:external_id>/sales.csv", views.account_sales_export_view, name="sales_csv"),
    path("<path:external_id>/", views.account_detail_view, name="detail"),
]
