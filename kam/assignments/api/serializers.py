"""How portfolios, assignment proposals, an account's assignments and the assignment
policy look in the REST API. Read from the selectors' dataclasses and the models; the
writes go through the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kam.assignments.models import AccountAssignment, Proposal
from kam.assignments.selectors import proposal_counts

# -- the board --------------------------------------------------------------------------


class BoardAccountSerializer(serializers.Serializer[Any]):
    external_id = serializers.CharField()
    name = serializers.CharField()
    tier = serializers.CharField(allow_null=True, help_text=_("Tier in the run in force."))
    workload = serializers.FloatField(
        help_text=_("Capacity the account takes (0 when its tier is not placed).")
    )
    value = serializers.FloatField(help_text=_("Revenue of the last 12 months (run in force)."))
    pinned = serializers.BooleanField()
    international = serializers.BooleanField(help_text=_("Only a GAM may lead it."))
    placed = serializers.BooleanField(help_text=_("Its tier is placed by the proposals."))


class PortfolioSerializer(serializers.Serializer[Any]):
    """A manager's portfolio: accounts led and supported, load against capacity, value."""

    manager = serializers.CharField(source="username", help_text=_("Username."))
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("KAM or GAM."))
    capacity = serializers.FloatField()
    load = serializers.FloatField(
        help_text=_("Workloads of the placed accounts led + 25 % of those supported.")
    )
    over_capacity = serializers.BooleanField()
    value = serializers.FloatField(help_text=_("Revenue of the accounts led."))
    led = BoardAccountSerializer(many=True)
    support = BoardAccountSerializer(many=True)


# -- proposals ------------------------------------------------------------------------------


class ObjectiveSerializer(serializers.Serializer[Any]):
    fit = serializers.FloatField()
    continuity = serializers.FloatField()
    balance = serializers.FloatField()
    total = serializers.FloatField(help_text=_("fit + continuity − balance, in points."))


class CountsSerializer(serializers.Serializer[Any]):
    kept = serializers.IntegerField()
    moved = serializers.IntegerField()
    new = serializers.IntegerField()
    unassigned = serializers.IntegerField()


class ManagerLoadSerializer(serializers.Serializer[Any]):
    """A manager's workload today, in the proposal, and with the lines as decided."""

    manager = serializers.CharField(source="username")
    kind = serializers.CharField()
    capacity = serializers.FloatField()
    workload_before = serializers.FloatField(source="before")
    workload_after = serializers.FloatField(source="after")
    workload_decided = serializers.FloatField(
        source="decided",
        help_text=_("Accepted lines as proposed, rejected ones as today: what applying gives."),
    )
    value_before = serializers.FloatField()
    value_after = serializers.FloatField()


class UnplacedSerializer(serializers.Serializer[Any]):
    account = serializers.CharField(source="external_id")
    name = serializers.CharField()
    workload = serializers.FloatField()
    needs = serializers.CharField()


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    """A proposal in a list: its state, the solver's status, the objective, counts."""

    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    applied_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    objective = ObjectiveSerializer(read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "created_at",
            "created_by",
            "score_run",
            "solver_status",
            "state",
            "gap",
            "seconds",
            "objective",
            "counts",
            "applied_at",
            "applied_by",
        ]
        read_only_fields = fields

    @extend_schema_field(CountsSerializer)
    def get_counts(self, proposal: Proposal) -> dict[str, int]:
        return proposal_counts(proposal)


class ProposalLineSerializer(serializers.Serializer[Any]):
    """One account of the proposal (a ``ReviewLine``): today's lead and support members
    against the proposed ones, why, and the director's decision."""

    id = serializers.IntegerField(source="line.pk")
    account = serializers.CharField(source="line.account.external_id")
    name = serializers.CharField(source="line.account.name")
    tier = serializers.CharField(allow_null=True)
    change = serializers.CharField(source="line.change", help_text=_("kept|moved|new|unassigned"))
    lead = serializers.CharField(allow_blank=True, help_text=_("Proposed lead (username)."))
    previous_lead = serializers.CharField(allow_blank=True, help_text=_("Lead today."))
    support = serializers.ListField(child=serializers.CharField())
    previous_support = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField(), source="line.reasons")
    workload = serializers.FloatField(source="line.workload")
    value = serializers.FloatField(source="line.value")
    international = serializers.BooleanField(source="line.international")
    is_change = serializers.BooleanField()
    decision = serializers.CharField(
        source="line.decision", help_text=_("accepted|rejected|applied")
    )


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with every line (kept ones included), the loads per manager and, when
    infeasible, the accounts that cannot be placed and the capacity missing by kind. The
    view hands the selector's review in the context (``review``)."""

    lines = serializers.SerializerMethodField()
    loads = serializers.SerializerMethodField()
    unplaced = UnplacedSerializer(many=True, read_only=True)
    missing_capacity = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text=_("Workload missing by manager kind (KAM, GAM)."),
    )

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "message",
            "best_bound",
            "lines",
            "loads",
            "unplaced",
            "missing_capacity",
        ]
        read_only_fields = fields

    @extend_schema_field(ProposalLineSerializer(many=True))
    def get_lines(self, proposal: Proposal) -> list[dict[str, Any]]:
        review = self.context["review"]
        return list(ProposalLineSerializer(review.lines, many=True).data)

    @extend_schema_field(ManagerLoadSerializer(many=True))
    def get_loads(self, proposal: Proposal) -> list[dict[str, Any]]:
        review = self.context["review"]
        return list(ManagerLoadSerializer(review.loads, many=True).data)


class ApplySerializer(serializers.Serializer[Any]):
    lines = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Only these line ids among the accepted ones (default: every accepted)."),
    )


class LineDecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["accepted", "rejected"])


# -- an account's assignments -------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer[AccountAssignment]):
    """One assignment: who, as what, from when to when, why and by whom."""

    manager: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    role = serializers.CharField(help_text=_("lead or support"))
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    ended_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = AccountAssignment
        fields = [
            "id",
            "manager",
            "role",
            "pinned",
            "started_at",
            "ended_at",
            "reason",
            "created_by",
            "end_reason",
            "ended_by",
        ]
        read_only_fields = fields


class AccountAssignmentSerializer(serializers.Serializer[Any]):
    """An account's current lead and support members, and its history, newest first."""

    account = serializers.CharField(source="account.external_id")
    lead = AssignmentSerializer(allow_null=True)
    support = AssignmentSerializer(many=True)
    history = AssignmentSerializer(many=True)


class ReassignSerializer(serializers.Serializer[Any]):
    manager = serializers.CharField(help_text=_("Username of the new lead (a KAM or GAM)."))
    reason = serializers.CharField(max_length=300, help_text=_("Why, kept in the history."))
    pinned = serializers.BooleanField(
        default=False, help_text=_("Assignment proposals keep a pinned lead.")
    )


# -- the policy -------------------------------------------------------------------------


class TierNeedsSerializer(serializers.Serializer[Any]):
    workload = serializers.FloatField()
    support = serializers.IntegerField()


class PolicySerializer(serializers.Serializer[Any]):
    """The assignment policy. PATCH any subset of the fields; nothing is saved unless all
    are valid, and a 400 names the field at fault."""

    tiers = serializers.DictField(
        child=TierNeedsSerializer(),
        help_text=_('Tiers placed, e.g. {"key": {"workload": 1.0, "support": 0}}.'),
    )
    size_bands = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        help_text=_("[[employees from, factor], …], the first from 0."),
    )
    per_country = serializers.FloatField()
    per_country_cap = serializers.FloatField()
    international_countries = serializers.IntegerField()
    group_abroad = serializers.BooleanField()
    value_basis = serializers.ChoiceField(choices=["revenue", "score"])
    fit_sector = serializers.FloatField()
    fit_language = serializers.FloatField()
    fit_country = serializers.FloatField()
    continuity = serializers.FloatField()
    balance = serializers.FloatField()
    balance_band = serializers.FloatField()
    time_limit_s = serializers.FloatField()
    gap_limit = serializers.FloatField()
    updated_at = serializers.DateTimeField(read_only=True)
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True
    )
