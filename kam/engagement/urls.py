from django.urls import path

from kam.engagement import campaign_views, views

app_name = "engagement"
urlpatterns = [
    path("channels/", views.channel_list_view, name="channels"),
    path("channels/<slug:code>/edit/", views.channel_edit_view, name="channel_edit"),
    path("plans/missing/", views.missing_plans_view, name="missing_plans"),
    # campaigns
    path("campaigns/", campaign_views.campaign_list_view, name="campaigns"),
    path("campaigns/new/", campaign_views.campaign_create_view, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail_view, name="campaign"),
    path("campaigns/<int:pk>/send/", campaign_views.campaign_send_view, name="campaign_send"),
    path(
        "campaigns/<int:pk>/responses/",
        campaign_views.campaign_response_view,
        name="campaign_response",
    ),
    path("campaigns/<int:pk>/export/", campaign_views.campaign_export_view, name="campaign_export"),
    path(
        "campaigns/<int:pk>/results/",
        campaign_views.campaign_results_view,
        name="campaign_results",
    ),
    # External ids come from ERPs and may contain slashes: the path converter keeps them.
    path("accounts/<path:external_id>/activities/", views.activity_log_view, name="log"),
    path(
        "accounts/<path:external_id>/plan/suggested/",
        views.plan_suggested_view,
        name="plan_suggested",
    ),
    path("accounts/<path:external_id>/plan/", views.plan_set_view, name="plan_set"),
    path("accounts/<path:external_id>/", views.account_engagement_view, name="account"),
]
