"""The Django admin of engagement, for directors. Channel plans are read-only here: the
1-to-3-channel rule is enforced by ``channel_plan_set``, which the admin would bypass."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from kam.core.admin import DirectorAdmin, ReadOnlyDirectorAdmin
from kam.engagement.models import (
    Activity,
    Campaign,
    CampaignTarget,
    Channel,
    ChannelPlan,
    ChannelPlanItem,
)


@admin.register(Channel)
class ChannelAdmin(DirectorAdmin):
    list_display = ["code", "name", "kind", "unit_cost", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Activity)
class ActivityAdmin(DirectorAdmin):
    list_display = ["occurred_on", "account", "channel", "outcome", "cost", "order_amount"]
    list_filter = ["channel", "outcome"]
    list_select_related = ["account", "channel"]
    search_fields = ["account__external_id", "account__name", "subject", "external_id"]
    raw_id_fields = ["account", "author", "contacts"]
    date_hierarchy = "occurred_on"
    readonly_fields = ["created_at"]
    show_full_result_count = False


class ChannelPlanItemInline(admin.TabularInline):
    model = ChannelPlanItem
    extra = 0
    fields = ["position", "channel", "times", "period"]
    readonly_fields = ["position", "channel", "times", "period"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ChannelPlan)
class ChannelPlanAdmin(ReadOnlyDirectorAdmin):
    list_display = ["account", "valid_from", "valid_to", "from_recommendation", "created_by"]
    list_filter = ["from_recommendation"]
    list_select_related = ["account", "created_by"]
    search_fields = ["account__external_id", "account__name"]
    inlines = [ChannelPlanItemInline]


# -- campaigns: read-only (created, sent and answered through kam's services, which respect
# consent and send only once) -------------------------------------------------------------------


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyDirectorAdmin):
    list_display = ["name", "status", "channel", "valid_from", "valid_to", "sent_at", "sent_count"]
    list_filter = ["status", "channel"]
    list_select_related = ["channel"]
    search_fields = ["name", "offer"]


@admin.register(CampaignTarget)
class CampaignTargetAdmin(ReadOnlyDirectorAdmin):
    list_display = ["campaign", "account", "contact", "email", "status", "outcome"]
    list_filter = ["status", "outcome"]
    list_select_related = ["campaign", "account", "contact"]
    search_fields = ["email", "account__external_id", "account__name"]
    raw_id_fields = ["campaign", "account", "contact"]
    show_full_result_count = False
