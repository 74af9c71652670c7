"""Health and alerts on the database: the ONE ledger aggregate, the signals, the
idempotent refresh, acknowledgement, the policy."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.accounts.models import Contact
from kam.engagement.models import Channel
from kam.engagement.services import PlanItemInput, activity_log, channel_plan_set
from kam.plans.models import Alert
from kam.plans.selectors import (
    account_health,
    account_signals,
    key_accounts,
    sales_windows,
    three_month_windows,
)
from kam.plans.services import (
    action_create,
    alert_acknowledge,
    alerts_refresh,
    health_policy_update,
    plan_create,
    plan_update,
)
from tests.plans.conftest import AS_OF


def test_windows_are_the_last_three_complete_months():
    assert three_month_windows(date(2026, 6, 15)) == (
        date(2026, 3, 1),
        date(2026, 6, 1),
        date(2025, 3, 1),
        date(2025, 6, 1),
    )
    assert three_month_windows(date(2026, 2, 1))[:2] == (date(2025, 11, 1), date(2026, 2, 1))


def test_one_ledger_aggregate_gives_the_windows_and_the_last_order(book):
    found = sales_windows(["A", "B", "C", "Z"], AS_OF)
    assert found["A"].revenue_3m == 500 and found["A"].revenue_3m_year_before == 1000
    assert found["B"].revenue_3m == 1100 and found["B"].revenue_3m_year_before == 1000
    assert found["A"].last_order == date(2026, 4, 10)
    assert "Z" not in found
    assert sales_windows([], AS_OF) == {}


def test_signals_and_health_of_an_account(book, django_assert_max_num_queries):
    visit = Channel.objects.get(code="visit")
    phone = Channel.objects.get(code="phone")
    activity_log(account=book.bravo, channel=visit, user=None, occurred_on=date(2026, 5, 16))
    activity_log(account=book.bravo, channel=phone, user=None, occurred_on=date(2026, 6, 10))
    channel_plan_set(account=book.bravo, items=[PlanItemInput("visit", 4, "year")], user=None)
    Contact.objects.create(
        account=book.bravo,
        external_id="P1",
        first_name="Ann",
        last_name="Lee",
        buying_role="decision_maker",
    )
    plan = plan_create(account=book.bravo, year=2026, user=None, status="active")
    action_create(plan=plan, user=None, title="Done", status="done")
    with django_assert_max_num_queries(8):
        signals = account_signals([book.alpha, book.bravo, book.charlie], as_of=AS_OF)
    bravo = signals[book.bravo.pk]
    assert bravo.last_activity == date(2026, 5, 16)  # the phone call is not a planned channel
    assert bravo.days_since_activity == 30
    assert bravo.days_since_order == 66
    assert bravo.coverage_met == 1  # a decision maker
    assert bravo.completion is not None and bravo.completion.completion == 1.0
    assert signals[book.charlie.pk].last_activity is None
    found = account_health(user=book.otto, account=book.bravo, as_of=AS_OF)
    assert found is not None
    # trend +10 % → 30; recency 66 d → 20×(180−66)/150 = 15.2; freshness 30 d → 20;
    # coverage 1/4 → 3.75; plan 1.0 → 15
    assert found.health.score == pytest.approx(30 + 15.2 + 20 + 3.75 + 15)
    assert sum(c.points for c in found.health.components) == pytest.approx(found.health.score)
    assert account_health(user=book.kim, account=book.bravo, as_of=AS_OF) is None


def test_the_policy_weights_change_the_score(book, director, kim):
    before = account_health(user=None, account=book.alpha, as_of=AS_OF)
    health_policy_update(
        user=director,
        weight_revenue_trend=0,
        weight_order_recency=100,
        weight_activity_freshness=0,
        weight_stakeholder_coverage=0,
        weight_plan_progress=0,
    )
    after = account_health(user=None, account=book.alpha, as_of=AS_OF)
    assert before is not None and after is not None
    assert after.health.score == pytest.approx(100 * (180 - 66) / 150)
    with pytest.raises(PermissionDenied):
        health_policy_update(user=kim, inactivity_days=10)
    with pytest.raises(ValidationError) as caught:
        health_policy_update(user=director, weight_order_recency=0)
    assert "weight_revenue_trend" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        health_policy_update(user=director, revenue_drop_pct=150)
    assert "revenue_drop_pct" in caught.value.message_dict


def _open() -> set[tuple[str, str]]:
    return set(
        Alert.objects.filter(closed_at__isnull=True).values_list("account__external_id", "rule")
    )


def test_alerts_refresh_is_idempotent_and_closes_cleared_conditions(book):
    assert set(key_accounts().values_list("external_id", flat=True)) == {"A", "B"}
    Contact.objects.create(
        account=book.alpha,
        external_id="P9",
        first_name="Cho",
        last_name="Sun",
        buying_role="champion",
        attitude="opponent",
    )
    first = alerts_refresh(as_of=AS_OF)
    assert first.accounts == 2
    assert _open() == {
        ("A", "revenue_drop"),
        ("A", "no_activity"),
        ("A", "champion_lost"),
        ("A", "plan_overdue"),
        ("B", "no_activity"),
        ("B", "plan_overdue"),
    }
    assert "50.0 %" in Alert.objects.get(rule="revenue_drop").detail
    again = alerts_refresh(as_of=AS_OF)
    assert (again.opened, again.closed, again.kept) == (0, 0, 6)
    assert Alert.objects.count() == 6
    # Bravo gets an activity and an active plan: its alerts close
    activity_log(
        account=book.bravo,
        channel=Channel.objects.get(code="visit"),
        user=None,
        occurred_on=date(2026, 6, 1),
    )
    plan = plan_create(account=book.bravo, year=2026, user=None)
    assert alerts_refresh(as_of=AS_OF).closed == 1  # no activity: cleared
    assert ("B", "plan_overdue") in _open()  # a draft plan is not active
    plan_update(plan=plan, user=None, status="active")
    result = alerts_refresh(as_of=AS_OF)
    assert result.closed == 1
    assert {a for a in _open() if a[0] == "B"} == set()
    assert Alert.objects.filter(closed_at__isnull=False).count() == 2
    # an overdue action reopens a new alert (the closed one stays closed)
    action_create(plan=plan, user=None, title="Call", due_date=date(2026, 5, 1))
    alerts_refresh(as_of=AS_OF)
    assert ("B", "plan_overdue") in _open()
    assert Alert.objects.filter(account=book.bravo, rule="plan_overdue").count() == 2


def test_thresholds_come_from_the_policy(book, director):
    health_policy_update(user=director, revenue_drop_pct=60, inactivity_days=500)
    alerts_refresh(as_of=AS_OF)
    assert ("A", "revenue_drop") not in _open()
    assert ("A", "no_activity") in _open()  # never any activity


def test_acknowledge_with_a_note(book, director):
    alerts_refresh(as_of=AS_OF)
    alert = Alert.objects.get(account=book.alpha, rule="revenue_drop")
    with pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, user=book.otto, note="not mine")
    alert_acknowledge(alert=alert, user=book.kim, note="Budget freeze until July")
    alert.refresh_from_db()
    assert alert.acknowledged_by == book.kim and alert.note == "Budget freeze until July"
    assert alert.closed_at is None  # still open while the condition holds
    alerts_refresh(as_of=AS_OF)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None  # a refresh keeps the acknowledgement
    Alert.objects.filter(pk=alert.pk).update(closed_at=alert.opened_at)
    alert.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        alert_acknowledge(alert=alert, user=director, note="late")
    assert "alert" in caught.value.message_dict
