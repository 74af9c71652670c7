"""Shapes of the plan, health and alert endpoints (the rules are the services')."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from kam.plans.models import AccountPlan, Action, Alert, Objective
from kam.plans.selectors import completion_of


class ObjectiveSerializer(serializers.ModelSerializer[Objective]):
    progress = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "title",
            "measure",
            "target_value",
            "current_value",
            "due_date",
            "progress_set",
            "progress",
            "position",
        ]
        read_only_fields = ["id", "progress"]


class ObjectiveUpdateSerializer(ObjectiveSerializer):
    class Meta(ObjectiveSerializer.Meta):
        read_only_fields = ["id", "progress", "plan"]


class ActionSerializer(serializers.ModelSerializer[Action]):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Action
        fields = ["id", "plan", "objective", "title", "owner", "due_date", "status"]
        read_only_fields = ["id"]


class ActionUpdateSerializer(ActionSerializer):
    class Meta(ActionSerializer.Meta):
        read_only_fields = ["id", "plan"]


class CompletionSerializer(serializers.Serializer[Any]):
    completion_pct = serializers.FloatField(allow_null=True)
    actions = serializers.IntegerField()
    actions_done = serializers.IntegerField()
    objectives = serializers.IntegerField()
    objectives_on_track = serializers.IntegerField()
    overdue_actions = serializers.IntegerField()


class AccountPlanSerializer(serializers.ModelSerializer[AccountPlan]):
    account = serializers.CharField(source="account.external_id", read_only=True)
    objectives = ObjectiveSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    completion = serializers.SerializerMethodField()

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "account",
            "year",
            "status",
            "needs",
            "expectations",
            "strengths",
            "weaknesses",
            "opportunities",
            "threats",
            "copied_from",
            "completion",
            "objectives",
            "actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_completion(self, plan: AccountPlan) -> dict[str, Any]:
        done = completion_of(plan, timezone.localdate())
        return {
            "completion_pct": done.completion_pct,
            "actions": done.actions,
            "actions_done": done.actions_done,
            "objectives": done.objectives,
            "objectives_on_track": done.objectives_on_track,
            "overdue_actions": done.overdue_actions,
        }


class AccountPlanCreateSerializer(serializers.Serializer[Any]):
    account = serializers.CharField(help_text="The account's external id.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    copy_previous = serializers.BooleanField(default=False)
    status = serializers.ChoiceField(choices=["draft", "active", "closed"], default="draft")
    needs = serializers.CharField(required=False, allow_blank=True)
    expectations = serializers.CharField(required=False, allow_blank=True)
    strengths = serializers.CharField(required=False, allow_blank=True)
    weaknesses = serializers.CharField(required=False, allow_blank=True)
    opportunities = serializers.CharField(required=False, allow_blank=True)
    threats = serializers.CharField(required=False, allow_blank=True)


class AccountPlanUpdateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["draft", "active", "closed"], required=False)
    needs = serializers.CharField(required=False, allow_blank=True)
    expectations = serializers.CharField(required=False, allow_blank=True)
    strengths = serializers.CharField(required=False, allow_blank=True)
    weaknesses = serializers.CharField(required=False, allow_blank=True)
    opportunities = serializers.CharField(required=False, allow_blank=True)
    threats = serializers.CharField(required=False, allow_blank=True)


class HealthComponentSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.FloatField()
    weight = serializers.FloatField()
    points = serializers.FloatField()
    detail = serializers.CharField()


class HealthSerializer(serializers.Serializer[Any]):
    account = serializers.CharField()
    as_of = serializers.DateField()
    score = serializers.FloatField()
    components = HealthComponentSerializer(many=True)


class AlertSerializer(serializers.ModelSerializer[Alert]):
    account = serializers.CharField(source="account.external_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, allow_null=True, default=None
    )
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "account",
            "account_name",
            "rule",
            "detail",
            "opened_at",
            "closed_at",
            "is_open",
            "acknowledged_at",
            "acknowledged_by",
            "note",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
