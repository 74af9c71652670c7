"""From a feature frame and a scorecard to the rows of a score run: no database write here.

:func:`score_frame` runs the domain maths (:mod:`kam.domain`) and puts the manual tier
overrides on top; :func:`run_stats` makes the company-level statistics a run keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from kam.domain.pareto import pareto_curve, top_share
from kam.domain.portfolio import portfolio_matrix
from kam.domain.scorecard import ScorecardDefinition, score_accounts

# Points of the Pareto curve kept with a run (share of accounts 0, 1 %, …, 100 %).
PARETO_POINTS = 101


def score_frame(
    features: pl.DataFrame,
    definition: ScorecardDefinition,
    *,
    overrides: Mapping[str, str] | None = None,
    portfolio: bool = True,
) -> pl.DataFrame:
    """Score every row of ``features`` (accounts, or groups at group level) with the
    scorecard, then apply the tier overrides (external id → tier).

    Columns: those of :func:`kam.domain.scorecard.score_accounts` (``account_id, score,
    rank, abc, cum_revenue_share, tier``, ``value__*``, ``points__*``) where ``tier`` is
    the tier in force and ``computed_tier`` the scorecard's, plus ``revenue_12m``,
    ``revenue_prev_12m``, ``growth`` and the portfolio matrix's ``attractiveness``,
    ``strength`` and ``quadrant`` (left out when ``portfolio`` is false: a preview does
    not need them). Sorted by rank."""
    scored = score_accounts(features, definition)
    if portfolio:
        matrix = portfolio_matrix(features, scored, definition).select(
            "account_id", "attractiveness", "strength", "quadrant"
        )
    else:
        matrix = scored.select("account_id")
    money = features.select("account_id", "revenue_prev_12m", "growth")
    forced = pl.DataFrame(
        {"account_id": list((overrides or {}).keys()), "_forced": list((overrides or {}).values())},
        schema={"account_id": pl.String, "_forced": pl.String},
    )
    return (
        scored.rename({"tier": "computed_tier"})
        .join(money, on="account_id", how="left")
        .join(matrix, on="account_id", how="left")
        .join(forced, on="account_id", how="left")
        .with_columns(tier=pl.coalesce("_forced", "computed_tier"))
        .drop("_forced")
        .sort("rank")
    )


def run_stats(
    frame: pl.DataFrame, definition: ScorecardDefinition, *, features_cached: bool
) -> dict[str, Any]:
    """What a run keeps besides its rows, for charts and lists that must not read every
    row: the Pareto curve (``pareto``: ``[share of accounts, share of revenue]`` pairs),
    the share of revenue of the top 20 % of accounts (``top20_share``), the total revenue,
    the counts per ABC class and per tier (after overrides; ``computed_tiers`` before),
    and the share of revenue of the key tier (``key_revenue_share``)."""
    revenue = frame.select("account_id", revenue=pl.col("revenue_12m").fill_null(0.0))
    total = float(revenue["revenue"].clip(lower_bound=0.0).sum())
    curve = pareto_curve(revenue, points=PARETO_POINTS)
    key_revenue = float(
        frame.filter(pl.col("tier") == "key")["revenue_12m"].fill_null(0.0).clip(0.0).sum()
    )
    return {
        "level": str(definition.level),
        "accounts": frame.height,
        "revenue_total": total,
        "top20_share": top_share(revenue, 0.2) if frame.height else None,
        "pareto": [
            [round(float(x), 6), round(float(y), 6)]
            for x, y in curve.select("share_of_accounts", "share_of_revenue").iter_rows()
        ],
        "abc": _counts(frame, "abc"),
        "abc_thresholds": [definition.abc_a, definition.abc_b],
        "tiers": _counts(frame, "tier"),
        "computed_tiers": _counts(frame, "computed_tier"),
        "overridden": int((frame["tier"] != frame["computed_tier"]).sum()),
        "key_revenue_share": key_revenue / total if total > 0 else None,
        "features_cached": features_cached,
    }


def tier_counts_from(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts per tier (or class) in a stable order: most first, then by name."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    grouped = frame.group_by(pl.col(column).cast(pl.String).fill_null("")).len()
    return tier_counts_from({str(k): int(n) for k, n in grouped.iter_rows()})
