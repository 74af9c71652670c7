"""How scorecards, score runs and account scores look in the REST API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kam.scoring.models import AccountScore, Scorecard, ScoreRun
from kam.scoring.selectors import LEAD_MANAGER


class ScorecardSerializer(serializers.ModelSerializer[Scorecard]):
    """A scorecard version: its definition is the JSON form the editor and
    `kam scorecard create` use."""

    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "name",
            "version",
            "status",
            "level",
            "definition",
            "description",
            "created_by",
            "created_at",
            "applied_at",
        ]
        read_only_fields = fields


class ScorecardCreateSerializer(serializers.Serializer[Any]):
    """A new scorecard: a name not used yet, and a definition (criteria with weights
    summing to 100 %, ABC thresholds, tier rules)."""

    name = serializers.CharField(max_length=100)
    definition = serializers.DictField(help_text=_("The scorecard definition (JSON object)."))
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ScorecardPreviewSerializer(serializers.Serializer[Any]):
    """A draft definition to compare with the run in force."""

    definition = serializers.DictField(help_text=_("The draft scorecard definition."))
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Count sales before this day (default: the run in force's as-of date)."),
    )


class TierMovementSerializer(serializers.Serializer[Any]):
    tier = serializers.CharField()
    entering = serializers.ListField(
        child=serializers.CharField(), help_text=_("External ids, best ranked first.")
    )
    leaving = serializers.ListField(child=serializers.CharField())
    count_before = serializers.IntegerField()
    count_after = serializers.IntegerField()


class RankChangeSerializer(serializers.Serializer[Any]):
    account_id = serializers.CharField()
    before = serializers.IntegerField(allow_null=True)
    after = serializers.IntegerField(allow_null=True)
    delta = serializers.IntegerField(
        allow_null=True, help_text=_("before − after: positive for a climb.")
    )


class RunComparisonSerializer(serializers.Serializer[Any]):
    """What a scorecard would change: per tier, the external ids of the accounts that
    would enter and leave it; the biggest rank changes (``rank_changes_total`` in all);
    the share of revenue of the key tier before and after."""

    tiers = TierMovementSerializer(many=True)
    rank_changes = RankChangeSerializer(many=True)
    rank_changes_total = serializers.IntegerField()
    key_coverage_before = serializers.FloatField()
    key_coverage_after = serializers.FloatField()


class ScorecardRefSerializer(serializers.ModelSerializer[Scorecard]):
    class Meta:
        model = Scorecard
        fields = ["id", "name", "version", "level"]
        read_only_fields = fields


class ScoreRunSerializer(serializers.ModelSerializer[ScoreRun]):
    """A score run: when, with which scorecard, its status and its company-level
    statistics (Pareto curve, counts per tier and ABC class, shares of revenue)."""

    scorecard = ScorecardRefSerializer(read_only=True)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    applied_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ScoreRun
        fields = [
            "id",
            "scorecard",
            "as_of",
            "status",
            "stage",
            "progress",
            "applied",
            "applied_at",
            "applied_by",
            "in_force",
            "created_by",
            "created_at",
            "finished_at",
            "seconds",
            "accounts_scored",
            "stats",
            "error",
        ]
        read_only_fields = fields


class ContributionSerializer(serializers.Serializer[Any]):
    feature = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text=_("The raw value (number or text)."))
    weight = serializers.FloatField(help_text=_("The criterion's weight, in %."))
    points = serializers.FloatField(help_text=_("Points given; they sum to the score."))


class AccountScoreSerializer(serializers.ModelSerializer[AccountScore]):
    """An account's result in a run: score, rank, ABC class, tier, revenue and the
    points each criterion contributed."""

    external_id = serializers.CharField(source="account.external_id", read_only=True)
    name = serializers.CharField(source="account.name", read_only=True)
    run = serializers.IntegerField(source="run_id", read_only=True)
    manager = serializers.SerializerMethodField(
        help_text=_("Username of the current lead manager, if any.")
    )
    contributions = ContributionSerializer(many=True, read_only=True)

    class Meta:
        model = AccountScore
        fields = [
            "external_id",
            "name",
            "run",
            "score",
            "rank",
            "abc",
            "cum_revenue_share",
            "tier",
            "computed_tier",
            "revenue_12m",
            "revenue_prev_12m",
            "growth",
            "attractiveness",
            "strength",
            "quadrant",
            "manager",
            "contributions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_manager(self, score: AccountScore) -> str | None:
        return getattr(score, LEAD_MANAGER, None)
