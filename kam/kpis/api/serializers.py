"""How KPI reports and targets look in the REST API. The report's serializers describe
the JSON of :meth:`kam.kpis.selectors.KpiReportView.as_dict` (and give it to the schema);
write serializers only check the shape of a request, the rules are the services'."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kam.kpis.models import KpiCode, KpiTarget, TargetDirection, TargetStatus
from kam.kpis.selectors import GROUPS


class PeriodSerializer(serializers.Serializer[dict[str, Any]]):
    from_ = serializers.DateField(help_text=_("First day of P."))
    to = serializers.DateField(help_text=_("Last day of P (included)."))
    previous_from = serializers.DateField(help_text=_("First day of P', just before P."))
    previous_to = serializers.DateField(help_text=_("Last day of P'."))
    days = serializers.IntegerField(help_text=_("Days in P (and in P')."))

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword as a JSON key
        return fields


class KeyListSerializer(serializers.Serializer[dict[str, Any]]):
    run = serializers.IntegerField(help_text=_("The score run whose key tier was the list."))
    as_of = serializers.DateField()


class NewKeyAccountsSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    new_customers = serializers.ListField(
        child=serializers.CharField(), help_text=_("No purchase before P.")
    )
    promoted = serializers.ListField(
        child=serializers.CharField(), help_text=_("Customers before P.")
    )


class DidSerializer(serializers.Serializer[dict[str, Any]]):
    n = serializers.IntegerField(help_text=_("Key accounts compared."))
    comparisons = serializers.IntegerField(help_text=_("Distinct comparison accounts."))
    across_sectors = serializers.IntegerField(
        help_text=_("Key accounts matched across sectors (too few in their own).")
    )
    key_uplift_mean = serializers.FloatField()
    comparison_uplift_mean = serializers.FloatField()
    estimate = serializers.FloatField(help_text=_("Mean uplift of K − of their comparisons."))
    ci_low = serializers.FloatField(help_text=_("95 % bootstrap interval, low end."))
    ci_high = serializers.FloatField(help_text=_("95 % bootstrap interval, high end."))


def _number(help_text: Any = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text or None)


def _count(help_text: Any = "") -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, help_text=help_text or None)


class SummarySerializer(serializers.Serializer[dict[str, Any]]):
    """The KPIs of the company (or of a KAM's portfolio). Key-based figures are null
    without a key-account list at the start of P; ratios are null when undefined (a
    cost of 0 for the ROI, no revenue in P' for the uplift in %). Shares are fractions."""

    accounts = serializers.IntegerField()
    revenue = serializers.FloatField(help_text=_("Revenue in P of every account in scope."))
    revenue_previous = serializers.FloatField(help_text=_("The same in P'."))
    key_accounts = _count(_("Accounts of K: key at the start of P."))
    increased = _count(_("Key accounts with revenue(P) > revenue(P')."))
    increased_share = _number()
    key_revenue = _number()
    key_revenue_previous = _number()
    uplift_total = _number(_("Σ (revenue(P) − revenue(P')) over K."))
    uplift_mean = _number()
    uplift_median = _number()
    uplift_pct = _number(_("Σ uplift / Σ revenue(P') over K."))
    key_revenue_share = _number()
    retained = _count()
    retention = _number(_("Share of K with revenue in P."))
    lost = serializers.ListField(child=serializers.CharField(), allow_null=True)
    activities = _count(_("Activities on K in P."))
    activity_cost = _number()
    activities_per_key_account = _number()
    roi = _number(_("(Σ uplift − Σ cost) / Σ cost over K."))
    unallocated_uplift = _number(_("Uplift of key accounts whose activities cost nothing."))
    channel_mix = serializers.DictField(
        child=serializers.FloatField(), allow_null=True, help_text=_("Share per channel code.")
    )
    new_key_accounts = NewKeyAccountsSerializer(allow_null=True)
    did = DidSerializer(allow_null=True)
    did_undefined = serializers.CharField(allow_null=True)
    did_sentence = serializers.CharField(allow_null=True)


class TargetCheckSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kpi = serializers.ChoiceField(choices=KpiCode.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    manager = serializers.CharField(allow_null=True)
    value = serializers.FloatField()
    direction = serializers.ChoiceField(choices=TargetDirection.choices)
    actual = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=TargetStatus.choices, allow_null=True)
    status_label = serializers.CharField(allow_null=True)


class KpiReportSerializer(serializers.Serializer[dict[str, Any]]):
    """The KPI report of a period. ``rows`` depends on ``group``: ``company`` one row
    per KPI (kpi, label, value, target, direction, status); ``kam`` one row per lead at
    the start of P (null: no lead) with the summary's figures and its ``targets``;
    ``account`` one row per key account; ``channel`` one row per channel."""

    period = PeriodSerializer()
    scope = serializers.ChoiceField(choices=["company", "portfolio"])
    group = serializers.ChoiceField(choices=list(GROUPS))
    key_list_start = KeyListSerializer(allow_null=True)
    key_list_end = KeyListSerializer(allow_null=True)
    messages = serializers.ListField(child=serializers.CharField())
    summary = SummarySerializer()
    targets = TargetCheckSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


class KpiTargetSerializer(serializers.ModelSerializer[KpiTarget]):
    """A target for a KPI over a period, for the company (``manager`` null) or a KAM."""

    manager = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("The KAM's username; null for the company."),
    )
    label = serializers.CharField(  # type: ignore[assignment]
        source="get_kpi_display", read_only=True
    )
    created_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = KpiTarget
        fields = [
            "id",
            "kpi",
            "label",
            "manager",
            "date_from",
            "date_to",
            "value",
            "direction",
            "created_by",
            "created_at",
            "updated_at",
        ]


class KpiTargetWriteSerializer(serializers.Serializer[dict[str, Any]]):
    """Set a target (a target of the same KPI, KAM and period is replaced)."""

    kpi = serializers.CharField(help_text=_("A KPI code."))
    manager = serializers.CharField(
        required=False, allow_null=True, help_text=_("A KAM's username; omit for the company.")
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    value = serializers.FloatField()
    direction = serializers.CharField(required=False, default=TargetDirection.AT_LEAST)
