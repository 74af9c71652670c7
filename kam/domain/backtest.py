"""Backtest: did the key accounts picked at a past date actually do better afterwards?

Score as of a past date, then compare what the key accounts of that date bought in the
following 12 months with what they bought in the 12 months before, against all the other
accounts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from kam.domain.tiers import KEY


@dataclass(frozen=True)
class CohortOutcome:
    """How a set of accounts performed in the 12 months after the scoring date.

    ``revenue_before``/``revenue_after``: their total revenue in the 12 months before and
    after; ``growth``: after / before − 1 (None when before ≤ 0). ``mean_growth`` and
    ``median_growth``: of each account's own growth, over the accounts that bought
    before (a growth from 0 is undefined). ``retention``: the share of the accounts that
    bought before and still bought after; ``buying_after``: the share of all of them that
    bought after. Shares and growths are fractions (0.25 = 25 %)."""

    accounts: int
    revenue_before: float
    revenue_after: float
    growth: float | None
    mean_growth: float | None
    median_growth: float | None
    retention: float | None
    buying_after: float | None


@dataclass(frozen=True)
class BacktestResult:
    """The key accounts of the scoring date against all the others."""

    key: CohortOutcome
    others: CohortOutcome

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"key": asdict(self.key), "others": asdict(self.others)}


def _outcome(cohort: pl.DataFrame) -> CohortOutcome:
    bought = cohort.filter(pl.col("before") > 0)
    growth = (pl.col("after") - pl.col("before")) / pl.col("before")
    before, after = cohort.select(pl.col("before").sum(), pl.col("after").sum()).row(0)
    stats = bought.select(
        mean=growth.mean(), median=growth.median(), kept=(pl.col("after") > 0).mean()
    ).row(0, named=True)
    return CohortOutcome(
        accounts=cohort.height,
        revenue_before=float(before),
        revenue_after=float(after),
        growth=float(after / before - 1.0) if before > 0 else None,
        mean_growth=stats["mean"],
        median_growth=stats["median"],
        retention=stats["kept"],
        buying_after=cohort.select((pl.col("after") > 0).mean()).item(),
    )


def backtest(
    features_then: pl.DataFrame, revenue_after: pl.DataFrame, *, key_tier: str = KEY
) -> BacktestResult:
    """Compare the key accounts with the others.

    ``features_then``: the score frame as of the past date (``account_id``, ``tier``,
    ``revenue_12m`` — the 12 months before that date); ``revenue_after``: ``account_id``,
    ``revenue_next_12m`` (the 12 months from that date). An account missing from
    ``revenue_after`` bought nothing after; one missing from ``features_then`` is ignored
    (it was not scored then). Missing revenue counts 0."""
    then = features_then.select(
        pl.col("account_id").cast(pl.String),
        pl.col("tier").cast(pl.String),
        before=pl.col("revenue_12m").cast(pl.Float64).fill_nan(0.0).fill_null(0.0),
    )
    later = revenue_after.select(
        pl.col("account_id").cast(pl.String),
        after=pl.col("revenue_next_12m").cast(pl.Float64).fill_nan(0.0).fill_null(0.0),
    )
    joined = then.join(later, on="account_id", how="left").with_columns(
        pl.col("after").fill_null(0.0)
    )
    is_key = (pl.col("tier") == key_tier).fill_null(False)
    return BacktestResult(
        key=_outcome(joined.filter(is_key)), others=_outcome(joined.filter(~is_key))
    )
