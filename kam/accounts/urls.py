from django.urls import path

from kam.accounts import views
from kam.accounts.contacts import views as contact_views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list_view, name="list"),
    path("export.csv", views.account_export_view, name="export"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them,
    # so the longer paths come before the account page's own.
    path("<path:external_id>/sales.csv", views.account_sales_export_view, name="sales_csv"),
    path(
        "<path:external_id>/stakeholders/",
        contact_views.stakeholders_view,
        name="stakeholders",
    ),
    path(
        "<path:external_id>/contacts/new/",
        contact_views.contact_create_view,
        name="contact_create",
    ),
    path(
        "<path:external_id>/contacts/<int:pk>/edit/",
        contact_views.contact_edit_view,
        name="contact_edit",
    ),
    path(
        "<path:external_id>/contacts/<int:pk>/left/",
        contact_views.contact_left_view,
        name="contact_left",
    ),
    path("<path:external_id>/", views.account_detail_view, name="detail"),
]
