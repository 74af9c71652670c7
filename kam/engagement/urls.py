from django.urls import path

from kam.engagement import views

app_name = "engagement"
urlpatterns = [
    path("channels/", views.channel_list_view, name="channels"),
    path("channels/<slug:code>/edit/", views.channel_edit_view, name="channel_edit"),
    path("plans/missing/", views.missing_plans_view, name="missing_plans"),
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
