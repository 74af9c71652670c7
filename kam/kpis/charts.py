"""The KPI dashboard's charts: Altair specs drawn in the browser by the offline bundle, and
the same specs rendered to SVG by vl-convert for the PDF report. Each chart's numbers are
also in a table on the page and in a CSV download (:mod:`kam.kpis.views`)."""

from __future__ import annotations

import copy
from typing import Any

import altair as alt
from django.utils.translation import gettext as _

from kam.core.charts import ACCENT, MUTED, PRIMARY, _styled, pareto_chart
from kam.kpis.dashboard import KpiDashboard

__all__ = ["cohort_chart", "dashboard_charts", "key_vs_other_chart", "pareto_chart", "to_svg"]


def key_vs_other_chart(rows: list[dict[str, Any]], *, period_start: str) -> dict[str, Any]:
    """Revenue of the key accounts (the list at the start of P) and of the other accounts,
    by month over P' and P, as two lines; a rule marks the start of P."""
    key_label, other_label = _("Key accounts"), _("Other accounts")
    values = [
        {"month": row["month"].isoformat(), "series": label, "revenue": round(value, 2)}
        for row in rows
        for label, value in ((key_label, row["key_revenue"]), (other_label, row["other_revenue"]))
    ]
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X(
            "month:T",
            timeUnit="utcyearmonth",
            title=None,
            axis=alt.Axis(format="%b %y", labelOverlap=True),
        ),
        y=alt.Y("revenue:Q", title=_("Revenue"), axis=alt.Axis(format="~s")),
        color=alt.Color(
            "series:N",
            scale=alt.Scale(domain=[key_label, other_label], range=[PRIMARY, ACCENT]),
            legend=alt.Legend(title=None, orient="top", direction="horizontal"),
        ),
        tooltip=[
            alt.Tooltip("month:T", title=_("Month"), timeUnit="utcyearmonth", format="%B %Y"),
            alt.Tooltip("series:N", title=_("Accounts")),
            alt.Tooltip("revenue:Q", title=_("Revenue"), format=",.0f"),
        ],
    )
    line = base.mark_line(point=True, strokeWidth=2)
    return _styled(alt.layer(line, _period_rule(period_start)), height=260)


def cohort_chart(rows: list[dict[str, Any]], *, period_start: str) -> dict[str, Any]:
    """The cohort of the key accounts of the start-of-period list: their revenue by month
    (bars) and how many of them bought that month (line, right axis)."""
    revenue_title, buying_title = _("Revenue of the cohort"), _("Cohort accounts buying")
    values = [
        {
            "month": row["month"].isoformat(),
            "revenue": round(row["key_revenue"], 2),
            "buying": row["key_accounts_buying"],
        }
        for row in rows
    ]
    x = alt.X("month:T", timeUnit="utcyearmonth", title=None, axis=alt.Axis(format="%b %y"))
    tooltip = [
        alt.Tooltip("month:T", title=_("Month"), timeUnit="utcyearmonth", format="%B %Y"),
        alt.Tooltip("revenue:Q", title=revenue_title, format=",.0f"),
        alt.Tooltip("buying:Q", title=buying_title, format=",d"),
    ]
    base = alt.Chart(alt.Data(values=values)).encode(x=x, tooltip=tooltip)
    bars = base.mark_bar(color=PRIMARY, opacity=0.8).encode(
        y=alt.Y("revenue:Q", title=revenue_title, axis=alt.Axis(format="~s", titleColor=PRIMARY))
    )
    line = base.mark_line(
        color=ACCENT, point=alt.OverlayMarkDef(color=ACCENT), strokeWidth=2
    ).encode(
        y=alt.Y(
            "buying:Q",
            title=buying_title,
            axis=alt.Axis(format=",d", orient="right", titleColor=ACCENT),
        )
    )
    layered = alt.layer(bars, line).resolve_scale(y="independent")
    return _styled(alt.layer(layered, _period_rule(period_start)), height=240)


def _period_rule(period_start: str) -> Any:
    marker = alt.Chart(alt.Data(values=[{"month": period_start, "label": _("Start of P")}]))
    rule = marker.mark_rule(color=MUTED, strokeDash=[4, 4]).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth")
    )
    text = marker.mark_text(align="left", dx=4, dy=-6, color=MUTED, fontSize=11, y=0).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth"), text="label:N"
    )
    return alt.layer(rule, text)


def dashboard_charts(dashboard: KpiDashboard) -> dict[str, dict[str, Any] | None]:
    """The three charts of a dashboard (None when there is nothing to draw)."""
    rows = dashboard.monthly_rows()
    start = dashboard.period.date_from.replace(day=1).isoformat()
    has_sales = any(r["key_revenue"] or r["other_revenue"] for r in rows)
    pareto = dashboard.pareto
    return {
        "monthly": key_vs_other_chart(rows, period_start=start) if has_sales else None,
        "cohort": cohort_chart(rows, period_start=start)
        if has_sales and dashboard.view.key_list_start
        else None,
        "pareto": pareto_chart(
            pareto.curve,
            top_fraction=0.2,
            top_share=pareto.top20_share or 0.0,
            abc_a=pareto.abc_a,
            abc_b=pareto.abc_b,
        )
        if pareto
        else None,
    }


def to_svg(spec: dict[str, Any], *, width: int = 620) -> str:
    """The chart as SVG for print: a fixed width instead of the page's container."""
    import vl_convert

    printable = copy.deepcopy(spec)
    printable["width"] = width
    printable.pop("usermeta", None)
    return str(vl_convert.vegalite_to_svg(printable))
