"""Comparing a draft scoring with the run in force."""

from __future__ import annotations

import polars as pl
import pytest

from kam.domain.preview import compare_runs


def run(rows: list[tuple[str, int, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.String,
            "rank": pl.Int64,
            "tier": pl.String,
            "revenue_12m": pl.Float64,
        },
        orient="row",
    )


BEFORE = run(
    [("A", 1, "key", 50), ("B", 2, "key", 30), ("C", 3, "strategic", 15), ("D", 4, "standard", 5)]
)
AFTER = run(
    [("A", 1, "key", 50), ("C", 2, "key", 15), ("B", 3, "strategic", 30), ("E", 4, "standard", 5)]
)


def test_accounts_entering_and_leaving_each_tier():
    comparison = compare_runs(BEFORE, AFTER)
    # then the conventional tiers come in order, with their movements
    assert [m.tier for m in comparison.tiers] == ["key", "strategic", "standard"]
    key = comparison.movement("key")
    assert (key.entering, key.leaving, key.count_before, key.count_after) == (("C",), ("B",), 2, 2)
    assert comparison.movement("strategic").entering == ("B",)
    assert comparison.movement("strategic").leaving == ("C",)
    # and a new account enters, a gone one leaves
    assert comparison.movement("standard").entering == ("E",)
    assert comparison.movement("standard").leaving == ("D",)
    assert comparison.movement("vip").entering == ()


def test_rank_changes_biggest_moves_first():
    comparison = compare_runs(BEFORE, AFTER)
    # then A (unchanged) is left out; delta = before - after (positive = climbed)
    assert comparison.rank_changes.rows() == [
        ("C", 3, 2, 1),
        ("B", 2, 3, -1),
        ("E", None, 4, None),
        ("D", 4, None, None),
    ]


def test_key_revenue_coverage_before_and_after():
    comparison = compare_runs(BEFORE, AFTER)
    # A + B held 80 of 100; A + C hold 65 of 100
    assert comparison.key_coverage_before == pytest.approx(0.8)
    assert comparison.key_coverage_after == pytest.approx(0.65)


def test_a_first_run_has_everything_entering():
    comparison = compare_runs(BEFORE.clear(), AFTER)
    assert comparison.movement("key").entering == ("A", "C")
    assert comparison.key_coverage_before == 0.0
    assert comparison.as_dict()["rank_changes_total"] == 4


def test_the_json_form_cuts_the_rank_changes():
    data = compare_runs(BEFORE, AFTER).as_dict(rank_changes_limit=1)
    assert data["rank_changes"] == [{"account_id": "C", "before": 3, "after": 2, "delta": 1}]
    assert data["rank_changes_total"] == 4
    assert data["tiers"][0] == {
        "tier": "key",
        "entering": ["C"],
        "leaving": ["B"],
        "count_before": 2,
        "count_after": 2,
    }
