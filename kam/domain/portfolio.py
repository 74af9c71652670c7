"""The key-account portfolio matrix (McDonald & Rogers): how attractive each account is to
us against how strong our position with it already is.

- **Attractiveness** (0–100): the account's score restricted to the scorecard's
  attractiveness criteria (by default every criterion except the relationship measures),
  their weights scaled to sum to 100 % (equal weights if they are all 0).
- **Strength** (0–100): 100 × the mean of three percentile ranks among all accounts —
  share of wallet, relationship length in months, revenue growth; a missing value counts 0.

The quadrants split both axes at 50:

============  ===============  ==========================================================
quadrant      attractiveness   what it usually calls for
============  ===============  ==========================================================
strategic     high (≥ 50)      strong position (≥ 50): invest to keep and grow it
develop       high             weak position: build the relationship, selectively
maintain      low              strong position: serve efficiently, keep the revenue
opportunistic low              weak position: serve through low-cost channels
============  ===============  ==========================================================
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from kam.domain.normalise import numeric_value, percentile_rank
from kam.domain.scorecard import (
    STRENGTH_FEATURES,
    FeatureFrameInvalid,
    ScorecardDefinition,
    check_feature_frame,
    criterion_points,
)

STRATEGIC = "strategic"
DEVELOP = "develop"
MAINTAIN = "maintain"
OPPORTUNISTIC = "opportunistic"
QUADRANTS = (STRATEGIC, DEVELOP, MAINTAIN, OPPORTUNISTIC)

# Where both axes are split: 50 = the middle of the 0–100 scale.
THRESHOLD = 50.0


def portfolio_matrix(
    features: pl.DataFrame, scored: pl.DataFrame, definition: ScorecardDefinition
) -> pl.DataFrame:
    """``account_id``, ``attractiveness``, ``strength`` (both 0–100) and ``quadrant`` for
    every account of ``scored`` (the output of
    :func:`kam.domain.scorecard.score_accounts`), in its order; ``features`` is the frame
    it was scored from."""
    chosen = set(definition.attractiveness_features())
    criteria = [c for c in definition.criteria if c.feature in chosen]
    if not any(c.weight > 0 for c in criteria):
        criteria = [replace(c, weight=1.0) for c in criteria]
    check_feature_frame(features, criteria)
    absent = [name for name in STRENGTH_FEATURES if name not in features.columns]
    if absent:
        raise FeatureFrameInvalid(f"features: missing column(s) {', '.join(absent)}")
    attractiveness = criterion_points(features, criteria).select(
        "account_id", attractiveness="score"
    )
    ranks = [percentile_rank(numeric_value(name)).fill_null(0.0) for name in STRENGTH_FEATURES]
    strength = features.select(
        pl.col("account_id").cast(pl.String),
        strength=(100.0 * pl.sum_horizontal(ranks) / len(ranks)).clip(0.0, 100.0),
    )
    high_attractiveness = pl.col("attractiveness") >= THRESHOLD
    high_strength = pl.col("strength") >= THRESHOLD
    return (
        scored.select(pl.col("account_id").cast(pl.String))
        .join(attractiveness, on="account_id", how="left", maintain_order="left")
        .join(strength, on="account_id", how="left", maintain_order="left")
        .with_columns(
            quadrant=pl.when(high_attractiveness & high_strength)
            .then(pl.lit(STRATEGIC))
            .when(high_attractiveness)
            .then(pl.lit(DEVELOP))
            .when(high_strength)
            .then(pl.lit(MAINTAIN))
            .otherwise(pl.lit(OPPORTUNISTIC))
        )
    )
