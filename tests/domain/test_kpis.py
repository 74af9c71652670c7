"""The KPIs of a period, each checked against a small data set worked out by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.domain.kpis import (
    KPI_CODES,
    Period,
    bootstrap_interval,
    kpi_report,
    nearest,
    target_status,
)

P = Period(date(2025, 1, 1), date(2025, 12, 31))

# K1..K3 key at the start of P; K2 stopped being key during P (not key at the end) and
# bought nothing in P; K3 bought nothing in P'. N1..N5 are not key at the start; N4
# (bought before P) and N5 (never bought before P) are key at the end.
ACCOUNTS = pl.DataFrame(
    {
        "account_id": ["K1", "K2", "K3", "N1", "N2", "N3", "N4", "N5"],
        "name": ["Kilo 1", "Kilo 2", "Kilo 3", "N 1", "N 2", "N 3", "N 4", "N 5"],
        "sector": ["Retail"] * 6 + ["Industry"] * 2,
    }
)
REVENUE = pl.DataFrame(
    {
        "account_id": ["K1", "K2", "K3", "N1", "N3", "N4", "N5", "GHOST"],
        "revenue": [150.0, 0.0, 40.0, 100.0, 180.0, 130.0, 50.0, 1e9],
        "revenue_previous": [100.0, 200.0, 0.0, 90.0, 210.0, 100.0, 0.0, 0.0],
        "bought_before": [True, True, True, True, True, True, False, True],
    }
)  # N2 bought nothing at all; GHOST is not in scope and is ignored
ACTIVITIES = pl.DataFrame(
    {
        "account_id": ["K1", "K1", "K2", "N1"],
        "channel": ["visit", "emailing", "phone", "visit"],
        "activities": [2, 4, 1, 1],
        "cost": [60.0, 20.0, 0.0, 30.0],
    }
)
LEADS = pl.DataFrame({"account_id": ["K1", "K2", "N1"], "lead": ["kim", "kim", "otto"]})
KEY_START = ["K1", "K2", "K3"]
KEY_END = ["K1", "K3", "N4", "N5"]


def report(**changes):
    given_ = {
        "period": P,
        "accounts": ACCOUNTS,
        "revenue": REVENUE,
        "activities": ACTIVITIES,
        "leads": LEADS,
        "key_start": KEY_START,
        "key_end": KEY_END,
        "managers": ["kim", "otto", "zoe"],
    }
    return kpi_report(**{**given_, **changes})


def test_period_and_the_previous_period_of_the_same_length():
    assert (P.days, P.previous_from, P.previous_to) == (365, date(2024, 1, 2), date(2024, 12, 31))
    short = Period(date(2025, 3, 1), date(2025, 3, 10))
    assert (short.previous_from, short.previous_to) == (date(2025, 2, 19), date(2025, 2, 28))
    assert Period.trailing_year(date(2024, 2, 29)) == Period(date(2023, 2, 28), date(2024, 2, 28))
    with pytest.raises(ValueError, match="starts after it ends"):
        Period(date(2025, 2, 1), date(2025, 1, 31))


def test_key_account_kpis_worked_by_hand():
    s = report().summary
    # K = K1, K2, K3 (K2 stopped being key during P: still in K)
    assert s.key_accounts == 3
    # increased purchases: K1 (150 > 100) and K3 (40 > 0)
    assert (s.increased, s.increased_share) == (2, pytest.approx(2 / 3))
    # uplift: +50, −200, +40 (K3, with no revenue in P', counts)
    assert s.uplift_total == -110.0
    assert s.uplift_mean == pytest.approx(-110 / 3)
    assert s.uplift_median == 40.0
    assert s.uplift_pct == pytest.approx(-110 / 300)
    # share of revenue: 190 of the 650 of every account in scope (GHOST is not)
    assert (s.revenue, s.key_revenue) == (650.0, 190.0)
    assert s.key_revenue_share == pytest.approx(190 / 650)
    # retention: K1 and K3 bought in P; K2 is lost
    assert (s.retained, s.retention, s.lost) == (2, pytest.approx(2 / 3), ("K2",))
    # new key accounts: N4 was a customer (promoted), N5 never bought before P
    assert s.new_key_accounts is not None
    assert s.new_key_accounts.count == 2
    assert s.new_key_accounts.new_customers == ("N5",)
    assert s.new_key_accounts.promoted == ("N4",)


def test_roi_and_activities_worked_by_hand():
    s = report().summary
    # activities on K: K1 6 (cost 80), K2 1 (cost 0); N1's visit is not on a key account
    assert (s.activities, s.activity_cost) == (7, 80.0)
    assert s.activities_per_key_account == pytest.approx(7 / 3)
    assert s.roi == pytest.approx((-110 - 80) / 80)
    assert s.channel_mix == {
        "emailing": pytest.approx(4 / 7),
        "phone": pytest.approx(1 / 7),
        "visit": pytest.approx(2 / 7),
    }
    # K1's uplift (50) is split 60/20 between visit and emailing; K2's and K3's cost 0
    assert s.unallocated_uplift == -160.0


def test_rows_per_account():
    rows = {r["account_id"]: r for r in report().by_account.to_dicts()}
    assert list(rows) == ["K1", "K3", "K2"]  # largest revenue in P first
    k1, k2, k3 = rows["K1"], rows["K2"], rows["K3"]
    assert (k1["uplift"], k1["uplift_pct"], k1["roi"]) == (50.0, 0.5, pytest.approx(-0.375))
    assert (k1["increased"], k1["retained"], k1["key_at_end"], k1["lead"]) == (
        True,
        True,
        True,
        "kim",
    )
    # K2: stopped being key, lost; its only activity cost nothing: ROI undefined
    assert (k2["uplift"], k2["retained"], k2["key_at_end"]) == (-200.0, False, False)
    assert (k2["activities"], k2["activity_cost"], k2["roi"]) == (1, 0.0, None)
    # K3: no revenue in P', so no uplift in %; no activity at all: ROI undefined
    assert (k3["uplift"], k3["uplift_pct"], k3["increased"]) == (40.0, None, True)
    assert (k3["activities"], k3["roi"], k3["lead"]) == (0, None, None)


def test_rows_per_channel_allocate_the_uplift_by_cost():
    rows = {r["channel"]: r for r in report().by_channel.to_dicts()}
    assert list(rows) == ["emailing", "phone", "visit"]
    assert rows["visit"]["allocated_uplift"] == 37.5  # 50 × 60 / 80
    assert rows["visit"]["roi"] == pytest.approx((37.5 - 60) / 60)
    assert rows["emailing"]["allocated_uplift"] == 12.5
    assert rows["emailing"]["activity_share"] == pytest.approx(4 / 7)
    # phone: K2's free call; nothing allocated, cost 0: ROI undefined
    assert (rows["phone"]["allocated_uplift"], rows["phone"]["roi"]) == (0.0, None)


def test_rows_per_kam_by_lead_at_the_start_including_a_kam_without_accounts():
    rows = {r["lead"]: r for r in report().by_kam.to_dicts()}
    assert list(rows) == ["kim", "otto", "zoe", None]
    kim = rows["kim"]  # K1 and K2
    assert (kim["accounts"], kim["key_accounts"], kim["increased"]) == (2, 2, 1)
    assert (kim["uplift_total"], kim["uplift_mean"], kim["uplift_pct"]) == (-150.0, -75.0, -0.5)
    assert (kim["activity_cost"], kim["roi"]) == (80.0, pytest.approx((-150 - 80) / 80))
    assert kim["key_revenue_share"] == 1.0
    otto = rows["otto"]  # N1 only, not a key account: his visit does not count
    assert (otto["accounts"], otto["key_accounts"], otto["increased_share"]) == (1, 0, None)
    assert (otto["uplift_mean"], otto["roi"], otto["activities"]) == (None, None, 0)
    assert otto["key_revenue_share"] == 0.0
    zoe = rows["zoe"]  # a KAM with no account
    assert (zoe["accounts"], zoe["revenue"], zoe["uplift_total"], zoe["roi"]) == (0, 0.0, 0.0, None)
    nobody = rows[None]  # K3, N2..N5
    assert (nobody["accounts"], nobody["key_accounts"], nobody["uplift_total"]) == (5, 1, 40.0)
    assert (nobody["uplift_pct"], nobody["key_revenue_share"]) == (None, pytest.approx(0.1))


def test_a_period_without_activities_has_no_roi_and_no_error():
    s = report(activities=ACTIVITIES.clear()).summary
    assert (s.activities, s.activity_cost, s.activities_per_key_account) == (0, 0.0, 0.0)
    assert s.roi is None
    assert s.channel_mix == {}
    assert s.unallocated_uplift == -110.0
    assert report(activities=ACTIVITIES.clear()).by_channel.is_empty()


def test_no_key_list_at_the_start_leaves_every_key_kpi_undefined():
    result = report(key_start=None)
    s = result.summary
    assert not result.has_key_list
    assert s.revenue == 650.0  # not key-based: still known
    for code in KPI_CODES:
        assert s.value(code) is None, code
    assert (s.lost, s.channel_mix, s.did, s.did_undefined) == (None, None, None, "no_key_list")
    assert result.by_account.is_empty() and result.by_channel.is_empty()
    assert result.by_kam["roi"].null_count() == result.by_kam.height


def test_an_empty_key_list_gives_zero_counts_and_undefined_ratios():
    result = report(key_start=[], key_end=[])
    s = result.summary
    assert (s.key_accounts, s.increased, s.uplift_total, s.retained) == (0, 0, 0.0, 0)
    assert (s.increased_share, s.uplift_mean, s.uplift_pct, s.retention, s.roi) == (None,) * 5
    assert s.key_revenue_share == 0.0
    assert s.new_key_accounts is not None and s.new_key_accounts.count == 0
    assert (s.did, s.did_undefined) == (None, "no_key_accounts")
    assert result.by_account.is_empty()


def test_no_key_list_at_the_end_leaves_new_key_accounts_undefined():
    s = report(key_end=None).summary
    assert s.new_key_accounts is None
    assert s.key_accounts == 3


def test_ties_equal_revenue_is_not_an_increase_and_an_even_median_is_the_middle_mean():
    accounts = pl.DataFrame({"account_id": ["A", "B"], "name": ["A", "B"], "sector": ["S", "S"]})
    revenue = pl.DataFrame(
        {
            "account_id": ["A", "B"],
            "revenue": [100.0, 30.0],
            "revenue_previous": [100.0, 10.0],
            "bought_before": [True, True],
        }
    )
    s = report(accounts=accounts, revenue=revenue, key_start=["A", "B"], key_end=["A", "B"]).summary
    assert (s.increased, s.retained, s.uplift_median) == (1, 2, 10.0)


def test_difference_in_differences_against_the_same_sector():
    s = report().summary
    did = s.did
    assert did is not None
    # Retail has 3 accounts outside K (N1 +10, N2 0, N3 −30): they are every key
    # account's comparisons, mean −20/3; the key accounts' mean uplift is −110/3
    assert (did.n, did.comparisons, did.across_sectors) == (3, 3, 0)
    assert did.comparison_uplift_mean == pytest.approx(-20 / 3)
    assert did.estimate == pytest.approx(-110 / 3 + 20 / 3)
    assert did.ci_low <= did.estimate <= did.ci_high
    # per key account: +56.7, −193.3, +46.7: the interval stays within them
    assert did.ci_low >= -193.34 and did.ci_high <= 56.67
    # the same data give the same interval
    assert report().summary.did == did


def test_difference_in_differences_falls_back_to_every_sector():
    # given an Industry key account (N4's sector has only N5 outside K)
    result = report(key_start=["K1", "N4"], key_end=[])
    did = result.summary.did
    assert did is not None
    # N4 (Industry, P' 100) is matched across sectors; K1 within Retail
    assert (did.n, did.across_sectors) == (2, 1)


def test_difference_in_differences_needs_three_comparisons():
    result = report(key_start=["K1", "K2", "K3", "N1", "N2", "N3"])
    assert (result.summary.did, result.summary.did_undefined) == (None, "too_few_comparisons")


def test_nearest_takes_the_three_closest_ties_to_the_lowest_index():
    size = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 2.5, 2.0])
    group = np.zeros(7, dtype=np.int64)
    pool = np.arange(5)
    chosen = nearest(size, group, np.array([5, 6]), pool)
    assert sorted(chosen[0]) == [1, 2, 3]  # 0.5 away each
    assert sorted(chosen[1]) == [0, 1, 2]  # 0, 0, then 1 and 3 tie at 1: index 0 wins


def test_nearest_ties_beyond_the_window_go_to_the_lowest_index():
    size = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 1.0])
    group = np.zeros(7, dtype=np.int64)
    chosen = nearest(size, group, np.array([5, 6]), np.arange(5))
    assert sorted(chosen[0]) == [0, 1, 2]
    assert sorted(chosen[1]) == [0, 1, 2]


def test_nearest_stays_in_the_group():
    size = np.array([1.0, 1.1, 1.2, 9.0, 9.1, 9.2, 1.05, 9.05])
    group = np.array([1, 1, 1, 2, 2, 2, 2, 1])
    chosen = nearest(size, group, np.array([6, 7]), np.arange(6))
    assert sorted(chosen[0]) == [3, 4, 5]
    assert sorted(chosen[1]) == [0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=4, max_size=25),
    st.lists(st.integers(0, 1), min_size=4, max_size=25),
    st.data(),
)
def test_nearest_is_the_brute_force_answer(sizes, groups, data):
    n = min(len(sizes), len(groups))
    size = np.array(sizes[:n], dtype=float)
    group = np.array(groups[:n], dtype=np.int64)
    is_key = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    keys, pool = np.flatnonzero(is_key), np.flatnonzero(~is_key)
    # keep the keys whose group has at least 3 pool rows
    keys = keys[[int((group[pool] == group[k]).sum()) >= 3 for k in keys]]
    chosen = nearest(size, group, keys.astype(np.int64), pool)
    for row, k in zip(chosen, keys, strict=True):
        same = [p for p in pool if group[p] == group[k]]
        expected = sorted(same, key=lambda p: (abs(size[p] - size[k]), p))[:3]
        assert sorted(row.tolist()) == sorted(expected)


def test_bootstrap_interval_is_fixed_by_its_seed_and_collapses_on_constant_values():
    values = np.array([1.0, 5.0, -2.0, 8.0])
    assert bootstrap_interval(values) == bootstrap_interval(values)
    low, high = bootstrap_interval(values)
    assert -2.0 <= low < values.mean() < high <= 8.0
    assert bootstrap_interval(np.full(5, 3.0)) == (3.0, 3.0)


@pytest.mark.parametrize(
    ("actual", "target", "direction", "status"),
    [
        (0.90, 0.90, "at_least", "on_track"),
        (0.95, 0.90, "at_least", "on_track"),
        (0.81, 0.90, "at_least", "at_risk"),  # short by exactly 10 % of 0.9
        (0.80, 0.90, "at_least", "off_track"),
        (105.0, 100.0, "at_most", "at_risk"),
        (111.0, 100.0, "at_most", "off_track"),
        (90.0, 100.0, "at_most", "on_track"),
        (-1.2, -1.0, "at_least", "off_track"),  # a negative target: 10 % of its size
        (-1.05, -1.0, "at_least", "at_risk"),
        (None, 1.0, "at_least", None),
    ],
)
def test_target_status(actual, target, direction, status):
    assert target_status(actual, target, direction) == status


def test_target_status_refuses_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        target_status(1.0, 1.0, "about")
