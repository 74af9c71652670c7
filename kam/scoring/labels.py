"""Names people read on the scoring pages, in the active language: features, tiers,
portfolio quadrants, and the choices of the scorecard editor (normalisations, directions,
missing-value policies, ABC classes). Shared by the views, the forms and the template tags.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.domain.features import FEATURES
from kam.domain.scorecard import Direction, MissingPolicy, Normalisation

# The feature catalogue's labels are English; these are the same words, translated.
FEATURE_LABELS: dict[str, Promise] = {
    "revenue_12m": _("Revenue, last 12 months"),
    "revenue_prev_12m": _("Revenue, previous 12 months"),
    "avg_monthly_revenue": _("Average monthly revenue"),
    "growth": _("Revenue growth"),
    "orders_12m": _("Orders, last 12 months"),
    "quantity_12m": _("Quantity, last 12 months"),
    "margin_12m": _("Margin, last 12 months"),
    "margin_rate": _("Margin rate"),
    "product_breadth": _("Products bought"),
    "category_breadth": _("Product categories bought"),
    "active_months_12m": _("Months with purchases"),
    "recency_days": _("Days since last order"),
    "relationship_months": _("Relationship length"),
    "share_of_wallet": _("Share of wallet"),
    "employees": _("Employees"),
    "market_share": _("Market share"),
    "countries_count": _("Countries"),
    "subsidiaries_count": _("Subsidiaries"),
    "strategic_fit": _("Strategic fit"),
    "sector": _("Sector"),
    "country": _("Country"),
}
TIER_LABELS: dict[str, Promise] = {
    "key": pgettext_lazy("tier", "Key"),
    "strategic": pgettext_lazy("tier", "Strategic"),
    "standard": pgettext_lazy("tier", "Standard"),
}
QUADRANT_LABELS: dict[str, Promise] = {
    "strategic": pgettext_lazy("quadrant", "Strategic"),
    "develop": pgettext_lazy("quadrant", "Develop"),
    "maintain": pgettext_lazy("quadrant", "Maintain"),
    "opportunistic": pgettext_lazy("quadrant", "Opportunistic"),
}
NORMALISATION_LABELS: dict[str, Promise] = {
    Normalisation.PERCENTILE: _("Percentile rank"),
    Normalisation.MINMAX: _("Min–max"),
    Normalisation.LOG_MINMAX: _("Log min–max"),
    Normalisation.BANDS: _("Bands"),
    Normalisation.CATEGORIES: _("Categories"),
}
DIRECTION_LABELS: dict[str, Promise] = {
    Direction.HIGHER: _("Higher is better"),
    Direction.LOWER: _("Lower is better"),
}
MISSING_LABELS: dict[str, Promise] = {
    MissingPolicy.ZERO: _("Count as zero"),
    MissingPolicy.MEDIAN: _("Use the median"),
    MissingPolicy.EXCLUDE: _("Leave out, reweight the rest"),
}
ABC_CHOICES = [("A", "A"), ("B", "B"), ("C", "C")]


def feature_label(name: str) -> str:
    """A feature's name as people read it, in the active language."""
    if name in FEATURE_LABELS:
        return str(FEATURE_LABELS[name])
    spec = FEATURES.get(name)
    return spec.label if spec else name


def tier_label(code: str) -> str:
    """A tier code as people read it; tiers of custom rules are shown as they are."""
    return str(TIER_LABELS[code]) if code in TIER_LABELS else code


def quadrant_label(code: str) -> str:
    """A portfolio quadrant code as people read it."""
    return str(QUADRANT_LABELS[code]) if code in QUADRANT_LABELS else code
