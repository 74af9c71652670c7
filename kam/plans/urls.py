from django.urls import path

from kam.plans import views

app_name = "plans"
urlpatterns = [
    path("alerts/", views.alert_list_view, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert_ack"),
    path("policy/", views.policy_view, name="policy"),
    path("<int:pk>/", views.plan_detail_view, name="detail"),
    path("<int:pk>/pdf/", views.plan_pdf_view, name="pdf"),
    path("<int:pk>/objectives/", views.objective_add_view, name="objective_add"),
    path("<int:pk>/actions/", views.action_add_view, name="action_add"),
    path("objectives/<int:pk>/", views.objective_edit_view, name="objective_edit"),
    path("actions/<int:pk>/status/", views.action_status_view, name="action_status"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them.
    path("accounts/<path:external_id>/health/", views.account_health_view, name="health"),
    path("accounts/<path:external_id>/alerts/", views.account_alerts_view, name="account_alerts"),
    path("accounts/<path:external_id>/create/", views.plan_create_view, name="create"),
    path("accounts/<path:external_id>/", views.account_plan_view, name="account"),
]
