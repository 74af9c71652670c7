"""The demo's initial assignment: who leads which of the largest accounts.

A simple greedy rule until the assignment optimiser exists: the largest accounts by
trailing-12-month revenue (about the top 20 %) each get a lead manager — a GAM for
international accounts (operating in 3 countries or more), otherwise a KAM of the
account's sector where possible — never beyond a manager's capacity (one account uses
one unit). Accounts left when capacity runs out stay unassigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from kam.demo.people import DemoUser

KEY_SHARE = 0.2
INTERNATIONAL_COUNTRIES = 3


@dataclass(frozen=True)
class PlannedAssignment:
    """One account to entrust to one manager as lead."""

    external_id: str
    username: str
    international: bool
    revenue_12m: float


@dataclass(frozen=True)
class AssignmentPlan:
    """The planned assignments, and how many key accounts found no manager with room."""

    assignments: tuple[PlannedAssignment, ...]
    key_accounts: int
    unassigned: int


def key_accounts_by_revenue(
    accounts: pl.DataFrame, sales: pl.DataFrame, *, period_end: date, share: float = KEY_SHARE
) -> pl.DataFrame:
    """The top ``share`` of accounts by revenue over the 12 months ending ``period_end``
    (only accounts that bought), largest first, with ``revenue_12m`` and
    ``international``."""
    start = _months_before(period_end, 11)
    revenue = (
        sales.filter(pl.col("order_date") >= start, pl.col("order_date") <= period_end)
        .group_by("account_id")
        .agg(revenue_12m=pl.col("amount").sum())
    )
    count = round(share * accounts.height)
    return (
        accounts.join(revenue, left_on="external_id", right_on="account_id")
        .filter(pl.col("revenue_12m") > 0)
        .with_columns(
            international=pl.col("countries_of_operation").str.split("|").list.len()
            >= INTERNATIONAL_COUNTRIES
        )
        .sort(["revenue_12m", "external_id"], descending=[True, False])
        .head(count)
    )


def assignment_plan(
    accounts: pl.DataFrame,
    sales: pl.DataFrame,
    users: Sequence[DemoUser],
    *,
    period_end: date,
) -> AssignmentPlan:
    """Lead managers for the key accounts (see the module docstring for the rule)."""
    key = key_accounts_by_revenue(accounts, sales, period_end=period_end)
    managers = sorted((u for u in users if u.is_manager), key=lambda u: u.username)
    room = {u.username: int(u.capacity or 0) for u in managers}
    planned = []
    # A loop over the key accounts only (a fifth of the accounts), each looking at a
    # handful of managers: a greedy allocation, not data crunching.
    for row in key.iter_rows(named=True):
        wanted_role = "gam" if row["international"] else "kam"
        candidates = [u for u in managers if u.role == wanted_role and room[u.username] > 0]
        if not candidates:
            continue
        best = max(
            candidates,
            key=lambda u: (
                row["sector"] in u.sectors,
                row["country"] in u.countries,
                room[u.username],
                # Alphabetical order breaks the remaining ties (max takes the first).
            ),
        )
        room[best.username] -= 1
        planned.append(
            PlannedAssignment(
                external_id=row["external_id"],
                username=best.username,
                international=row["international"],
                revenue_12m=row["revenue_12m"],
            )
        )
    return AssignmentPlan(
        assignments=tuple(planned), key_accounts=key.height, unassigned=key.height - len(planned)
    )


def _months_before(day: date, months: int) -> date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
