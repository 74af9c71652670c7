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
