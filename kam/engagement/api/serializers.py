"""How channels, activities, channel plans and recommendations look in the REST API.

Write serializers only check the shape of a request; the rules (above all: 1 to 3
channels per plan) are the services', so that a refusal reads the same everywhere.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kam.engagement.models import (
    Activity,
    Channel,
    ChannelKind,
    ChannelPlan,
    ChannelPlanItem,
    Outcome,
    PlanPeriod,
)


class ChannelSerializer(serializers.ModelSerializer[Channel]):
    """A channel of the catalogue."""

    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text=_("The name to show, in the reader's language.")
    )

    class Meta:
        model = Channel
        fields = ["code", "name", "label", "kind", "unit_cost", "active", "updated_at"]
        read_only_fields = ["label", "updated_at"]


class ChannelUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    """What may change on a channel (not its code)."""

    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=ChannelKind.choices, required=False)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    active = serializers.BooleanField(required=False)


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    """An interaction with an account."""

    account = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="external_id", read_only=True, help_text=_("The account's external id.")
    )
    channel = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code", read_only=True, help_text=_("The channel's code.")
    )
    author = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Who logged it (null for imported activities)."),
    )
    contacts = serializers.PrimaryKeyRelatedField(  # type: ignore[var-annotated]
        many=True, read_only=True, help_text=_("Ids of the account's contacts involved.")
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "account",
            "channel",
            "occurred_on",
            "subject",
            "outcome",
            "cost",
            "order_amount",
            "order_reference",
            "contacts",
            "author",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class ActivityCreateSerializer(serializers.Serializer[dict[str, Any]]):
    """Logging an activity: an account and a channel are enough (today, the channel's
    unit cost, outcome "none")."""

    account = serializers.CharField(max_length=64, help_text=_("The account's external id."))
    channel = serializers.CharField(max_length=40, help_text=_("The channel's code."))
    outcome = serializers.ChoiceField(choices=Outcome.choices, default=Outcome.NONE)
    occurred_on = serializers.DateField(required=False, help_text=_("Default: today."))
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Default: the channel's unit cost."),
    )
    order_amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    order_reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class PlanItemSerializer(serializers.Serializer[dict[str, Any]]):
    """One channel of a plan and its cadence: ``times`` per ``period``."""

    channel = serializers.CharField(max_length=40, help_text=_("The channel's code."))
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    times = serializers.IntegerField(help_text=_("How many contacts per period (1 to 365)."))
    period = serializers.ChoiceField(choices=PlanPeriod.choices)


class ChannelPlanSerializer(serializers.Serializer[dict[str, Any]]):
    """An account's current channel plan (``channels`` is empty when it has none)."""

    account = serializers.CharField(read_only=True)
    valid_from = serializers.DateTimeField(read_only=True, allow_null=True)
    from_recommendation = serializers.BooleanField(read_only=True)
    created_by = serializers.CharField(read_only=True, allow_null=True)
    channels = PlanItemSerializer(many=True, read_only=True)


class ChannelPlanWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """The new plan: 1 to 3 channels (the rule is checked by kam, with the same message
    as everywhere: a 4th channel is a 400 on ``channels``)."""

    channels = PlanItemSerializer(many=True)
    from_recommendation = serializers.BooleanField(default=False)


def plan_data(external_id: str, plan: ChannelPlan | None) -> dict[str, Any]:
    """A plan (or its absence) as :class:`ChannelPlanSerializer` data."""
    items: list[ChannelPlanItem] = list(plan.items.all()) if plan is not None else []
    return {
        "account": external_id,
        "valid_from": plan.valid_from if plan is not None else None,
        "from_recommendation": plan.from_recommendation if plan is not None else False,
        "created_by": (
            plan.created_by.get_username() if plan is not None and plan.created_by else None
        ),
        "channels": [
            {
                "channel": item.channel.code,
                "label": item.channel.label,
                "times": item.times,
                "period": item.period,
            }
            for item in items
        ],
    }


class ChannelAdviceSerializer(serializers.Serializer[dict[str, Any]]):
    """One channel's place in an account's recommendation."""

    channel = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    rank = serializers.IntegerField(help_text=_("1 = the best channel for this account."))
    suggested = serializers.BooleanField(help_text=_("Part of the suggested plan."))
    evidence = serializers.ChoiceField(
        choices=["account", "segment", "all", "none"],
        help_text=_(
            "Where the figures come from: the account's own history, its segment's (same "
            "sector and tier), every account's, or none."
        ),
    )
    contacts = serializers.IntegerField()
    replies = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = serializers.FloatField(help_text=_("Order amounts recorded on its activities."))
    cost = serializers.FloatField()
    response_rate = serializers.FloatField(
        allow_null=True, help_text=_("Replies per contact, shrunk toward similar accounts.")
    )
    conversion_rate = serializers.FloatField(
        allow_null=True, help_text=_("Orders per contact, shrunk toward similar accounts.")
    )
    expected_return = serializers.FloatField(
        help_text=_("Expected revenue per unit of cost of one more contact.")
    )
    reason = serializers.CharField()


class SuggestedItemSerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.CharField()
    times = serializers.IntegerField()
    period = serializers.ChoiceField(choices=PlanPeriod.choices)


class RecommendationSerializer(serializers.Serializer[dict[str, Any]]):
    """An account's channels ranked, with reasons, and the suggested plan (at most 3)."""

    account = serializers.CharField()
    name = serializers.CharField()
    suggested_plan = SuggestedItemSerializer(many=True)
    channels = ChannelAdviceSerializer(many=True)
