"""The demo's account plans (kam.demo.plans), loaded by demo_load, and its declining key
account whose revenue-drop alert fires."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.contrib.auth.models import User

from kam.demo.generate import DemoSpec, demo_generate
from kam.demo.plans import demo_plans, steepest_decline
from kam.demo.services import demo_load
from kam.plans.models import AccountPlan, Alert
from kam.plans.selectors import account_health, key_accounts, sales_windows
from kam.plans.services import alerts_refresh

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=60, lines=3_000, seed=3)


def test_steepest_decline_by_hand():
    import polars as pl

    sales = pl.DataFrame(
        {
            "account_id": ["A", "A", "B", "B", "C"],
            "order_date": [date(2025, 4, 1), date(2026, 4, 1)] * 2 + [date(2026, 4, 1)],
            "amount": [100.0, 70.0, 100.0, 40.0, 5.0],
        }
    )
    assert steepest_decline(sales, ["A", "B", "C"], date(2026, 6, 15)) == "B"
    assert steepest_decline(sales, ["A"], date(2026, 6, 15)) == "A"
    assert steepest_decline(sales, ["C"], date(2026, 6, 15)) is None


@pytest.mark.django_db
def test_the_demo_has_plans_and_its_declining_key_account_raises_its_alert():
    demo_load(spec=SPEC)
    data = demo_generate(SPEC)
    plans = AccountPlan.objects.filter(year=SPEC.as_of.year)
    keys = list(key_accounts())
    # about a third of the top accounts have a plan of the year, in various states
    assert len(keys) // 5 <= plans.count() <= len(keys)
    assert AccountPlan.objects.filter(year=SPEC.as_of.year - 1, status="closed").exists()
    assert plans.filter(copied_from__isnull=False).exists()
    statuses = set(plans.values_list("actions__status", flat=True))
    assert {"done", "todo"} <= statuses
    # the declining account: among the top accounts, the steepest fall; it is key
    top = [a.external_id for a in keys]
    declining = steepest_decline(data.sales, top, SPEC.as_of)
    assert declining is not None
    windows = sales_windows([declining], SPEC.as_of)[declining]
    assert windows.revenue_3m < 0.8 * windows.revenue_3m_year_before  # more than 20 % down
    alerts_refresh(as_of=SPEC.as_of)
    assert Alert.objects.filter(
        account__external_id=declining, rule="revenue_drop", closed_at__isnull=True
    ).exists()
    assert Alert.objects.filter(
        account__external_id=declining, rule="plan_overdue", closed_at__isnull=True
    ).exists()
    # its health score's components sum to it
    account = next(a for a in keys if a.external_id == declining)
    found = account_health(user=None, account=account, as_of=SPEC.as_of)
    assert found is not None
    assert sum(c.points for c in found.health.components) == pytest.approx(found.health.score)


@pytest.mark.django_db
def test_demo_plans_is_deterministic_and_fast(django_user_model):
    from tests.factories import AccountFactory

    data = demo_generate(SPEC)
    ids = data.accounts["external_id"].head(12).to_list()
    owner: User = django_user_model.objects.create(username="lead")
    for external_id in ids:
        AccountFactory(external_id=external_id)
    started = time.monotonic()
    result = demo_plans(seed=3, as_of=SPEC.as_of, sales=data.sales, leads=[(e, owner) for e in ids])
    assert time.monotonic() - started < 3
    first = sorted(
        AccountPlan.objects.values_list("account__external_id", "year", "status", "needs")
    )
    assert result.plans == len(first) > 0
    AccountPlan.objects.all().delete()
    demo_plans(seed=3, as_of=SPEC.as_of, sales=data.sales, leads=[(e, owner) for e in ids])
    assert (
        sorted(AccountPlan.objects.values_list("account__external_id", "year", "status", "needs"))
        == first
    )
