"""Per-account sales features: one Ibis expression run by the engine that holds the ledger.

Only one row per account comes back, whatever the number of order lines: the grouping,
the conditional sums and the distinct counts all run inside DuckDB (or PostgreSQL, Spark…
when ``KAM_LEDGER_URL`` points there). The derived features (growth, margin rate, share of
wallet…) and the account attributes are joined afterwards by :mod:`kam.domain.features`.

Periods, for an ``as_of`` date (lines dated ``as_of`` or later are ignored):

- T12, the trailing twelve months: ``[as_of − 1 year, as_of)``;
- P12, the twelve months before: ``[as_of − 2 years, as_of − 1 year)``.

Years are calendar years: a year before 29 February is 28 February.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # ibis is imported when the ledger is read: it costs ~0.2 s at start-up
    import ibis

# The columns of :func:`account_sales_features`, in order, with their Polars types.
SALES_FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "revenue_12m": pl.Float64(),
    "revenue_prev_12m": pl.Float64(),
    "margin_12m": pl.Float64(),
    "quantity_12m": pl.Float64(),
    "orders_12m": pl.Int64(),
    "product_breadth": pl.Int64(),
    "category_breadth": pl.Int64(),
    "active_months_12m": pl.Int64(),
    "recency_days": pl.Int64(),
    "first_order_date": pl.Date(),
    "last_order_date": pl.Date(),
}
SALES_FEATURE_COLUMNS: tuple[str, ...] = tuple(SALES_FEATURE_SCHEMA)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` years earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def account_sales_features(lines: ibis.Table, *, as_of: date) -> ibis.Table:
    """What each account bought before ``as_of``: one row per account with at least one
    order line dated before ``as_of`` (the caller executes it, e.g. ``.to_polars()``).

    - ``revenue_12m``, ``revenue_prev_12m``: sum of line amounts in T12 and P12 (returns,
      i.e. negative amounts, are netted); 0 when there is no line in the period.
    - ``margin_12m``: sum of the known margins of T12 lines; 0 without T12 lines, null
      when T12 lines exist but none carries a margin (unknown, not zero).
    - ``quantity_12m``: sum of T12 quantities (returns netted).
    - ``orders_12m``: distinct orders with at least one T12 purchase line (a line with a
      positive amount): a credit note or a return is not an order.
    - ``product_breadth``, ``category_breadth``: distinct products and known categories on
      T12 purchase lines.
    - ``active_months_12m``: calendar months with at least one T12 purchase line (0–13:
      T12 starts mid-month when ``as_of`` is not the 1st).
    - ``first_order_date``, ``last_order_date``: first and last line before ``as_of``, of
      any kind and any age; ``recency_days``: days from the last one to ``as_of``.
    """
    import ibis

    t12_start = years_before(as_of, 1)
    p12_start = years_before(as_of, 2)
    zero = ibis.literal(0.0)
    # Two groupings over disjoint lines, so that each line is read once: the lines older
    # than T12 give the first order and P12's revenue (three columns read); the T12
    # lines give the rest. About a seventh less work on DuckDB than a grouping of every
    # line joined to one of the T12 purchases, which reads the T12 lines twice.
    older = lines.filter(lines.order_date < t12_start)
    history = older.group_by("account_id").aggregate(
        revenue_prev_12m=ibis.ifelse(older.order_date >= p12_start, older.amount, zero).sum(),
        older_first=older.order_date.min(),
        older_last=older.order_date.max(),
    )
    recent = lines.filter((lines.order_date >= t12_start) & (lines.order_date < as_of))
    # A purchase line: a positive amount (a credit note or a return is not an order).
    bought = recent.amount > 0
    # year × 12 + month: an integer is cheaper to count distinct than a truncated date.
    month = recent.order_date.year() * 12 + recent.order_date.month()
    trailing = recent.group_by(recent.account_id.name("recent_account_id")).aggregate(
        revenue_12m=recent.amount.sum(),
        margin_t12=recent.margin.sum(),
        quantity_12m=recent.quantity.sum(),
        recent_first=recent.order_date.min(),
        recent_last=recent.order_date.max(),
        orders_12m=recent.order_id.nunique(where=bought),
        product_breadth=recent["product"].nunique(where=bought),
        category_breadth=recent.category.nunique(where=bought),
        active_months_12m=month.nunique(where=bought),
    )
    grouped = history.outer_join(trailing, history.account_id == trailing.recent_account_id)
    in_t12 = grouped.recent_account_id.notnull()
    # Every older line comes before every T12 line.
    last_order_date = grouped.recent_last.coalesce(grouped.older_last)
    as_of_literal = ibis.literal(as_of, type="date")
    return grouped.select(
        account_id=grouped.account_id.coalesce(grouped.recent_account_id).cast("string"),
        revenue_12m=grouped.revenue_12m.coalesce(zero).cast("float64"),
        revenue_prev_12m=grouped.revenue_prev_12m.coalesce(zero).cast("float64"),
        margin_12m=ibis.ifelse(in_t12, grouped.margin_t12, zero).cast("float64"),
        quantity_12m=grouped.quantity_12m.coalesce(zero).cast("float64"),
        orders_12m=grouped.orders_12m.coalesce(0).cast("int64"),
        product_breadth=grouped.product_breadth.coalesce(0).cast("int64"),
        category_breadth=grouped.category_breadth.coalesce(0).cast("int64"),
        active_months_12m=grouped.active_months_12m.coalesce(0).cast("int64"),
        recency_days=as_of_literal.delta(last_order_date, unit="day").cast("int64"),
        first_order_date=grouped.older_first.coalesce(grouped.recent_first).cast("date"),
        last_order_date=last_order_date.cast("date"),
    )
