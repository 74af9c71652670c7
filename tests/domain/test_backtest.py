"""Backtest: how the key accounts of a past date performed in the next 12 months."""

from __future__ import annotations

import polars as pl
import pytest

from kam.domain.backtest import backtest

THEN = pl.DataFrame(
    {
        "account_id": ["A", "B", "C", "D", "E"],
        "tier": ["key", "key", "standard", "strategic", "standard"],
        "revenue_12m": [100.0, 200.0, 50.0, 0.0, 10.0],
    }
)
# E is absent afterwards: it bought nothing; X was not scored then and is ignored
AFTER = pl.DataFrame(
    {"account_id": ["A", "B", "C", "D", "X"], "revenue_next_12m": [150.0, 0.0, 60.0, 10.0, 99.0]}
)


def test_key_accounts_against_the_others_worked_by_hand():
    result = backtest(THEN, AFTER)
    # key: A +50 %, B lost (-100 %)
    key = result.key
    assert (key.accounts, key.revenue_before, key.revenue_after) == (2, 300.0, 150.0)
    assert key.growth == pytest.approx(-0.5)
    assert key.mean_growth == pytest.approx(-0.25)
    assert key.median_growth == pytest.approx(-0.25)
    assert (key.retention, key.buying_after) == (0.5, 0.5)
    # others: C +20 %, E lost; D had no revenue before (no growth, not retained or lost)
    others = result.others
    assert (others.accounts, others.revenue_before, others.revenue_after) == (3, 60.0, 70.0)
    assert others.growth == pytest.approx(1 / 6)
    assert others.mean_growth == pytest.approx(-0.4)
    assert others.retention == 0.5
    assert others.buying_after == pytest.approx(2 / 3)


def test_no_key_account_gives_empty_figures():
    result = backtest(THEN.with_columns(tier=pl.lit("standard")), AFTER)
    assert result.key.accounts == 0
    assert result.key.growth is None
    assert result.key.retention is None
    assert result.as_dict()["others"]["accounts"] == 5
