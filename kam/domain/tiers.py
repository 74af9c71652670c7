"""Tiers: which accounts are key accounts, which are strategic, which are standard.

A scorecard lists tier rules in order; each account gets the tier of the first rule it
satisfies, or the scorecard's default tier when it satisfies none. Tier codes are plain
strings, conventionally ``key``, ``strategic`` and ``standard``. Manual overrides (with a
reason) are applied afterwards by the scoring service, not here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

KEY = "key"
STRATEGIC = "strategic"
STANDARD = "standard"

# A score computed as 59.999999999999996 must still reach a threshold of 60.
SCORE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TierRule:
    """One rule: an account gets ``tier`` when its score is at least ``min_score`` (if set)
    AND its ABC class is one of ``abc`` (if set) AND its rank is at most ``top_n`` (if set).
    A rule with no condition takes every account that reaches it.

    Several rules may give the same tier, which reads as "or": e.g. key = the top 50 by
    score, or any class-A account scoring 70 or more."""

    tier: str
    min_score: float | None = None
    abc: tuple[str, ...] = ()
    top_n: int | None = None

    def condition(self) -> pl.Expr:
        """The rule as a Polars condition over the columns score, abc and rank."""
        condition = pl.lit(True)
        if self.min_score is not None:
            condition &= pl.col("score") >= self.min_score - SCORE_TOLERANCE
        if self.abc:
            condition &= pl.col("abc").is_in(list(self.abc))
        if self.top_n is not None:
            condition &= pl.col("rank") <= self.top_n
        return condition.fill_null(False)


DEFAULT_TIER_RULES: tuple[TierRule, ...] = (
    TierRule(KEY, min_score=60.0, abc=("A",)),
    TierRule(STRATEGIC, min_score=40.0, abc=("A", "B")),
)


def assign_tiers(
    scored: pl.DataFrame, rules: Sequence[TierRule], default_tier: str = STANDARD
) -> pl.Series:
    """The tier of each row of ``scored`` (columns ``score``, ``abc``, ``rank``), in the
    same order: the tier of the first rule the account satisfies, else ``default_tier``."""
    if not rules:
        return pl.Series("tier", [default_tier] * scored.height, dtype=pl.String)
    first = pl.when(rules[0].condition()).then(pl.lit(rules[0].tier))
    chain: Then | ChainedThen = first
    for rule in rules[1:]:
        chain = chain.when(rule.condition()).then(pl.lit(rule.tier))
    return scored.select(tier=chain.otherwise(pl.lit(default_tier)))["tier"]


TIER_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
ABC_CLASSES = ("A", "B", "C")


def tier_problems(rules: Sequence[TierRule], default_tier: str) -> list[tuple[str, str]]:
    """What is wrong with tier rules, as (field, message) pairs: tier codes (lowercase, so
    that overrides and filters always spell them the same way), score thresholds, ABC
    classes, top-N."""
    problems = []
    codes = [(f"tier_rules[{i}].tier", rule.tier) for i, rule in enumerate(rules)]
    for where, code in [*codes, ("default_tier", default_tier)]:
        if not isinstance(code, str) or not TIER_CODE.fullmatch(code):
            problems.append(
                (
                    where,
                    f"a tier code is 1 to 32 lowercase letters, digits, '_' or '-' (got {code!r})",
                )
            )
    for i, rule in enumerate(rules):
        where = f"tier_rules[{i}]"
        score = rule.min_score
        valid_score = isinstance(score, int | float) and not isinstance(score, bool)
        if score is not None and not (valid_score and 0 <= score <= 100):
            problems.append((f"{where}.min_score", f"must be from 0 to 100 (got {score!r})"))
        unknown = [c for c in rule.abc if c not in ABC_CLASSES]
        if unknown:
            problems.append((f"{where}.abc", f"classes are A, B or C (got {unknown[0]!r})"))
        top = rule.top_n
        if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
            problems.append((f"{where}.top_n", f"must be a whole number ≥ 1 (got {top!r})"))
    return problems
