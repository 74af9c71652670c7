"""The alert rules and the reconciliation of stored alerts (kam.domain.alerts)."""

from __future__ import annotations

from kam.domain.alerts import (
    CHAMPION_LOST,
    NO_ACTIVITY,
    PLAN_OVERDUE,
    REVENUE_DROP,
    AlertInputs,
    Thresholds,
    evaluate,
    reconcile,
    revenue_drop_pct,
)

HEALTHY = AlertInputs(
    revenue_3m=1000, revenue_3m_year_before=1000, days_since_activity=5, has_active_plan=True
)


DEFAULTS = Thresholds()


def rules(inputs: AlertInputs, thresholds: Thresholds = DEFAULTS) -> list[str]:
    return [f.rule for f in evaluate(inputs, thresholds)]


def test_a_healthy_account_has_no_alert():
    assert rules(HEALTHY) == []


def test_revenue_drop_above_the_threshold_only():
    assert revenue_drop_pct(750, 1000) == 25.0
    assert rules(AlertInputs(750, 1000, 5, has_active_plan=True)) == [REVENUE_DROP]
    assert rules(AlertInputs(800, 1000, 5, has_active_plan=True)) == []  # exactly 20 %: not more
    assert rules(AlertInputs(800, 1000, 5, has_active_plan=True), Thresholds(10, 60)) == [
        REVENUE_DROP
    ]
    assert rules(AlertInputs(0, 0, 5, has_active_plan=True)) == []  # nothing a year before
    finding = evaluate(AlertInputs(600, 1000, 5, has_active_plan=True))[0]
    assert "40.0 %" in finding.detail


def test_no_activity_for_n_days_or_never():
    assert rules(AlertInputs(1, 1, 60, has_active_plan=True)) == [NO_ACTIVITY]
    assert rules(AlertInputs(1, 1, 59, has_active_plan=True)) == []
    assert rules(AlertInputs(1, 1, None, has_active_plan=True)) == [NO_ACTIVITY]
    assert rules(AlertInputs(1, 1, 59, has_active_plan=True), Thresholds(20, 30)) == [NO_ACTIVITY]


def test_champion_lost_and_plan_overdue():
    lost = AlertInputs(1, 1, 1, champions_lost=("Ann Lee",), has_active_plan=True)
    assert rules(lost) == [CHAMPION_LOST]
    assert "Ann Lee" in evaluate(lost)[0].detail
    assert rules(AlertInputs(1, 1, 1, has_active_plan=False)) == [PLAN_OVERDUE]
    assert rules(AlertInputs(1, 1, 1, overdue_actions=2, has_active_plan=True)) == [PLAN_OVERDUE]


def test_reconcile_opens_new_closes_cleared_keeps_the_rest():
    result = reconcile(
        open_alerts=[(1, REVENUE_DROP), (1, NO_ACTIVITY), (2, PLAN_OVERDUE)],
        current=[(1, REVENUE_DROP), (3, CHAMPION_LOST)],
    )
    assert result.to_open == ((3, CHAMPION_LOST),)
    assert result.to_close == ((1, NO_ACTIVITY), (2, PLAN_OVERDUE))
    assert result.to_update == ((1, REVENUE_DROP),)
    again = reconcile(
        open_alerts=[(1, REVENUE_DROP), (3, CHAMPION_LOST)],
        current=[(1, REVENUE_DROP), (3, CHAMPION_LOST)],
    )
    assert again.to_open == () and again.to_close == ()
    scoped = reconcile(open_alerts=[(1, NO_ACTIVITY), (2, NO_ACTIVITY)], current=[], accounts=[1])
    assert scoped.to_close == ((1, NO_ACTIVITY),)
