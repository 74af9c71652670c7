"""What would change if a draft scorecard (or new weights) replaced the run in force:
accounts entering and leaving each tier, rank changes, and the share of the revenue the
key-account list covers. Nothing is stored; both sides are score frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from kam.domain.tiers import KEY, STANDARD, STRATEGIC

# The conventional tiers come first, in this order; any other tier after them, by name.
TIER_ORDER = (KEY, STRATEGIC, STANDARD)


@dataclass(frozen=True)
class TierMovement:
    """One tier's changes: the accounts that would enter it and those that would leave
    it (best ranked first), and its size before and after."""

    tier: str
    entering: tuple[str, ...]
    leaving: tuple[str, ...]
    count_before: int
    count_after: int


@dataclass(frozen=True, eq=False)
class RunComparison:
    """The difference between two score runs (``before`` = the run in force).

    ``rank_changes`` has the accounts whose rank changed, biggest moves first:
    ``account_id``, ``before`` and ``after`` (ranks, null when the account is on one side
    only) and ``delta`` = before − after, so a positive delta is a climb (from 12th to
    3rd: +9). ``key_coverage_*`` is the share (0–1) of the total 12-month revenue held by
    the accounts of the ``key`` tier."""

    tiers: tuple[TierMovement, ...]
    rank_changes: pl.DataFrame
    key_coverage_before: float
    key_coverage_after: float

    def movement(self, tier: str) -> TierMovement:
        """The changes of one tier (empty when neither side has it)."""
        for movement in self.tiers:
            if movement.tier == tier:
                return movement
        return TierMovement(tier, (), (), 0, 0)

    def as_dict(self, *, rank_changes_limit: int | None = 100) -> dict[str, Any]:
        """JSON-ready form (API, htmx preview); the rank changes cut to the biggest
        ``rank_changes_limit`` moves (all of them with None)."""
        changes = self.rank_changes
        if rank_changes_limit is not None:
            changes = changes.head(rank_changes_limit)
        return {
            "tiers": [
                {
                    "tier": m.tier,
                    "entering": list(m.entering),
                    "leaving": list(m.leaving),
                    "count_before": m.count_before,
                    "count_after": m.count_after,
                }
                for m in self.tiers
            ],
            "rank_changes": changes.to_dicts(),
            "rank_changes_total": self.rank_changes.height,
            "key_coverage_before": self.key_coverage_before,
            "key_coverage_after": self.key_coverage_after,
        }


def _side(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
    return frame.select(
        pl.col("account_id").cast(pl.String),
        pl.col("rank").cast(pl.Int64).alias(f"rank_{suffix}"),
        pl.col("tier").cast(pl.String).alias(f"tier_{suffix}"),
    )


def key_coverage(scores: pl.DataFrame, *, key_tier: str = KEY) -> float:
    """The share (0–1) of the total 12-month revenue held by the accounts of the key tier;
    negative or missing revenue counts 0, as in the Pareto analysis."""
    revenue = pl.col("revenue_12m").cast(pl.Float64).fill_nan(0.0).fill_null(0.0).clip(0.0)
    in_key = pl.col("tier") == key_tier
    total, key = scores.select(total=revenue.sum(), key=revenue.filter(in_key).sum()).row(0)
    return float(key / total) if total > 0 else 0.0


def compare_runs(
    before: pl.DataFrame, after: pl.DataFrame, *, key_tier: str = KEY
) -> RunComparison:
    """Compare two score frames (columns ``account_id``, ``rank``, ``tier``,
    ``revenue_12m``): ``before`` is the run in force (possibly empty), ``after`` the draft."""
    both = _side(before, "before").join(
        _side(after, "after"), on="account_id", how="full", coalesce=True
    )
    present = set(both["tier_before"].drop_nulls()) | set(both["tier_after"].drop_nulls())
    ordered = [t for t in TIER_ORDER if t in present] + sorted(present - set(TIER_ORDER))
    movements = []
    for tier in ordered:
        was, is_ = pl.col("tier_before") == tier, pl.col("tier_after") == tier
        entering = both.filter(is_ & ~was.fill_null(False)).sort("rank_after")
        leaving = both.filter(was & ~is_.fill_null(False)).sort("rank_before")
        movements.append(
            TierMovement(
                tier=tier,
                entering=tuple(entering["account_id"]),
                leaving=tuple(leaving["account_id"]),
                count_before=both.filter(was).height,
                count_after=both.filter(is_).height,
            )
        )
    delta = pl.col("before") - pl.col("after")
    rank_changes = (
        both.select("account_id", before="rank_before", after="rank_after")
        .with_columns(delta=delta)
        .filter((pl.col("delta") != 0).fill_null(True))
        .sort(
            [delta.abs(), "after", "before"],
            descending=[True, False, False],
            nulls_last=True,
        )
    )
    return RunComparison(
        tiers=tuple(movements),
        rank_changes=rank_changes,
        key_coverage_before=key_coverage(before, key_tier=key_tier),
        key_coverage_after=key_coverage(after, key_tier=key_tier),
    )
