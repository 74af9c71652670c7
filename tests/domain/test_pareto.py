"""ABC classes and the Pareto curve of revenue."""

from __future__ import annotations

from itertools import pairwise

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.domain.pareto import abc_classes, pareto_curve, top_share


def revenue(amounts: dict[str, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"account_id": list(amounts), "revenue": list(amounts.values())},
        schema={"account_id": pl.String, "revenue": pl.Float64},
    )


def classes(frame: pl.DataFrame, **thresholds) -> dict[str, str]:
    result = abc_classes(frame, **thresholds)
    return dict(zip(result["account_id"], result["abc"], strict=True))


def test_abc_classes_worked_by_hand():
    # given 100 of revenue: cumulative shares 50, 80, 90, 95, 99, 100 %
    frame = revenue({"a": 50, "b": 30, "c": 10, "d": 5, "e": 4, "f": 1})
    # when classed with the default 80 % / 95 %
    result = abc_classes(frame)
    # then the thresholds are inclusive
    assert result["account_id"].to_list() == ["a", "b", "c", "d", "e", "f"]
    assert result["cum_revenue_share"].to_list() == pytest.approx([0.5, 0.8, 0.9, 0.95, 0.99, 1.0])
    assert result["abc"].to_list() == ["A", "A", "B", "B", "C", "C"]


def test_custom_thresholds():
    frame = revenue({"a": 50, "b": 30, "c": 10, "d": 5, "e": 4, "f": 1})
    assert classes(frame, a=0.5, b=0.9) == dict(a="A", b="B", c="B", d="C", e="C", f="C")


def test_the_largest_account_is_a_even_above_the_threshold():
    # given one customer holding 90 % of the revenue
    assert classes(revenue({"big": 90, "small": 10})) == {"big": "A", "small": "C"}


def test_no_revenue_is_class_c():
    # given a credit-note account (negative) and one without revenue (null)
    result = abc_classes(revenue({"a": 10, "refund": -5, "none": None, "zero": 0}))
    # then only the one with revenue is A, and the negative one does not lower the total
    assert dict(zip(result["account_id"], result["abc"], strict=True)) == {
        "a": "A",
        "none": "C",
        "refund": "C",
        "zero": "C",
    }
    assert result["cum_revenue_share"].to_list() == [1.0, 1.0, 1.0, 1.0]


def test_zero_total_revenue_makes_every_account_c():
    result = abc_classes(revenue({"a": 0, "b": None}))
    assert result["abc"].to_list() == ["C", "C"]
    assert result["cum_revenue_share"].to_list() == [0.0, 0.0]


def test_equal_revenues_are_ordered_by_account_id():
    # given four equal accounts: cumulative 25, 50, 75, 100 %
    result = abc_classes(revenue({"d": 1, "b": 1, "a": 1, "c": 1}), a=0.5, b=0.75)
    assert result["account_id"].to_list() == ["a", "b", "c", "d"]
    assert result["abc"].to_list() == ["A", "A", "B", "C"]


def test_pareto_curve_interpolates_between_accounts():
    # given 4 accounts with 40, 30, 20, 10
    frame = revenue({"a": 40, "b": 30, "c": 20, "d": 10})
    # when drawn with 9 points (every 12.5 % of the accounts = half an account)
    curve = pareto_curve(frame, points=9)
    # then
    assert curve["share_of_accounts"].to_list() == [i / 8 for i in range(9)]
    assert curve["share_of_revenue"].to_list() == pytest.approx(
        [0, 0.2, 0.4, 0.55, 0.7, 0.8, 0.9, 0.95, 1.0]
    )


def test_top_share_is_the_curve_at_that_share_of_accounts():
    # given 5 accounts: the top 20 % is the first one exactly
    frame = revenue({"a": 60, "b": 20, "c": 10, "d": 5, "e": 5})
    assert top_share(frame) == pytest.approx(0.6)
    # and with 7 accounts, 20 % is 1.4 accounts: the first and 40 % of the second
    seven = revenue({"a": 60, "b": 20, "c": 10, "d": 4, "e": 3, "f": 2, "g": 1})
    assert top_share(seven) == pytest.approx(0.68)
    assert top_share(seven) == pytest.approx(
        pareto_curve(seven).filter(pl.col("share_of_accounts") == 0.2)["share_of_revenue"][0]
    )


def test_no_account_or_no_revenue_gives_a_flat_curve():
    empty = revenue({})
    assert pareto_curve(empty, points=3)["share_of_revenue"].to_list() == [0.0, 0.0, 0.0]
    assert top_share(empty) == 0.0
    assert pareto_curve(revenue({"a": 0}), points=3)["share_of_revenue"].to_list() == [0, 0, 0]


def test_a_curve_needs_two_points():
    with pytest.raises(ValueError, match="points"):
        pareto_curve(revenue({"a": 1}), points=1)


amounts = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.one_of(st.none(), st.floats(-100, 1e7, allow_nan=False)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(amounts, st.floats(0.05, 0.9), st.floats(0.01, 0.1))
def test_abc_classes_are_monotone_in_revenue(values, a, gap):
    result = abc_classes(revenue(values), a=a, b=min(a + gap, 1.0))
    order = {"A": 0, "B": 1, "C": 2}
    got = dict(zip(result["account_id"], result["abc"], strict=True))
    assert set(got) == set(values)
    clean = {k: max(v or 0.0, 0.0) for k, v in values.items()}
    for x in clean:
        for y in clean:
            if clean[x] > clean[y]:
                assert order[got[x]] <= order[got[y]]


@settings(max_examples=200, deadline=None)
@given(amounts, st.integers(2, 60))
def test_the_pareto_curve_is_monotone_and_concave_from_0_to_1(values, points):
    curve = pareto_curve(revenue(values), points=points)
    x, y = curve["share_of_accounts"].to_list(), curve["share_of_revenue"].to_list()
    assert (x[0], y[0]) == (0.0, 0.0)
    assert x[-1] == 1.0
    positive = sum(max(v or 0.0, 0.0) for v in values.values()) > 1e-300
    assert y[-1] == pytest.approx(1.0 if positive else 0.0)
    slopes = [(y[i + 1] - y[i]) / (x[i + 1] - x[i]) for i in range(len(x) - 1)]
    assert all(s >= -1e-12 for s in slopes)
    assert all(s2 <= s1 + 1e-6 for s1, s2 in pairwise(slopes))
