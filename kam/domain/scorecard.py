"""Scorecards: weighted criteria that turn per-account features into a score from 0 to 100.

How a score is made (what users see as the explanation of a score):

1. Each criterion turns the account's raw value of one feature into a normalised value
   n between 0 and 1, comparing it with the other accounts (percentile rank, min–max,
   log min–max, bands with explicit cut points, or a value → points map for a categorical
   feature); see :mod:`kam.domain.normalise` for the formulas and the missing values.
2. The criterion contributes ``points = weight × n``: weights are percentages summing to
   100, so an account that is the best on every criterion scores 100.
3. The score is the sum of the points. When a criterion whose missing-value policy is
   ``exclude`` has no value for an account, the weights of that account's other criteria
   are scaled up so that they still sum to 100 %.
4. Accounts are ranked by score (1 = best; ties by 12-month revenue, then account id),
   classed A/B/C on their 12-month revenue (:mod:`kam.domain.pareto`) and given a tier by
   the scorecard's rules (:mod:`kam.domain.tiers`).

This module holds :func:`score_accounts` and re-exports the rest of the scorecard API:
the definition (:mod:`kam.domain.scorecard_definition`), its validation
(:mod:`kam.domain.scorecard_validation`) and its JSON form (:mod:`kam.domain.scorecard_json`).
It has no Django import.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kam.domain.normalise import (
    NEGLIGIBLE,
    Direction,
    MissingPolicy,
    Normalisation,
    category_value,
    normalised,
    numeric_value,
)
from kam.domain.pareto import abc_classes
from kam.domain.scorecard_definition import (
    SEED_SCORECARD,
    SEED_SECTOR_POINTS,
    STRENGTH_FEATURES,
    Criterion,
    ScorecardDefinition,
    ScoringLevel,
)
from kam.domain.scorecard_json import definition_from_dict, definition_to_dict
from kam.domain.scorecard_validation import (
    WEIGHT_TOLERANCE,
    Problem,
    ScorecardInvalid,
    scorecard_validate,
    validation_problems,
)
from kam.domain.tiers import KEY, STANDARD, STRATEGIC, TierRule, assign_tiers

__all__ = [
    "KEY",
    "SEED_SCORECARD",
    "SEED_SECTOR_POINTS",
    "STANDARD",
    "STRATEGIC",
    "STRENGTH_FEATURES",
    "WEIGHT_TOLERANCE",
    "Criterion",
    "Direction",
    "FeatureFrameInvalid",
    "MissingPolicy",
    "Normalisation",
    "Problem",
    "ScorecardDefinition",
    "ScorecardInvalid",
    "ScoringLevel",
    "TierRule",
    "check_feature_frame",
    "criterion_points",
    "definition_from_dict",
    "definition_to_dict",
    "score_accounts",
    "scorecard_validate",
    "validation_problems",
]


class FeatureFrameInvalid(ValueError):
    """The feature frame given to :func:`score_accounts` lacks a column or has a bad one."""


def check_feature_frame(features: pl.DataFrame, criteria: Sequence[Criterion]) -> None:
    """Raise :class:`FeatureFrameInvalid` unless the columns the criteria need are there
    with usable types and the account ids are present and unique."""
    missing = [
        name
        for name in ("account_id", "revenue_12m", *(c.feature for c in criteria))
        if name not in features.columns
    ]
    if missing:
        raise FeatureFrameInvalid(f"features: missing column(s) {', '.join(missing)}")
    for c in criteria:
        dtype = features.schema[c.feature]
        text = dtype in (pl.String, pl.Categorical, pl.Null) or isinstance(dtype, pl.Enum)
        number = dtype.is_numeric() or dtype in (pl.Boolean, pl.Null)
        if not (text if c.normalisation == Normalisation.CATEGORIES else number):
            raise FeatureFrameInvalid(
                f"features.{c.feature}: a {c.normalisation} criterion cannot use {dtype} values"
            )
    ids = features["account_id"]
    if ids.null_count():
        raise FeatureFrameInvalid("features.account_id: an account has no id")
    if ids.is_duplicated().any():
        duplicate = ids.filter(ids.is_duplicated())[0]
        raise FeatureFrameInvalid(f"features.account_id: {duplicate!r} appears more than once")


def criterion_points(features: pl.DataFrame, criteria: Sequence[Criterion]) -> pl.DataFrame:
    """For each row of ``features``, in the same order: ``account_id``, and per criterion
    ``value__<feature>`` (the raw value: float, or text for a categorical feature; null when
    missing), ``weight__<feature>`` (the weight applied to this account, in %: the criterion's
    weight, scaled up when an ``exclude`` criterion has no value for it, 0 for that one) and
    ``points__<feature>`` (weight × normalised value); then ``score``, their sum (0–100).

    The weights are always scaled to sum to 100 % over the criteria used for the account, so
    a subset of a scorecard's criteria (the portfolio's attractiveness) scores 0–100 too."""

    def raw(c: Criterion) -> pl.Expr:
        text = c.normalisation == Normalisation.CATEGORIES
        return category_value(c.feature) if text else numeric_value(c.feature)

    n = {c.feature: pl.col(f"n__{c.feature}") for c in criteria}
    used_weight = pl.sum_horizontal(
        [pl.when(n[c.feature].is_not_null()).then(float(c.weight)).otherwise(0.0) for c in criteria]
    )
    scale = pl.when(used_weight > NEGLIGIBLE).then(100.0 / used_weight).otherwise(0.0)
    detail = []
    for c in criteria:
        weight = pl.when(n[c.feature].is_not_null()).then(c.weight * scale).otherwise(0.0)
        detail += [
            pl.col(f"value__{c.feature}"),
            weight.alias(f"weight__{c.feature}"),
            (weight * n[c.feature].fill_null(0.0)).alias(f"points__{c.feature}"),
        ]
    return (
        features.lazy()
        .select(
            pl.col("account_id").cast(pl.String),
            *(raw(c).alias(f"value__{c.feature}") for c in criteria),
            *(normalised(c.feature, c).alias(f"n__{c.feature}") for c in criteria),
        )
        .select("account_id", *detail)
        .with_columns(
            score=pl.sum_horizontal(f"points__{c.feature}" for c in criteria).clip(0.0, 100.0)
        )
        .collect()
    )


def score_accounts(features: pl.DataFrame, definition: ScorecardDefinition) -> pl.DataFrame:
    """Score, rank, ABC class and tier of every row of ``features`` (one row per account,
    or per group), with the explanation of each score.

    Returns one row per input row, best first: ``account_id``, ``score`` (0–100), ``rank``
    (1 = best; ties by revenue_12m, larger first, then account id), ``revenue_12m``,
    ``abc`` (A/B/C on revenue_12m with the definition's thresholds), ``cum_revenue_share``,
    ``tier`` (the definition's rules, before any manual override), and per criterion the
    ``value__``, ``weight__`` and ``points__`` columns of :func:`criterion_points`: the
    points sum to the score.

    Raises :class:`ScorecardInvalid` for an unusable definition and
    :class:`FeatureFrameInvalid` when the frame lacks a column the criteria need."""
    problems = validation_problems(definition, None)
    if problems:
        raise ScorecardInvalid(problems)
    check_feature_frame(features, definition.criteria)
    revenue = numeric_value("revenue_12m").alias("revenue_12m")
    scored = (
        criterion_points(features, definition.criteria)
        .with_columns(features.select(revenue).to_series())
        .sort(
            ["score", "revenue_12m", "account_id"],
            descending=[True, True, False],
            nulls_last=True,
        )
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    classes = abc_classes(
        scored.select("account_id", revenue=pl.col("revenue_12m")),
        a=definition.abc_a,
        b=definition.abc_b,
    )
    scored = scored.join(classes, on="account_id", how="left", maintain_order="left")
    scored = scored.with_columns(
        assign_tiers(scored, definition.tier_rules, definition.default_tier)
    )
    detail = [c for c in scored.columns if "__" in c]
    return scored.select(
        "account_id", "score", "rank", "revenue_12m", "abc", "cum_revenue_share", "tier", *detail
    )
