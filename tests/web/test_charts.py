"""The chart helper: monthly series, the trailing-twelve-months comparison, the spec.
No database: plain data in, plain data out."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.utils import translation

from kam.core.charts import (
    MonthSales,
    add_months,
    month_series,
    monthly_sales_chart,
    sales_history,
)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2025, 1, 1), 1, date(2025, 2, 1)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),
        (date(2025, 3, 1), -26, date(2023, 1, 1)),
        (date(2025, 3, 1), 0, date(2025, 3, 1)),
    ],
)
def test_add_months(start, count, expected):
    assert add_months(start, count) == expected


def test_month_series_fills_gaps_with_zero_and_drops_rows_outside():
    # given sales in January and March (as dates or datetimes), and one long before
    rows = [
        {"month": date(2025, 1, 1), "revenue": 10.0, "margin": 2.0, "orders": 1, "quantity": 3},
        {
            "month": datetime(2025, 3, 1),
            "revenue": 5.0,
            "margin": None,
            "orders": 2,
            "quantity": None,
        },
        {"month": date(2020, 1, 1), "revenue": 99.0, "margin": 9.0, "orders": 9, "quantity": 9},
    ]
    # when the series runs from January to April
    series = month_series(rows, first=date(2025, 1, 1), last=date(2025, 4, 1))
    # then every month is there once, February and April empty
    assert [m.month.month for m in series] == [1, 2, 3, 4]
    assert series[1] == MonthSales(month=date(2025, 2, 1))
    assert series[2].revenue == 5.0 and series[2].margin == 0.0 and series[2].orders == 2
    assert sum(m.revenue for m in series) == 15.0


def test_history_ends_last_complete_month_and_compares_complete_years():
    # given sales in each of the 30 months before March 2026, 100 per month, none this month
    rows = [
        {
            "month": add_months(date(2026, 3, 1), -k),
            "revenue": 100.0,
            "margin": 10.0,
            "orders": 1,
            "quantity": 1,
        }
        for k in range(1, 31)
    ]
    # when the history is built on 10 March 2026
    series, comparison = sales_history(rows, today=date(2026, 3, 10))
    # then it shows 36 months ending February 2026
    assert len(series) == 36
    assert series[-1].month == date(2026, 2, 1) and series[0].month == date(2023, 3, 1)
    # and compares March 2025–February 2026 with March 2024–February 2025
    assert (comparison.current_start, comparison.current_end) == (
        date(2025, 3, 1),
        date(2026, 2, 1),
    )
    assert (comparison.previous_start, comparison.previous_end) == (
        date(2024, 3, 1),
        date(2025, 2, 1),
    )
    assert comparison.current_revenue == comparison.previous_revenue == 1200.0
    assert comparison.current_orders == 12
    assert comparison.revenue_change == 0 and comparison.revenue_change_pct == 0.0


def test_history_includes_the_current_month_when_it_has_sales():
    rows = [{"month": date(2026, 3, 1), "revenue": 7.0, "margin": 1.0, "orders": 1, "quantity": 1}]
    series, comparison = sales_history(rows, today=date(2026, 3, 10))
    assert series[-1].month == date(2026, 3, 1) and series[-1].revenue == 7.0
    # month to date is shown but not counted in the comparison of complete months
    assert comparison.current_revenue == 0.0


def test_growth_percentage_is_none_without_a_previous_year():
    rows = [{"month": date(2026, 1, 1), "revenue": 50.0, "margin": 5.0, "orders": 1, "quantity": 1}]
    _, comparison = sales_history(rows, today=date(2026, 3, 10))
    assert comparison.revenue_change == 50.0
    assert comparison.revenue_change_pct is None


def test_chart_spec_is_vega_lite_with_both_measures_and_embed_options():
    series = [
        MonthSales(month=date(2025, m, 1), revenue=100.0 * m, margin=10.0 * m, orders=m)
        for m in range(1, 4)
    ]
    spec = monthly_sales_chart(series)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    values = spec["data"]["values"]
    assert len(values) == 6
    assert {v["measure"] for v in values} == {"revenue", "margin"}
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "line"]
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
    json.dumps(spec)  # plain JSON, ready for json_script


def test_chart_labels_and_formats_follow_the_language():
    series = [MonthSales(month=date(2025, 1, 1), revenue=1.0)]
    with translation.override("fr"):
        spec = monthly_sales_chart(series)
    # the French label has an apostrophe: layers must filter on the fixed key, not on it
    assert spec["data"]["values"][0]["series"] == "Chiffre d'affaires"
    assert "Chiffre d'affaires" not in json.dumps([layer["transform"] for layer in spec["layer"]])
    options = spec["usermeta"]["embedOptions"]
    assert options["formatLocale"]["decimal"] == ","
    assert options["timeFormatLocale"]["months"][0] == "janvier"
    assert options["timeFormatLocale"]["days"][0] == "dimanche"  # d3 weeks start on Sunday
