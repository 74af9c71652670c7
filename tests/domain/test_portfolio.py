"""The portfolio matrix: attractiveness against our strength, in four quadrants."""

from __future__ import annotations

import polars as pl
import pytest

from kam.domain.portfolio import portfolio_matrix
from kam.domain.scorecard import (
    Criterion,
    FeatureFrameInvalid,
    Normalisation,
    ScorecardDefinition,
    score_accounts,
)

P = Normalisation.PERCENTILE

FEATURES = pl.DataFrame(
    {
        "account_id": ["A", "B", "C", "D"],
        "revenue_12m": [10.0, 20.0, 30.0, 40.0],
        "share_of_wallet": [0.9, 0.1, 0.2, 0.8],
        "relationship_months": [40, 10, 20, 30],
        "growth": [0.3, -0.1, None, 0.2],
    }
)


def test_the_matrix_worked_by_hand():
    # given a scorecard on revenue and share of wallet: by default only revenue makes
    # the attractiveness (share of wallet measures our strength)
    definition = ScorecardDefinition(
        criteria=(Criterion("revenue_12m", 70.0, P), Criterion("share_of_wallet", 30.0, P))
    )
    scored = score_accounts(FEATURES, definition)
    # when placed on the matrix
    matrix = portfolio_matrix(FEATURES, scored, definition)
    # then the rows follow the scored frame
    assert matrix["account_id"].to_list() == scored["account_id"].to_list()
    rows = {r["account_id"]: r for r in matrix.iter_rows(named=True)}
    # and attractiveness = revenue percentile (weight 70 % rescaled to 100 %)
    assert [rows[a]["attractiveness"] for a in "ABCD"] == pytest.approx([0, 100 / 3, 200 / 3, 100])
    # and strength = mean percentile of share of wallet (1, 0, 1/3, 2/3), relationship
    # (1, 0, 1/3, 2/3) and growth (1, 0, missing = 0, 0.5)
    assert [rows[a]["strength"] for a in "ABCD"] == pytest.approx(
        [100.0, 0.0, 100 * (2 / 3) / 3, 100 * (11 / 6) / 3]
    )
    assert [rows[a]["quadrant"] for a in "ABCD"] == [
        "maintain",
        "opportunistic",
        "develop",
        "strategic",
    ]


def test_chosen_attractiveness_criteria_are_rescaled():
    # given attractiveness chosen as share of wallet alone
    definition = ScorecardDefinition(
        criteria=(Criterion("revenue_12m", 70.0, P), Criterion("share_of_wallet", 30.0, P)),
        attractiveness=("share_of_wallet",),
    )
    matrix = portfolio_matrix(FEATURES, score_accounts(FEATURES, definition), definition)
    attractiveness = dict(zip(matrix["account_id"], matrix["attractiveness"], strict=True))
    # then it is share of wallet's percentile on 0-100
    assert attractiveness == pytest.approx({"A": 100.0, "B": 0.0, "C": 100 / 3, "D": 200 / 3})


def test_a_missing_strength_column_is_named():
    definition = ScorecardDefinition(criteria=(Criterion("revenue_12m", 100.0, P),))
    features = FEATURES.drop("growth")
    with pytest.raises(FeatureFrameInvalid, match="growth"):
        portfolio_matrix(features, score_accounts(features, definition), definition)
