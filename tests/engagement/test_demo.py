"""The demo's activities and channel plans (kam.demo.activities), loaded by demo_load."""

from __future__ import annotations

from datetime import date

import pytest

from kam.demo.activities import activity_frame
from kam.demo.generate import DemoSpec, demo_generate
from kam.demo.services import demo_load
from kam.engagement.models import Activity, ChannelPlan
from kam.engagement.recommendations import key_account_recommendations
from kam.engagement.selectors import accounts_without_plan

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=60, lines=3_000, seed=3)


def test_the_history_is_deterministic_and_has_outcomes_and_orders():
    data = demo_generate(SPEC)
    top = data.accounts["external_id"].head(10).to_list()

    def frame():  # type: ignore[no-untyped-def]
        return activity_frame(
            seed=SPEC.seed, period=SPEC.period, accounts=data.accounts, sales=data.sales, top=top
        )

    first = frame()
    assert first.equals(frame())
    per_account = first.group_by("account_external_id").len()
    top_counts = per_account.filter(per_account["account_external_id"].is_in(top))["len"]
    assert top_counts.len() == 10 and top_counts.is_between(10, 40).all()
    assert set(first["outcome"]) >= {"none", "reply", "order"}
    orders = first.filter(first["outcome"] == "order")
    assert orders["order_amount"].is_not_null().all() and (orders["order_amount"] > 0).all()
    assert first.filter(first["outcome"] != "order")["order_amount"].is_null().all()
    assert first["date"].max() <= SPEC.period[1]


@pytest.mark.django_db
def test_every_key_account_gets_a_plan_of_at_most_three_channels_with_reasons():
    demo_load(spec=SPEC)
    assert Activity.objects.count() > 100
    recommendations = key_account_recommendations(user=None)
    assert recommendations
    for recommendation in recommendations:
        assert 1 <= len(recommendation.suggested) <= 3
        assert all(advice.reason for advice in recommendation.channels)
    # about half of the top accounts have a plan; some key accounts are flagged
    assert ChannelPlan.objects.filter(valid_to__isnull=True).exists()
    assert accounts_without_plan(user=None).exists()
    assert all(
        1 <= plan.items.count() <= 3 for plan in ChannelPlan.objects.filter(valid_to__isnull=True)
    )
    # the sectors differ: not every key account gets the same first channel
    assert len({r.suggested[0].code for r in recommendations}) > 1
