"""The demo's account plans, and its declining key account.

About a third of the top accounts (every third one, by revenue) get an account plan for
the demo year, through the plans services: needs, expectations and a SWOT, 2 to 3
objectives with a target and a current value, and 3 to 6 actions in every state (done,
in progress, to do, cancelled; some past due). Half of them also have last year's plan,
closed, and this year's was started from it (the copy of a new year's plan).

The declining account: the demo's sales generator is left as it is; among the top
accounts, the one whose revenue of the last 3 complete months fell most against the same
months a year before (:func:`steepest_decline`) is the one whose revenue-drop alert the
demo shows (``kam alerts refresh`` after the scoring opens it). It always gets a plan
with an overdue action too.

Deterministic: the same seed and data give the same plans.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from kam.accounts.models import Account
from kam.plans.models import ActionStatus, PlanStatus
from kam.plans.selectors import three_month_windows
from kam.plans.services import (
    action_create,
    objective_create,
    objective_update,
    plan_create,
    plan_update,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NEEDS = [
    "Shorter lead times on the best-selling references.",
    "One contact for every site, and consolidated invoicing.",
    "Technical support for the new production line.",
    "Predictable prices over the year.",
]
EXPECTATIONS = [
    "Quarterly business reviews with figures.",
    "Delivery within 48 hours, 98 % of the time.",
    "A yearly rebate tied to volume.",
]
SWOT = {
    "strengths": ["Long relationship, trusted by the buyers.", "Broad range, one supplier."],
    "weaknesses": ["Few contacts at head office.", "Prices above the cheapest competitor."],
    "opportunities": ["A new site opens next year.", "They consolidate their suppliers."],
    "threats": ["A competitor offers a framework contract.", "Budget cuts announced."],
}
OBJECTIVES = [
    ("Grow revenue", "% of last year's revenue", 115),
    ("Widen the range bought", "categories bought", 8),
    ("Meet the decision makers", "meetings held", 6),
    ("Sign a framework contract", "contract signed (0/1)", 1),
]
ACTIONS = [
    "Quarterly business review",
    "Visit the new site",
    "Send the catalogue of the new range",
    "Invite the buyers to the webinar",
    "Prepare the framework contract offer",
    "Meet the finance director",
    "Review the price list",
]


@dataclass(frozen=True)
class DemoPlans:
    plans: int
    declining: str | None  # the external id of the steepest decline


def steepest_decline(sales: pl.DataFrame, candidates: Sequence[str], as_of: date) -> str | None:
    """Among ``candidates``, the account whose revenue of the last 3 complete months fell
    most (relatively) against the same months a year before; None when none fell."""
    start, end, start_before, end_before = three_month_windows(as_of)
    day = pl.col("order_date")
    per_account = (
        sales.filter(pl.col("account_id").is_in(list(candidates)))
        .group_by("account_id")
        .agg(
            now=pl.col("amount").filter((day >= start) & (day < end)).sum(),
            before=pl.col("amount").filter((day >= start_before) & (day < end_before)).sum(),
        )
        .filter(pl.col("before") > 0)
        .with_columns(fall=(pl.col("before") - pl.col("now")) / pl.col("before"))
        .filter(pl.col("fall") > 0)
        .sort(["fall", "account_id"], descending=[True, False])
    )
    return None if per_account.is_empty() else str(per_account["account_id"][0])


def demo_plans(
    *, seed: int, as_of: date, sales: pl.DataFrame, leads: Sequence[tuple[str, User]]
) -> DemoPlans:
    """Store the demo's plans. ``leads``: the top accounts' external ids and their lead
    managers, largest account first."""
    declining = steepest_decline(sales, [external_id for external_id, _ in leads], as_of)
    chosen = list(leads[::3])
    if declining is not None and declining not in {e for e, _ in chosen}:
        chosen.append(next(lead for lead in leads if lead[0] == declining))
    accounts = Account.objects.in_bulk([e for e, _ in chosen], field_name="external_id")
    count = 0
    for index, (external_id, owner) in enumerate(chosen):
        rng = np.random.default_rng([seed, zlib.crc32(external_id.encode())])
        account = accounts[external_id]
        if index % 2 == 0:  # last year's plan, closed; this year's starts from it
            _plan(rng, account, owner, as_of.year - 1, as_of, PlanStatus.CLOSED)
            count += 1
        _plan(rng, account, owner, as_of.year, as_of, None, overdue=external_id == declining)
        count += 1
    return DemoPlans(plans=count, declining=declining)


def _plan(
    rng: np.random.Generator,
    account: Account,
    owner: User,
    year: int,
    as_of: date,
    status: str | None,
    *,
    overdue: bool = False,
) -> None:
    previous = year < as_of.year
    copy = not previous and account.account_plans.filter(year=year - 1).exists()
    texts = {
        "needs": str(rng.choice(NEEDS)),
        "expectations": str(rng.choice(EXPECTATIONS)),
        **{name: str(rng.choice(options)) for name, options in SWOT.items()},
    }
    plan = plan_create(
        account=account, year=year, user=None, copy_previous=copy, **({} if copy else texts)
    )
    elapsed = 1.0 if previous else (as_of - date(year, 1, 1)).days / 365
    objectives = list(plan.objectives.all())
    if not objectives:
        for title, measure, target in _pick(rng, OBJECTIVES, int(rng.integers(2, 4))):
            objectives.append(
                objective_create(
                    plan=plan,
                    user=None,
                    title=title,
                    measure=measure,
                    target_value=Decimal(target),
                    due_date=date(year, 12, 31),
                )
            )
    for objective in objectives:  # progress around the elapsed share of the year
        share = max(0.0, min(1.0, elapsed * float(rng.uniform(0.5, 1.4))))
        if objective.target_value is not None:
            current = (objective.target_value * Decimal(f"{share:.3f}")).quantize(Decimal("0.01"))
            objective_update(objective=objective, user=None, current_value=current)
    actions = list(plan.actions.all())
    if not actions:
        for title in _pick(rng, ACTIONS, int(rng.integers(3, 7))):
            due = date(year, 1, 1) + timedelta(days=int(rng.integers(20, 350)))
            state = _state(rng, due, as_of)
            actions.append(
                action_create(
                    plan=plan,
                    user=None,
                    title=title,
                    owner=owner,
                    objective=objectives[int(rng.integers(0, len(objectives)))],
                    due_date=due,
                    status=state,
                )
            )
    if overdue:
        action_create(
            plan=plan,
            user=None,
            title="Call the buyer about the falling orders",
            owner=owner,
            due_date=as_of - timedelta(days=10),
            status=ActionStatus.TODO,
        )
    plan_update(plan=plan, user=None, status=status or str(rng.choice(["active"] * 4 + ["draft"])))


def _pick(rng: np.random.Generator, options: Sequence[Any], n: int) -> list[Any]:
    order = rng.permutation(len(options))[:n]
    return [options[int(i)] for i in order]


def _state(rng: np.random.Generator, due: date, as_of: date) -> str:
    if due < as_of:
        return str(rng.choice(["done"] * 6 + ["todo", "doing", "cancelled"]))
    return str(rng.choice(["todo"] * 3 + ["doing"] * 2 + ["done", "cancelled"]))
