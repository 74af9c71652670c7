"""The filters and sort order of the key-accounts list (and of its CSV/Excel exports)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.scoring.labels import ABC_CHOICES
from kam.scoring.models import AccountScore

# Sort keys offered by the column headers → the columns they order by. Scores and growth
# read best first on the first click; empty growth always goes last.
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "rank": (F("rank").asc(),),
    "-rank": (F("rank").desc(),),
    "score": (F("score").desc(),),
    "-score": (F("score").asc(),),
    "revenue": (F("revenue_12m").desc(),),
    "-revenue": (F("revenue_12m").asc(),),
    "growth": (F("growth").desc(nulls_last=True),),
    "-growth": (F("growth").asc(nulls_last=True),),
    "name": (F("account__name").asc(),),
    "-name": (F("account__name").desc(),),
}
DEFAULT_TIER = "key"


class KeyAccountFilterSet(django_filters.FilterSet):
    """Filters of the key-accounts list (and of its exports): tier (the key tier unless
    the request names another or all), ABC class, sector, lead manager, portfolio
    quadrant, search; and the sort order."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    tier = django_filters.CharFilter(method="in_tier", label=_("Tier"))
    abc = django_filters.ChoiceFilter(choices=ABC_CHOICES, label=_("ABC class"))
    sector = django_filters.CharFilter(
        field_name="account__sector", lookup_expr="iexact", label=_("Sector")
    )
    manager = django_filters.NumberFilter(method="led_by", label=_("Lead manager"))
    quadrant = django_filters.CharFilter(field_name="quadrant", label=_("Quadrant"))
    ordering = django_filters.CharFilter(method="order", label=_("Sort"))

    class Meta:
        model = AccountScore
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else None
        if data is not None and "tier" not in data:
            data["tier"] = DEFAULT_TIER  # an empty value (all tiers) is a choice too
        super().__init__(data, *args, **kwargs)

    def search(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(account__name__icontains=value) | Q(account__external_id__icontains=value)
        )

    def in_tier(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        value = value.strip()
        return qs.filter(tier=value) if value else qs

    def led_by(
        self, qs: QuerySet[AccountScore], name: str, value: Decimal
    ) -> QuerySet[AccountScore]:
        if value is None:
            return qs
        return qs.filter(
            account__assignments__manager_id=int(value),
            account__assignments__role="lead",
            account__assignments__ended_at__isnull=True,
        )

    def order(self, qs: QuerySet[AccountScore], name: str, value: str) -> QuerySet[AccountScore]:
        return qs.order_by(*ORDERINGS.get(value.strip(), ORDERINGS["rank"]), "rank", "pk")

    @property
    def qs(self) -> QuerySet[AccountScore]:
        queryset = super().qs
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("ordering")):
            queryset = queryset.order_by("rank", "pk")
        return queryset
