"""The Django admin of plans, for directors, read-only: plans, alerts and the policy
change through kam's services (the plan page, the policy page, the API), which the admin
would bypass."""

from __future__ import annotations

from django.contrib import admin

from kam.core.admin import ReadOnlyDirectorAdmin
from kam.plans.models import AccountPlan, Alert, HealthPolicy


@admin.register(AccountPlan)
class AccountPlanAdmin(ReadOnlyDirectorAdmin):
    list_display = ["account", "year", "status", "updated_at"]
    list_filter = ["status", "year"]
    list_select_related = ["account"]
    search_fields = ["account__external_id", "account__name"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyDirectorAdmin):
    list_display = ["account", "rule", "opened_at", "closed_at", "acknowledged_at"]
    list_filter = ["rule"]
    list_select_related = ["account"]
    search_fields = ["account__external_id", "account__name"]


@admin.register(HealthPolicy)
class HealthPolicyAdmin(ReadOnlyDirectorAdmin):
    list_display = ["__str__", "updated_at", "updated_by"]
