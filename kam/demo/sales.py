"""Synthetic order lines over three years, fully vectorised (10 million lines in seconds).

How the lines come about, all in NumPy arrays over lines or orders (never a Python loop
over either):

1. the line budget is split between accounts in proportion to their size and active
   months (a multinomial draw, so the total is exact);
2. each account's lines are cut into orders of 1 to 5 lines;
3. each order gets a month, drawn from the account's activity window weighted by its
   growth trend and by seasonality, then a working day in that month;
4. each line gets a product near the account's preferred one (distinct within an order),
   a quantity such that the account's yearly revenue comes out as drawn, its discount,
   and a margin; a few lines are returns (negative quantities).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from kam.demo.accounts import DECLINE_FACTOR, DECLINE_MONTHS, MONTHS, AccountDraw
from kam.demo.catalogue import CATEGORIES, ORDER_SIZE_WEIGHTS, SEASONALITY

SALES_COLUMNS: tuple[str, ...] = (
    "account_id",
    "order_id",
    "order_date",
    "product",
    "category",
    "quantity",
    "amount",
    "margin",
)
_RETURN_RATE = 0.004


def sales_draw(
    rng: np.random.Generator, accounts: AccountDraw, *, lines: int, first_month: date
) -> pl.DataFrame:
    """``lines`` order lines of ``accounts`` over the 36 months from ``first_month`` (the
    first day of a month), sorted by date and order number."""
    n = len(accounts.yearly_revenue)
    active = np.maximum(accounts.last_month - accounts.first_month + 1, 0)  # months
    weights = accounts.yearly_revenue**0.75 * active
    if lines <= 0 or weights.sum() <= 0:
        return _empty()
    per_account = rng.multinomial(lines, weights / weights.sum())

    line_account = np.repeat(np.arange(n, dtype=np.int64), per_account)
    order_start = _order_starts(rng, per_account, lines)
    line_order = np.cumsum(order_start) - 1
    starts = np.flatnonzero(order_start)
    order_account = line_account[starts]
    position = np.arange(lines) - starts[line_order]  # 0..4 within its order

    order_day = _order_days(rng, accounts, order_account, first_month)
    # Order numbers follow dates, as an ERP numbers them.
    by_date = np.lexsort((rng.random(len(starts)), order_day))
    order_number = np.empty(len(starts), dtype=np.int64)
    order_number[by_date] = np.arange(1, len(starts) + 1)

    prices, margin_rates, categories, names = _catalogue()
    products = len(prices)
    jump = (rng.geometric(0.15, len(starts)) - 1) * rng.choice([-1, 1], len(starts))
    first_product = (accounts.preferred_product[order_account] + jump) % products
    product = (first_product[line_order] + position) % products  # distinct in an order

    # Money: scale each account's line values so that its revenue matches its size.
    expected_lines = lines * weights / weights.sum()
    line_value = np.divide(
        accounts.yearly_revenue * active / 12,
        expected_lines,
        out=np.zeros(n),
        where=expected_lines > 0,
    )
    value = line_value[line_account] * rng.lognormal(-0.18, 0.6, lines)
    price = prices[product]
    quantity = np.maximum(np.rint(value / price), 1.0)
    list_amount = quantity * price
    amount = list_amount * (1 - accounts.discount[line_account])
    cost = list_amount * (1 - margin_rates[product]) * rng.lognormal(0, 0.04, lines)
    margin = amount - cost
    sign = np.where(rng.random(lines) < _RETURN_RATE, -1.0, 1.0)

    # Lines in order-number order, each order's lines kept together: a scatter, no sort.
    sizes = np.diff(starts, append=lines)
    sizes_by_number = np.empty_like(sizes)
    sizes_by_number[order_number - 1] = sizes
    first_line = np.cumsum(sizes_by_number) - sizes_by_number
    order = np.empty(lines, dtype=np.int64)
    order[first_line[order_number[line_order] - 1] + position] = np.arange(lines)
    width = max(8, len(str(len(starts))))
    ids = accounts.frame["external_id"]
    frame = pl.DataFrame(
        {
            "account_id": ids.gather(line_account[order]),
            "order_number": order_number[line_order][order],
            "order_date": (np.datetime64(first_month, "D") + order_day[line_order][order]),
            "product": pl.Series(names).gather(product[order]),
            "category": pl.Series(categories).gather(product[order]),
            "quantity": (sign * quantity)[order],
            "amount": np.round(sign * amount, 2)[order],
            "margin": np.round(sign * margin, 2)[order],
        }
    )
    return frame.select(
        "account_id",
        (pl.lit("SO") + pl.col("order_number").cast(pl.String).str.zfill(width)).alias("order_id"),
        pl.col("order_date").cast(pl.Date),
        "product",
        "category",
        "quantity",
        "amount",
        "margin",
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "account_id": pl.String,
            "order_id": pl.String,
            "order_date": pl.Date,
            "product": pl.String,
            "category": pl.String,
            "quantity": pl.Float64,
            "amount": pl.Float64,
            "margin": pl.Float64,
        }
    )


def _order_starts(rng: np.random.Generator, per_account: np.ndarray, lines: int) -> np.ndarray:
    """True on the first line of each order. Orders of 1 to 5 lines are laid end to end
    over all lines, then cut where an account's lines begin (cutting only shortens an
    order, so every order keeps 1 to 5 lines and one account)."""
    sizes = rng.choice(
        np.arange(1, 6), lines, p=np.asarray(ORDER_SIZE_WEIGHTS) / sum(ORDER_SIZE_WEIGHTS)
    )
    ends = np.cumsum(sizes)
    starts = ends - sizes
    flags = np.zeros(lines, dtype=bool)
    flags[starts[starts < lines]] = True
    account_first = np.cumsum(per_account) - per_account
    flags[account_first[per_account > 0]] = True
    return flags


def _order_days(
    rng: np.random.Generator, accounts: AccountDraw, order_account: np.ndarray, first: date
) -> np.ndarray:
    """Day offset from ``first`` of each order: a month of the account's activity window
    (weighted by trend and seasonality), then a working day of that month."""
    n = len(accounts.yearly_revenue)
    month = np.arange(MONTHS)
    calendar = (first.month - 1 + month) % 12
    window = (month >= accounts.first_month[:, None]) & (month <= accounts.last_month[:, None])
    growth = (1 + accounts.trend[:, None]) ** ((month - MONTHS / 2) / 12)
    weight = window * growth * np.asarray(SEASONALITY)[calendar]
    if accounts.declining is not None:  # the accounts built to decline: a collapse at the end
        collapse = accounts.declining[:, None] & (month >= MONTHS - DECLINE_MONTHS)
        weight = np.where(collapse, weight * DECLINE_FACTOR, weight)
    totals = weight.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(
        np.divide(weight, totals, out=np.zeros_like(weight), where=totals > 0), axis=1
    )
    cumulative[:, -1] = np.where(totals[:, 0] > 0, 1.0, 0.0)
    # One searchsorted over all accounts at once: row a's cumulative weights live in
    # (a, a + 1], so an order of account a with uniform u lands in its own row.
    flat = (cumulative + np.arange(n)[:, None]).ravel()
    hit = np.searchsorted(flat, order_account + rng.random(len(order_account)), side="right")
    order_month = np.clip(hit - order_account * MONTHS, 0, MONTHS - 1)

    # A working day of that month, uniformly: a table of each month's working days.
    workdays, counts = _working_days(first)
    pick = (rng.random(len(order_account)) * counts[order_month]).astype(np.int64)
    return workdays[order_month, pick]


def _working_days(first: date) -> tuple[np.ndarray, np.ndarray]:
    """Day offsets from ``first`` of the Monday-to-Friday days of each of the 36 months
    (one row per month, padded), and how many there are in each month."""
    start = np.datetime64(first, "D")
    end = (np.datetime64(first, "M") + MONTHS).astype("datetime64[D]")
    days = np.arange(start, end)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    working = days[weekday < 5]
    month = (working.astype("datetime64[M]") - np.datetime64(first, "M")).astype(np.int64)
    counts = np.bincount(month, minlength=MONTHS)
    table = np.zeros((MONTHS, counts.max()), dtype=np.int64)
    rank = np.arange(len(working)) - np.repeat(np.cumsum(counts) - counts, counts)
    table[month, rank] = (working - start).astype(np.int64)
    return table, counts


def _catalogue() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Unit prices, margin rates, category and product names of the flat product list."""
    prices, rates, categories, names = [], [], [], []
    for category in CATEGORIES:
        for name, price in category.products:
            prices.append(price)
            rates.append(category.margin_rate)
            categories.append(category.name)
            names.append(name)
    return np.asarray(prices), np.asarray(rates), categories, names
