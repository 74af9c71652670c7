"""The scoring charts of the one chart helper: plain data in, a Vega-Lite spec out; no
database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from django.utils import translation

from kam.core.charts import (
    ContributionBar,
    PortfolioPoint,
    ScorePoint,
    contributions_chart,
    pareto_chart,
    portfolio_chart,
    score_history_chart,
)

QUADRANTS = {
    "strategic": "Strategic",
    "develop": "Develop",
    "maintain": "Maintain",
    "opportunistic": "Opportunistic",
}


def values_of(spec: dict) -> list[dict]:
    return (spec.get("data") or spec["layer"][0]["data"])["values"]


def test_contributions_are_bars_of_points_over_bars_of_weights_in_criterion_order():
    spec = contributions_chart(
        [
            ContributionBar("Revenue", 27.5, 30.0, "1,000"),
            ContributionBar("Sector", 5.0, 10.0, "Retail"),
        ]
    )
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "bar", "text"]
    assert [layer["encoding"]["x"]["field"] for layer in spec["layer"][:2]] == ["weight", "points"]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["Revenue", "Sector"]
    assert [(v["criterion"], v["points"], v["weight"], v["value"]) for v in values_of(spec)] == [
        ("Revenue", 27.5, 30.0, "1,000"),
        ("Sector", 5.0, 10.0, "Retail"),
    ]
    json.dumps(spec)


def test_history_is_a_line_with_a_dot_per_run_coloured_by_tier():
    at = datetime(2026, 1, 1, tzinfo=UTC)
    spec = score_history_chart(
        [
            ScorePoint(1, at, date(2025, 12, 31), 40.0, 9, "standard", "Standard"),
            ScorePoint(2, at.replace(month=2), date(2026, 1, 31), 72.5, 3, "key", "Key"),
        ]
    )
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    colour = spec["layer"][1]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Standard", "Key"]
    assert colour["range"] == ["#98a2b3", "#2855d8"]
    assert [v["run"] for v in values_of(spec)] == ["#1", "#2"]


def test_pareto_has_the_curve_the_marker_and_both_thresholds():
    curve = [(0.0, 0.0), (0.2, 0.6), (1.0, 1.0)]
    spec = pareto_chart(curve, top_fraction=0.2, top_share=0.6, abc_a=0.8, abc_b=0.95)
    text = json.dumps(spec, ensure_ascii=False)
    assert "Top 20 % of accounts: 60 % of revenue" in text
    assert "A ≤ 80 %" in text and "B ≤ 95 %" in text
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert len(rules) == 2  # the thresholds and the 20 % marker


def test_pareto_labels_follow_the_language():
    with translation.override("fr"):
        spec = pareto_chart(
            [(0.0, 0.0), (1.0, 1.0)], top_fraction=0.2, top_share=0.625, abc_a=0.8, abc_b=0.95
        )
    text = json.dumps(spec, ensure_ascii=False)
    assert "62,5 %" in text
    assert spec["usermeta"]["embedOptions"]["formatLocale"]["decimal"] == ","


def test_portfolio_has_the_dots_the_quadrant_lines_and_the_four_names():
    points = [PortfolioPoint("Acme", 80.0, 20.0, "develop", "Develop", 61.0)]
    spec = portfolio_chart(points, quadrant_labels=QUADRANTS)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rule", "rule", "circle", "text", "text", "text", "text"]
    dots = spec["layer"][2]
    assert dots["data"]["values"][0]["name"] == "Acme"
    assert {t["field"] for t in dots["encoding"]["tooltip"]} >= {
        "name",
        "attractiveness",
        "strength",
    }
    assert dots["encoding"]["x"]["field"] == "strength"
    assert dots["encoding"]["y"]["field"] == "attractiveness"
    corner_names = {layer["data"]["values"][0]["label"] for layer in spec["layer"][3:]}
    assert corner_names == set(QUADRANTS.values())
