"""The health score (kam.domain.health): hand-computed components, and the points that
always sum to the score."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.domain.health import (
    COMPONENTS,
    HealthInputs,
    freshness_value,
    health_score,
    normalised_weights,
    recency_value,
    trend_value,
)


def test_a_worked_example():
    inputs = HealthInputs(
        revenue_3m=900,
        revenue_3m_year_before=1000,  # -10 %: (−0.1 + 0.5) / 0.6 = 2/3 → 20 points of 30
        days_since_order=105,  # (180 − 105) / 150 = 0.5 → 10 of 20
        days_since_activity=75,  # (120 − 75) / 90 = 0.5 → 10 of 20
        coverage_met=3,  # 3/4 → 11.25 of 15
        plan_completion=0.4,  # → 6 of 15
    )
    health = health_score(inputs)
    points = {c.code: c.points for c in health.components}
    assert points == pytest.approx(
        {
            "revenue_trend": 20.0,
            "order_recency": 10.0,
            "activity_freshness": 10.0,
            "stakeholder_coverage": 11.25,
            "plan_progress": 6.0,
        }
    )
    assert health.score == pytest.approx(57.25)
    assert [c.detail for c in health.components] == ["-10.0 %", "105 d", "75 d", "3/4", "40 %"]


def test_bands():
    assert trend_value(500, 1000) == 0.0  # −50 %
    assert trend_value(100, 1000) == 0.0  # below the band
    assert trend_value(1100, 1000) == pytest.approx(1.0)  # +10 %
    assert trend_value(1000, 1000) == pytest.approx(5 / 6)  # flat
    assert trend_value(10, 0) == 1.0  # new business
    assert trend_value(0, 0) == 0.0
    assert recency_value(30) == 1.0 and recency_value(180) == 0.0 and recency_value(None) == 0.0
    assert freshness_value(10) == 1.0 and freshness_value(120) == 0.0
    assert freshness_value(None) == 0.0


def test_weights_are_configurable_and_rescaled_to_100():
    assert normalised_weights() == {
        "revenue_trend": 30,
        "order_recency": 20,
        "activity_freshness": 20,
        "stakeholder_coverage": 15,
        "plan_progress": 15,
    }
    equal = {code: 1 for code in COMPONENTS}
    health = health_score(HealthInputs(coverage_met=4), equal)
    assert [c.weight for c in health.components] == pytest.approx([20] * 5)
    assert health.score == pytest.approx(20.0)  # only the coverage is full
    with pytest.raises(ValueError):
        normalised_weights({"revenue_trend": -1})
    assert normalised_weights({code: 0 for code in COMPONENTS})["revenue_trend"] == 30


def test_a_perfect_and_an_empty_account():
    best = HealthInputs(1200, 1000, 3, 2, 4, 4, 1.0)
    assert health_score(best).score == pytest.approx(100.0)
    assert health_score(HealthInputs()).score == 0.0


@given(
    revenue=st.floats(0, 1e9, allow_nan=False),
    before=st.floats(0, 1e9, allow_nan=False),
    order=st.one_of(st.none(), st.integers(0, 2000)),
    activity=st.one_of(st.none(), st.integers(0, 2000)),
    met=st.integers(0, 4),
    plan=st.one_of(st.none(), st.floats(0, 1)),
    weights=st.lists(st.integers(0, 100), min_size=5, max_size=5).filter(lambda w: sum(w) > 0),
)
def test_the_components_sum_to_the_score(revenue, before, order, activity, met, plan, weights):
    inputs = HealthInputs(revenue, before, order, activity, met, 4, plan)
    health = health_score(inputs, dict(zip(COMPONENTS, weights, strict=True)))
    assert sum(c.points for c in health.components) == pytest.approx(health.score)
    assert 0.0 <= health.score <= 100.0 + 1e-9
    for c in health.components:
        assert 0.0 <= c.value <= 1.0
        assert c.points == pytest.approx(c.value * c.weight)
    assert sum(c.weight for c in health.components) == pytest.approx(100.0)
