"""The health score of a key account, 0–100, explainable like the scorecard: each
component is normalised to 0–1 by documented bands, and earns ``weight × value`` points
(weights rescaled to sum to 100); the score is the sum of the points. No Django import.

Components and their bands (linear between the two ends):

- **revenue trend**: revenue of the last 3 complete months against the same 3 months a
  year before. A fall of 50 % or more is 0; a rise of 10 % or more is 1; flat is 0.83.
  No revenue in either window is 0; revenue now but none a year before is 1 (new business).
- **recency of orders**: days since the last order. 30 days or less is 1; 180 days or
  more (or no order at all) is 0.
- **activity freshness**: days since the last activity on the channels of the account's
  channel plan (any channel when it has no plan). 30 days or less is 1; 120 days or more
  (or never) is 0.
- **stakeholder coverage**: the share of the 4 coverage rules met
  (:mod:`kam.domain.stakeholders`).
- **plan progress**: the completion of the account plan of the year (0–1,
  :mod:`kam.domain.plans`); 0 without a plan.
"""

from __future__ import annotations

from dataclasses import dataclass


def _(text: str) -> str:
    """Marks a text for translation; the Django layer shows it with ``gettext``."""
    return text


REVENUE_TREND = "revenue_trend"
ORDER_RECENCY = "order_recency"
ACTIVITY_FRESHNESS = "activity_freshness"
STAKEHOLDER_COVERAGE = "stakeholder_coverage"
PLAN_PROGRESS = "plan_progress"
COMPONENTS = (REVENUE_TREND, ORDER_RECENCY, ACTIVITY_FRESHNESS, STAKEHOLDER_COVERAGE, PLAN_PROGRESS)
COMPONENT_LABELS: dict[str, str] = {
    REVENUE_TREND: _("Revenue trend"),
    ORDER_RECENCY: _("Recency of orders"),
    ACTIVITY_FRESHNESS: _("Activity freshness"),
    STAKEHOLDER_COVERAGE: _("Stakeholder coverage"),
    PLAN_PROGRESS: _("Plan progress"),
}
DEFAULT_WEIGHTS: dict[str, float] = {
    REVENUE_TREND: 30,
    ORDER_RECENCY: 20,
    ACTIVITY_FRESHNESS: 20,
    STAKEHOLDER_COVERAGE: 15,
    PLAN_PROGRESS: 15,
}

# The bands (see the module's docstring).
TREND_ZERO = -0.5  # a fall of 50 % or more
TREND_FULL = 0.1  # a rise of 10 % or more
RECENCY_FULL_DAYS = 30
RECENCY_ZERO_DAYS = 180
FRESHNESS_FULL_DAYS = 30
FRESHNESS_ZERO_DAYS = 120


@dataclass(frozen=True)
class HealthInputs:
    revenue_3m: float = 0.0
    revenue_3m_year_before: float = 0.0
    days_since_order: int | None = None
    days_since_activity: int | None = None
    coverage_met: int = 0
    coverage_total: int = 4
    plan_completion: float | None = None  # 0–1, None without a plan


@dataclass(frozen=True)
class HealthComponent:
    code: str
    label: str
    value: float  # 0–1
    weight: float  # rescaled: the weights sum to 100
    points: float  # value × weight
    detail: str  # the input, readable ("-12.5 %", "45 days"...)


@dataclass(frozen=True)
class Health:
    score: float  # 0–100, the sum of the components' points
    components: tuple[HealthComponent, ...]


def _linear_down(days: int | None, full: int, zero: int) -> float:
    """1 up to ``full`` days, 0 from ``zero`` days (and for never), linear between."""
    if days is None or days >= zero:
        return 0.0
    if days <= full:
        return 1.0
    return (zero - days) / (zero - full)


def revenue_change(current: float, before: float) -> float | None:
    """The relative change (0.1 = +10 %); None when there was nothing a year before."""
    if before <= 0:
        return None
    return (current - before) / before


def trend_value(current: float, before: float) -> float:
    change = revenue_change(current, before)
    if change is None:
        return 1.0 if current > 0 else 0.0
    return max(0.0, min(1.0, (change - TREND_ZERO) / (TREND_FULL - TREND_ZERO)))


def recency_value(days: int | None) -> float:
    return _linear_down(days, RECENCY_FULL_DAYS, RECENCY_ZERO_DAYS)


def freshness_value(days: int | None) -> float:
    return _linear_down(days, FRESHNESS_FULL_DAYS, FRESHNESS_ZERO_DAYS)


def coverage_value(met: int, total: int) -> float:
    return max(0.0, min(1.0, met / total)) if total > 0 else 0.0


def plan_value(completion: float | None) -> float:
    return 0.0 if completion is None else max(0.0, min(1.0, completion))


def normalised_weights(weights: dict[str, float] | None = None) -> dict[str, float]:
    """The weights of the five components rescaled to sum to 100 (missing ones are 0;
    all zero falls back to the defaults). Negative weights are refused."""
    given = {code: float((weights or DEFAULT_WEIGHTS).get(code, 0)) for code in COMPONENTS}
    if any(w < 0 for w in given.values()):
        raise ValueError("health weights may not be negative")
    total = sum(given.values())
    if total <= 0:
        given, total = dict(DEFAULT_WEIGHTS), sum(DEFAULT_WEIGHTS.values())
    return {code: 100.0 * w / total for code, w in given.items()}


def _days(days: int | None) -> str:
    return "—" if days is None else f"{days} d"


def health_score(inputs: HealthInputs, weights: dict[str, float] | None = None) -> Health:
    """The health of an account: its components (value, weight, points) and their sum."""
    w = normalised_weights(weights)
    change = revenue_change(inputs.revenue_3m, inputs.revenue_3m_year_before)
    values = {
        REVENUE_TREND: (
            trend_value(inputs.revenue_3m, inputs.revenue_3m_year_before),
            "—" if change is None else f"{100 * change:+.1f} %",
        ),
        ORDER_RECENCY: (recency_value(inputs.days_since_order), _days(inputs.days_since_order)),
        ACTIVITY_FRESHNESS: (
            freshness_value(inputs.days_since_activity),
            _days(inputs.days_since_activity),
        ),
        STAKEHOLDER_COVERAGE: (
            coverage_value(inputs.coverage_met, inputs.coverage_total),
            f"{inputs.coverage_met}/{inputs.coverage_total}",
        ),
        PLAN_PROGRESS: (
            plan_value(inputs.plan_completion),
            "—" if inputs.plan_completion is None else f"{100 * inputs.plan_completion:.0f} %",
        ),
    }
    components = tuple(
        HealthComponent(
            code=code,
            label=COMPONENT_LABELS[code],
            value=values[code][0],
            weight=w[code],
            points=values[code][0] * w[code],
            detail=values[code][1],
        )
        for code in COMPONENTS
    )
    return Health(score=sum(c.points for c in components), components=components)
