"""The one chart helper: Altair charts handed to the page as Vega-Lite JSON specs.

Pages embed a spec with ``json_script`` and ``static/kam/charts.js`` draws it with
vega-embed (served offline from the vl-convert-python wheel, see ``kam.core.views``).
The same spec can later be rendered to SVG/PNG for PDF reports by vl-convert. Every chart
comes with a table of the same numbers on the page, for accessibility and for copying.

Also here: shaping an account's monthly sales into a gap-free series and the trailing
twelve months compared with the twelve before, which is what the chart and its table show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import altair as alt
from django.utils import dates as django_dates
from django.utils.formats import get_format
from django.utils.translation import gettext as _

# The palette of kam.css, so charts and pages look like one product.
PRIMARY = "#2855d8"
ACCENT = "#e07a1f"
MUTED = "#5b6475"


@dataclass(frozen=True)
class MonthSales:
    """Sales of one account in one calendar month (zero when nothing was sold)."""

    month: date
    revenue: float = 0.0
    margin: float = 0.0
    orders: int = 0
    quantity: float = 0.0


@dataclass(frozen=True)
class PeriodComparison:
    """Revenue, margin and orders of the trailing twelve complete months against the
    twelve months just before them (the product's default KPI period P and P')."""

    current_start: date
    current_end: date
    previous_start: date
    previous_end: date
    current_revenue: float
    previous_revenue: float
    current_margin: float
    previous_margin: float
    current_orders: int
    previous_orders: int

    @property
    def revenue_change(self) -> float:
        return self.current_revenue - self.previous_revenue

    @property
    def revenue_change_pct(self) -> float | None:
        """Growth in percent; None when there was nothing to grow from."""
        if self.previous_revenue == 0:
            return None
        return 100.0 * self.revenue_change / abs(self.previous_revenue)


def month_start(day: date | datetime) -> date:
    """The first day of the month of ``day``."""
    if isinstance(day, datetime):
        day = day.date()
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after (or before) ``month``."""
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def month_series(rows: Iterable[Mapping[str, Any]], *, first: date, last: date) -> list[MonthSales]:
    """One entry per month from ``first`` to ``last`` (inclusive), zero-filled, from the
    rows of ``kam.sales.selectors.account_monthly_sales`` (month, revenue, margin,
    orders, quantity); rows outside the range are left out."""
    by_month: dict[date, MonthSales] = {}
    for row in rows:
        month = month_start(row["month"])
        by_month[month] = MonthSales(
            month=month,
            revenue=float(row.get("revenue") or 0),
            margin=float(row.get("margin") or 0),
            orders=int(row.get("orders") or 0),
            quantity=float(row.get("quantity") or 0),
        )
    series = []
    month = month_start(first)
    while month <= last:
        series.append(by_month.get(month, MonthSales(month=month)))
        month = add_months(month, 1)
    return series


def sales_history(
    rows: Iterable[Mapping[str, Any]], *, today: date, months: int = 36
) -> tuple[list[MonthSales], PeriodComparison]:
    """The last ``months`` months of sales and the trailing-12-months comparison.

    The series ends with the current month when it already has sales (month to date),
    else with the last complete month. The comparison always uses complete months: the
    twelve before the current month against the twelve before those."""
    rows = list(rows)
    this_month = month_start(today)
    has_current = any(month_start(r["month"]) == this_month for r in rows)
    last = this_month if has_current else add_months(this_month, -1)
    first = add_months(last, -(months - 1))
    series = month_series(rows, first=first, last=last)

    current_end = add_months(this_month, -1)
    current_start = add_months(this_month, -12)
    previous_start = add_months(this_month, -24)
    previous_end = add_months(this_month, -13)
    full = month_series(rows, first=previous_start, last=current_end)
    current = [m for m in full if m.month >= current_start]
    previous = [m for m in full if m.month <= previous_end]
    comparison = PeriodComparison(
        current_start=current_start,
        current_end=current_end,
        previous_start=previous_start,
        previous_end=previous_end,
        current_revenue=sum(m.revenue for m in current),
        previous_revenue=sum(m.revenue for m in previous),
        current_margin=sum(m.margin for m in current),
        previous_margin=sum(m.margin for m in previous),
        current_orders=sum(m.orders for m in current),
        previous_orders=sum(m.orders for m in previous),
    )
    return series, comparison


def _embed_options() -> dict[str, Any]:
    """vega-embed options carried inside the spec (``usermeta.embedOptions``): number
    and month formats of the active language, taken from Django's own translations."""
    decimal = str(get_format("DECIMAL_SEPARATOR"))
    thousands = str(get_format("THOUSAND_SEPARATOR"))
    months = [str(django_dates.MONTHS[i]) for i in range(1, 13)]
    short_months = [str(django_dates.MONTHS_3[i]).capitalize() for i in range(1, 13)]
    # Django numbers weekdays from Monday; d3 from Sunday.
    days = [str(django_dates.WEEKDAYS[i % 7]) for i in range(6, 13)]
    short_days = [str(django_dates.WEEKDAYS_ABBR[i % 7]) for i in range(6, 13)]
    return {
        "actions": False,
        "renderer": "svg",
        "formatLocale": {
            "decimal": decimal,
            "thousands": thousands if thousands.strip() else "\u202f",
            "grouping": [3],
            "currency": ["", ""],
        },
        "timeFormatLocale": {
            "dateTime": "%x, %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": days,
            "shortDays": short_days,
            "months": months,
            "shortMonths": short_months,
        },
    }


def monthly_sales_chart(series: list[MonthSales]) -> dict[str, Any]:
    """Revenue per month as bars with margin as a line: the Vega-Lite spec (a dict)."""
    revenue_label, margin_label = _("Revenue"), _("Margin")
    # Long format (one row per month and measure) so that one colour scale gives the
    # legend; each row also carries every number of its month for the tooltip. Layers
    # filter on the fixed ``measure`` key, never on a translated label (quotes in it).
    values = [
        {
            "month": m.month.isoformat(),
            "measure": measure,
            "series": label,
            "value": round(value, 2),
            "revenue": round(m.revenue, 2),
            "margin": round(m.margin, 2),
            "orders": m.orders,
        }
        for m in series
        for measure, label, value in (
            ("revenue", revenue_label, m.revenue),
            ("margin", margin_label, m.margin),
        )
    ]
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=[revenue_label, margin_label], range=[PRIMARY, ACCENT]),
        legend=alt.Legend(title=None, orient="top", direction="horizontal"),
    )
    tooltip = [
        alt.Tooltip("month:T", title=_("Month"), timeUnit="utcyearmonth", format="%B %Y"),
        alt.Tooltip("revenue:Q", title=revenue_label, format=",.0f"),
        alt.Tooltip("margin:Q", title=margin_label, format=",.0f"),
        alt.Tooltip("orders:Q", title=_("Orders"), format=",d"),
    ]
    # ISO dates are read as UTC midnight by Vega: UTC time units keep each bar in its month
    # whatever the browser's time zone. An ordinal axis puts each label under its bar.
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X(
            "month:O",
            timeUnit="utcyearmonth",
            title=None,
            axis=alt.Axis(format="%b %y", labelAngle=0, labelOverlap=True, ticks=False),
        ),
        y=alt.Y("value:Q", title=_("Amount"), axis=alt.Axis(format="~s")),
        color=colour,
        tooltip=tooltip,
    )
    bars = base.transform_filter(alt.datum.measure == "revenue").mark_bar(
        cornerRadiusTopLeft=2, cornerRadiusTopRight=2
    )
    line = base.transform_filter(alt.datum.measure == "margin").mark_line(point=True, strokeWidth=2)
    chart = (
        alt.layer(bars, line)
        .properties(width="container", height=260, usermeta={"embedOptions": _embed_options()})
        .configure(font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=MUTED, titleColor=MUTED, domainColor="#d0d5dd", gridColor="#eef0f4"
        )
    )
    return chart.to_dict()


# -- scoring charts ---------------------------------------------------------------------

# One colour per tier and per portfolio quadrant, the same on every page (and in kam.css).
TIER_COLOURS = {"key": PRIMARY, "strategic": ACCENT, "standard": "#98a2b3"}
QUADRANT_COLOURS = {
    "strategic": PRIMARY,
    "develop": ACCENT,
    "maintain": "#177245",
    "opportunistic": "#98a2b3",
}
SOFT = "#dfe6fb"


@dataclass(frozen=True)
class ContributionBar:
    """One criterion of an account's score: the points it gave out of the most it could
    give (its weight), and the raw value behind them, already formatted for people."""

    label: str
    points: float
    weight: float
    value: str


@dataclass(frozen=True)
class ScorePoint:
    """An account's score in one score run: the run's number, when it was scored and as
    of which date; ``tier`` is the tier's code (it picks the colour), ``tier_label`` what
    people read."""

    run: int
    scored_at: datetime
    as_of: date
    score: float
    rank: int
    tier: str
    tier_label: str


@dataclass(frozen=True)
class PortfolioPoint:
    """One account on the portfolio matrix (both axes from 0 to 100)."""

    name: str
    attractiveness: float
    strength: float
    quadrant: str
    quadrant_label: str
    score: float


def _styled(chart: alt.TopLevelMixin, *, height: int) -> dict[str, Any]:
    """The house style shared by the scoring charts, as a Vega-Lite dict."""
    styled = (
        chart.properties(
            width="container", height=height, usermeta={"embedOptions": _embed_options()}
        )
        .configure(font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif")
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=MUTED, titleColor=MUTED, domainColor="#d0d5dd", gridColor="#eef0f4"
        )
        .configure_legend(labelColor=MUTED, titleColor=MUTED)
    )
    return styled.to_dict()


def contributions_chart(bars: list[ContributionBar]) -> dict[str, Any]:
    """Points per criterion as horizontal bars, each drawn over a pale bar as long as the
    criterion's weight (the most it can give), so both what was earned and what was left
    on the table show; the bars' lengths add up to the score."""
    values = [
        {
            "order": index,
            "criterion": bar.label,
            "points": round(bar.points, 2),
            "weight": round(bar.weight, 2),
            "value": bar.value,
        }
        for index, bar in enumerate(bars)
    ]
    points_title, weight_title = _("Points"), _("Weight")
    tooltip = [
        alt.Tooltip("criterion:N", title=_("Criterion")),
        alt.Tooltip("value:N", title=_("Value")),
        alt.Tooltip("points:Q", title=points_title, format=".1f"),
        alt.Tooltip("weight:Q", title=weight_title, format=".1f"),
    ]
    y = alt.Y(
        "criterion:N",
        sort=[bar.label for bar in bars],
        title=None,
        axis=alt.Axis(labelLimit=220, ticks=False, domain=False),
    )
    base = alt.Chart(alt.Data(values=values)).encode(y=y, tooltip=tooltip)
    weight = base.mark_bar(color=SOFT, cornerRadiusEnd=3, height={"band": 0.7}).encode(
        x=alt.X(
            "weight:Q",
            title=points_title,
            scale=alt.Scale(domainMin=0),
            axis=alt.Axis(tickCount=6, grid=True),
        )
    )
    earned = base.mark_bar(color=PRIMARY, cornerRadiusEnd=3, height={"band": 0.7}).encode(
        x=alt.X("points:Q")
    )
    labels = base.mark_text(align="left", dx=4, color=MUTED, fontSize=11).encode(
        x=alt.X("weight:Q"), text=alt.Text("points:Q", format=".1f")
    )
    return _styled(alt.layer(weight, earned, labels), height=max(120, 34 * len(bars)))


def score_history_chart(points: list[ScorePoint]) -> dict[str, Any]:
    """The account's score across score runs (oldest first; several runs may share an
    as-of date) as a line, each run a dot coloured by the tier the account had in it."""
    labels = {p.tier: p.tier_label for p in points}
    values = [
        {
            "run": f"#{p.run}",
            "scored_at": p.scored_at.isoformat(),
            "as_of": p.as_of.isoformat(),
            "score": round(p.score, 2),
            "rank": p.rank,
            "tier": p.tier_label,
        }
        for p in points
    ]
    tooltip = [
        alt.Tooltip("run:N", title=_("Run")),
        alt.Tooltip("scored_at:T", title=_("Scored on"), format="%d/%m/%Y %H:%M"),
        alt.Tooltip("as_of:T", title=_("As of"), format="%d/%m/%Y", timeUnit="utcyearmonthdate"),
        alt.Tooltip("score:Q", title=_("Score"), format=".1f"),
        alt.Tooltip("rank:Q", title=_("Rank"), format=",d"),
        alt.Tooltip("tier:N", title=_("Tier")),
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        # One step per run, oldest first: runs may be minutes or months apart.
        x=alt.X(
            "run:O",
            sort=None,
            title=_("Score run"),
            axis=alt.Axis(labelAngle=0, labelOverlap=True),
        ),
        y=alt.Y("score:Q", title=_("Score"), scale=alt.Scale(domain=[0, 100])),
        tooltip=tooltip,
    )
    line = base.mark_line(color=MUTED, strokeWidth=2)
    dots = base.mark_point(filled=True, size=90, opacity=1).encode(
        color=alt.Color(
            "tier:N",
            scale=alt.Scale(
                domain=list(labels.values()),
                range=[TIER_COLOURS.get(code, MUTED) for code in labels],
            ),
            legend=alt.Legend(title=None, orient="top", direction="horizontal"),
        )
    )
    return _styled(alt.layer(line, dots), height=220)


def pareto_chart(
    curve: list[tuple[float, float]],
    *,
    top_fraction: float,
    top_share: float,
    abc_a: float,
    abc_b: float,
) -> dict[str, Any]:
    """The Pareto curve (share of accounts, largest first, against their share of the
    revenue), with a marker at the top ``top_fraction`` of accounts and the A and B class
    thresholds as horizontal lines. Shares from 0 to 1, shown as percentages."""
    accounts_title, revenue_title = _("Share of accounts"), _("Share of revenue")
    values = [{"accounts": round(x, 6), "revenue": round(y, 6)} for x, y in curve]
    percent = alt.Axis(format=".0%", tickCount=10)
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("accounts:Q", title=accounts_title, axis=percent, scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("revenue:Q", title=revenue_title, axis=percent, scale=alt.Scale(domain=[0, 1])),
    )
    area = base.mark_area(color=PRIMARY, opacity=0.12, interpolate="monotone")
    line = base.mark_line(color=PRIMARY, strokeWidth=2.5, interpolate="monotone").encode(
        tooltip=[
            alt.Tooltip("accounts:Q", title=accounts_title, format=".1%"),
            alt.Tooltip("revenue:Q", title=revenue_title, format=".1%"),
        ]
    )
    thresholds = alt.Chart(
        alt.Data(
            values=[
                {"y": abc_a, "label": _("A ≤ %(share)s") % {"share": _percent(abc_a)}},
                {"y": abc_b, "label": _("B ≤ %(share)s") % {"share": _percent(abc_b)}},
            ]
        )
    )
    rules = thresholds.mark_rule(color=MUTED, strokeDash=[4, 4]).encode(y="y:Q")
    rule_labels = thresholds.mark_text(
        align="right", baseline="bottom", dy=-3, x="width", dx=-4, color=MUTED, fontSize=11
    ).encode(y="y:Q", text="label:N")
    marker_label = _("Top %(accounts)s of accounts: %(revenue)s of revenue") % {
        "accounts": _percent(top_fraction),
        "revenue": _percent(top_share),
    }
    marker_data = alt.Chart(
        alt.Data(values=[{"x": top_fraction, "y": top_share, "label": marker_label}])
    )
    marker_rule = marker_data.mark_rule(color=ACCENT, strokeWidth=1.5).encode(x="x:Q")
    marker_dot = marker_data.mark_point(color=ACCENT, filled=True, size=90, opacity=1).encode(
        x="x:Q", y="y:Q", tooltip=alt.Tooltip("label:N", title=_("Pareto"))
    )
    marker_text = marker_data.mark_text(
        align="left", dx=8, dy=14, color=ACCENT, fontWeight="bold", fontSize=12
    ).encode(x="x:Q", y="y:Q", text="label:N")
    layers = alt.layer(area, line, rules, rule_labels, marker_rule, marker_dot, marker_text)
    return _styled(layers, height=340)


def _percent(share: float) -> str:
    """A share as a whole percentage in the active language ("80 %")."""
    number = (
        f"{100 * share:.0f}"
        if abs(100 * share - round(100 * share)) < 0.05
        else (f"{100 * share:.1f}".replace(".", str(get_format("DECIMAL_SEPARATOR"))))
    )
    return f"{number} %"


def portfolio_chart(
    points: list[PortfolioPoint], *, quadrant_labels: Mapping[str, str]
) -> dict[str, Any]:
    """The portfolio matrix (McDonald & Rogers): account attractiveness up, our relative
    strength across, both 0–100, split into four quadrants at 50 whose names are written
    in their corners; one dot per account, named in its tooltip."""
    values = [
        {
            "name": p.name,
            "attractiveness": round(p.attractiveness, 2),
            "strength": round(p.strength, 2),
            "quadrant": p.quadrant_label,
            "score": round(p.score, 1),
        }
        for p in points
    ]
    domain = [quadrant_labels[code] for code in QUADRANT_COLOURS if code in quadrant_labels]
    colours = [QUADRANT_COLOURS[code] for code in QUADRANT_COLOURS if code in quadrant_labels]
    attractiveness_title, strength_title = _("Account attractiveness"), _("Our relative strength")
    axis_scale = alt.Scale(domain=[0, 100], nice=False)
    dots = (
        alt.Chart(alt.Data(values=values))
        .mark_circle(size=70, opacity=0.75)
        .encode(
            x=alt.X("strength:Q", title=strength_title, scale=axis_scale),
            y=alt.Y("attractiveness:Q", title=attractiveness_title, scale=axis_scale),
            color=alt.Color(
                "quadrant:N",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(title=None, orient="top", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=_("Account")),
                alt.Tooltip("attractiveness:Q", title=attractiveness_title, format=".1f"),
                alt.Tooltip("strength:Q", title=strength_title, format=".1f"),
                alt.Tooltip("score:Q", title=_("Score"), format=".1f"),
                alt.Tooltip("quadrant:N", title=_("Quadrant")),
            ],
        )
    )
    lines = alt.Chart(alt.Data(values=[{"at": 50}]))
    vertical = lines.mark_rule(color=MUTED, strokeDash=[4, 4]).encode(x="at:Q")
    horizontal = lines.mark_rule(color=MUTED, strokeDash=[4, 4]).encode(y="at:Q")
    # Each quadrant's name in its outer corner: high attractiveness is the top half,
    # high strength the right half.
    corners = {
        "develop": (2, 98, "left", "top"),
        "strategic": (98, 98, "right", "top"),
        "opportunistic": (2, 2, "left", "bottom"),
        "maintain": (98, 2, "right", "bottom"),
    }
    text_layers = [
        alt.Chart(alt.Data(values=[{"x": x, "y": y, "label": quadrant_labels[code]}]))
        .mark_text(
            align=align,  # type: ignore[arg-type]
            baseline=baseline,  # type: ignore[arg-type]
            fontWeight="bold",
            fontSize=12,
            color=QUADRANT_COLOURS[code],
            opacity=0.9,
        )
        .encode(x="x:Q", y="y:Q", text="label:N")
        for code, (x, y, align, baseline) in corners.items()
        if code in quadrant_labels
    ]
    return _styled(alt.layer(vertical, horizontal, dots, *text_layers), height=440)
