"""Pareto analysis of revenue: ABC classes and the Pareto curve.

Accounts are sorted by revenue, largest first (ties by account id, so the result never
depends on the input order). The cumulative share of an account is the revenue of that
account and of every account before it, divided by the total revenue.

A negative or missing revenue (credit notes larger than the sales) counts as 0: it can
neither hold a share of the revenue nor make the shares of the others exceed 100 %.

Every function takes a frame with the columns ``account_id`` (text) and ``revenue``.
"""

from __future__ import annotations

import polars as pl

DEFAULT_A = 0.80
DEFAULT_B = 0.95
SHARE_TOLERANCE = 1e-9
# A total below this is no revenue at all (its reciprocal would overflow).
NEGLIGIBLE = 1e-300


def _sorted_revenue(revenue: pl.DataFrame) -> pl.DataFrame:
    """account_id and revenue (≥ 0, nulls as 0), largest first, ties by account id."""
    return revenue.select(
        pl.col("account_id").cast(pl.String),
        pl.col("revenue").cast(pl.Float64).fill_nan(0.0).fill_null(0.0).clip(lower_bound=0.0),
    ).sort(["revenue", "account_id"], descending=[True, False])


def abc_classes(
    revenue: pl.DataFrame, *, a: float = DEFAULT_A, b: float = DEFAULT_B
) -> pl.DataFrame:
    """The ABC class of each account: ``account_id``, ``cum_revenue_share`` (the share of the
    total revenue held by this account and every larger one, 0–1) and ``abc``.

    A: cumulative share ≤ ``a`` (80 % by default) — the few accounts that make most of the
    revenue; B: ≤ ``b`` (95 %); C: the rest. Two exceptions: the largest account is always A,
    even when it alone holds more than ``a`` (otherwise a company with one dominant customer
    would have no A account); an account with no positive revenue is always C, and when the
    total revenue is 0 every account is C (cumulative share 0).

    The rows come back largest revenue first."""
    ordered = _sorted_revenue(revenue)
    cumulative = pl.col("revenue").cum_sum()
    # Divided by the last cumulative value (not a separately computed sum) so the share of
    # the last account with revenue is 1.
    total = cumulative.last()
    share = pl.when(total > NEGLIGIBLE).then(cumulative / total).otherwise(0.0).clip(0.0, 1.0)
    first = pl.int_range(pl.len()) == 0
    # 95 / 100 may come out as 0.9500000000000001: thresholds are inclusive as written.
    a, b = a + SHARE_TOLERANCE, b + SHARE_TOLERANCE
    return ordered.with_columns(cum_revenue_share=share).select(
        "account_id",
        "cum_revenue_share",
        abc=pl.when((pl.col("revenue") <= 0) | (total <= NEGLIGIBLE))
        .then(pl.lit("C"))
        .when(first | (pl.col("cum_revenue_share") <= a))
        .then(pl.lit("A"))
        .when(pl.col("cum_revenue_share") <= b)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C")),
    )


def _lorenz(revenue: pl.DataFrame) -> pl.Series:
    """The cumulative revenue share after 0, 1, …, N accounts (largest first): N + 1 values
    from 0 to 1 (all 0 when the total revenue is 0)."""
    cumulative = _sorted_revenue(revenue)["revenue"].cum_sum()
    total = cumulative[-1] if cumulative.len() else 0.0
    steps = pl.concat([pl.Series([0.0]), cumulative])
    return steps / total if total > NEGLIGIBLE else steps * 0.0


def _share_at(lorenz: pl.Series, fractions: pl.Series) -> pl.Series:
    """The revenue share of the top ``fraction`` of accounts, interpolated linearly between
    whole numbers of accounts (the top 20 % of 7 accounts is 1.4 accounts: the first one
    and 40 % of the second)."""
    count = lorenz.len() - 1
    frame = pl.DataFrame({"k": fractions.clip(0.0, 1.0) * count}).with_columns(
        low=pl.col("k").floor().cast(pl.Int64)
    )
    frame = frame.with_columns(high=(pl.col("low") + 1).clip(upper_bound=count))
    low = lorenz.gather(frame["low"])
    high = lorenz.gather(frame["high"])
    weight = frame["k"] - frame["low"]
    return (low + weight * (high - low)).alias("share_of_revenue")


def pareto_curve(revenue: pl.DataFrame, *, points: int = 101) -> pl.DataFrame:
    """The Pareto curve: ``share_of_accounts`` (0, 1/(points−1), …, 1) against
    ``share_of_revenue`` held by that share of the accounts, largest first. It starts at
    (0, 0), never goes down, bends downwards (each further account adds no more than the one
    before) and ends at (1, 1) when the revenue is positive (flat at 0 otherwise)."""
    if points < 2:
        raise ValueError(f"points: a curve needs at least 2 points (got {points})")
    fractions = pl.Series("share_of_accounts", [i / (points - 1) for i in range(points)])
    lorenz = _lorenz(revenue)
    if lorenz.len() == 1:  # no account at all
        return pl.DataFrame([fractions, pl.Series("share_of_revenue", [0.0] * points)])
    return pl.DataFrame([fractions, _share_at(lorenz, fractions)])


def top_share(revenue: pl.DataFrame, fraction: float = 0.2) -> float:
    """The share of the revenue (0–1) held by the top ``fraction`` of accounts — the point of
    the Pareto curve at that share of accounts (interpolated the same way)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction: must be between 0 and 1 (got {fraction})")
    lorenz = _lorenz(revenue)
    if lorenz.len() == 1:
        return 0.0
    return float(_share_at(lorenz, pl.Series([fraction], dtype=pl.Float64))[0])
