"""Scoring accounts: points per criterion, score, rank, ABC class and tier."""

from __future__ import annotations

import math
from datetime import date
from itertools import pairwise

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.domain.features import ATTRIBUTE_COLUMNS, feature_frame, group_feature_frame
from kam.domain.scorecard import (
    SEED_SCORECARD,
    Criterion,
    FeatureFrameInvalid,
    MissingPolicy,
    Normalisation,
    ScorecardDefinition,
    ScorecardInvalid,
    score_accounts,
)
from kam.ledger.features import SALES_FEATURE_SCHEMA

P, MM, CATS = Normalisation.PERCENTILE, Normalisation.MINMAX, Normalisation.CATEGORIES


def by_account(scored: pl.DataFrame, column: str) -> dict:
    return dict(zip(scored["account_id"], scored[column], strict=True))


def test_a_small_scorecard_worked_by_hand():
    # given three accounts, revenue ranked (60 %) and sector points (40 %)
    features = pl.DataFrame(
        {
            "account_id": ["A", "B", "C"],
            "revenue_12m": [100.0, 300.0, 200.0],
            "sector": ["Retail", "Manufacturing", None],
        }
    )
    definition = ScorecardDefinition(
        criteria=(
            Criterion("revenue_12m", 60.0, P),
            Criterion(
                "sector", 40.0, CATS, categories=(("Manufacturing", 100.0), ("Retail", 50.0))
            ),
        )
    )
    # when scored
    scored = score_accounts(features, definition)
    # then revenue percentiles 0, 1, 0.5 give 0, 60, 30 points; sectors 20, 40, 0
    assert by_account(scored, "points__revenue_12m") == {"A": 0.0, "B": 60.0, "C": 30.0}
    assert by_account(scored, "points__sector") == {"A": 20.0, "B": 40.0, "C": 0.0}
    assert by_account(scored, "score") == {"A": 20.0, "B": 100.0, "C": 30.0}
    # and the rows come best first, with ranks
    assert scored["account_id"].to_list() == ["B", "C", "A"]
    assert scored["rank"].to_list() == [1, 2, 3]
    # and ABC on revenue: B holds 50 % (A), B + C 83 % (B), all 100 % (C)
    assert scored["abc"].to_list() == ["A", "B", "C"]
    assert scored["cum_revenue_share"].to_list() == pytest.approx([0.5, 5 / 6, 1.0])
    # and the default tier rules: key = score >= 60 in class A; C (30) is not strategic
    assert scored["tier"].to_list() == ["key", "standard", "standard"]
    # and the explanation keeps the raw values and weights
    assert by_account(scored, "value__sector") == {"A": "Retail", "B": "Manufacturing", "C": None}
    assert by_account(scored, "value__revenue_12m") == {"A": 100.0, "B": 300.0, "C": 200.0}
    assert set(scored["weight__sector"]) == {40.0}


def test_an_excluded_criterion_hands_its_weight_to_the_others():
    # given market share (50 %, exclude) unknown for B
    features = pl.DataFrame(
        {
            "account_id": ["A", "B", "C"],
            "revenue_12m": [100.0, 200.0, 300.0],
            "market_share": [0.1, None, 0.3],
        }
    )
    definition = ScorecardDefinition(
        criteria=(
            Criterion("revenue_12m", 50.0, P),
            Criterion("market_share", 50.0, MM, missing=MissingPolicy.EXCLUDE),
        )
    )
    # when scored
    scored = score_accounts(features, definition)
    # then B's revenue (percentile 0.5) weighs 100 %: 50 points, market share 0
    assert by_account(scored, "weight__revenue_12m") == {"A": 50.0, "B": 100.0, "C": 50.0}
    assert by_account(scored, "weight__market_share") == {"A": 50.0, "B": 0.0, "C": 50.0}
    assert by_account(scored, "score") == {"A": 0.0, "B": 50.0, "C": 100.0}


def test_ties_are_ranked_by_revenue_then_account_id():
    # given equal headcounts (equal scores) for all four accounts
    features = pl.DataFrame(
        {
            "account_id": ["D", "C", "A", "B"],
            "revenue_12m": [20.0, 20.0, 10.0, None],
            "employees": [50, 50, 50, 50],
        }
    )
    definition = ScorecardDefinition(criteria=(Criterion("employees", 100.0, MM),))
    # when scored
    scored = score_accounts(features, definition)
    # then larger revenue first, equal revenue by id, unknown revenue last
    assert scored["account_id"].to_list() == ["C", "D", "A", "B"]
    assert scored["rank"].to_list() == [1, 2, 3, 4]


def test_the_seed_scorecard_scores_a_frame_of_its_features():
    # given the seed's features for two accounts, one better on everything
    features = pl.DataFrame(
        {
            "account_id": ["small", "big"],
            "revenue_12m": [1_000.0, 90_000.0],
            "avg_monthly_revenue": [1_000 / 12, 90_000 / 12],
            "sector": ["Retail & Distribution", "Manufacturing"],
            "employees": [10, 5_000],
            "orders_12m": [2, 40],
            "market_share": [0.01, 0.2],
            "countries_count": [1, 4],
        }
    )
    # when scored
    scored = score_accounts(features, SEED_SCORECARD)
    # then the big one gets every point; the small one only its sector's 40 % of 10
    assert by_account(scored, "score") == pytest.approx({"big": 100.0, "small": 4.0})


def test_a_missing_column_is_named():
    features = pl.DataFrame({"account_id": ["A"], "revenue_12m": [1.0]})
    with pytest.raises(FeatureFrameInvalid, match=r"missing column.*employees"):
        score_accounts(features, ScorecardDefinition(criteria=(Criterion("employees", 100.0, MM),)))


def test_a_text_column_cannot_be_a_number_criterion():
    features = pl.DataFrame({"account_id": ["A"], "revenue_12m": [1.0], "employees": ["many"]})
    with pytest.raises(FeatureFrameInvalid, match=r"features\.employees"):
        score_accounts(features, ScorecardDefinition(criteria=(Criterion("employees", 100.0, MM),)))


def test_duplicate_accounts_are_refused():
    features = pl.DataFrame({"account_id": ["A", "A"], "revenue_12m": [1.0, 2.0]})
    with pytest.raises(FeatureFrameInvalid, match="'A' appears more than once"):
        score_accounts(
            features, ScorecardDefinition(criteria=(Criterion("revenue_12m", 100.0, P),))
        )


def test_an_invalid_definition_is_refused_before_scoring():
    features = pl.DataFrame({"account_id": ["A"], "revenue_12m": [1.0]})
    with pytest.raises(ScorecardInvalid, match="weights: must sum to 100 %"):
        score_accounts(features, ScorecardDefinition(criteria=(Criterion("revenue_12m", 90.0, P),)))


def test_no_account_gives_an_empty_frame():
    features = pl.DataFrame(
        {"account_id": [], "revenue_12m": []},
        schema={"account_id": pl.String, "revenue_12m": pl.Float64},
    )
    scored = score_accounts(
        features, ScorecardDefinition(criteria=(Criterion("revenue_12m", 100.0, P),))
    )
    assert scored.height == 0
    assert "points__revenue_12m" in scored.columns


# -- properties ---------------------------------------------------------------------------

NUMERIC = ("f0", "f1", "f2", "f3")
values = st.one_of(st.none(), st.floats(-1e6, 1e9, allow_nan=False), st.integers(0, 5).map(float))
normalisations = st.sampled_from(
    [
        {"normalisation": Normalisation.PERCENTILE},
        {"normalisation": Normalisation.MINMAX},
        {"normalisation": Normalisation.LOG_MINMAX},
        {
            "normalisation": Normalisation.BANDS,
            "bands": (1.0, 3.0),
            "band_points": (0.0, 30.0, 100.0),
        },
    ]
)


ANY_POLICY = st.sampled_from(list(MissingPolicy))


@st.composite
def scorecards(draw, policies=ANY_POLICY):
    """A random definition over f0..f3 and sector, with weights summing to 100."""
    count = draw(st.integers(1, 5))
    raw = draw(st.lists(st.integers(0, 10), min_size=count, max_size=count).filter(any))
    weights = [100.0 * w / sum(raw) for w in raw]
    criteria = []
    for i, weight in enumerate(weights):
        missing = draw(policies)
        if i == 4:
            categories = (("x", 100.0), ("y", 20.0), ("*", 50.0))
            criteria.append(
                Criterion("sector", weight, CATS, categories=categories, missing=missing)
            )
        else:
            options = draw(normalisations)
            direction = (
                draw(st.sampled_from(["higher", "lower"])) if "bands" not in options else "higher"
            )
            criteria.append(
                Criterion(NUMERIC[i], weight, direction=direction, missing=missing, **options)
            )
    return ScorecardDefinition(criteria=tuple(criteria))


@st.composite
def frames(draw):
    size = draw(st.integers(1, 25))
    columns = {name: draw(st.lists(values, min_size=size, max_size=size)) for name in NUMERIC}
    sector = draw(
        st.lists(st.sampled_from(["x", "Y", "z", None, " "]), min_size=size, max_size=size)
    )
    revenue = draw(st.lists(values, min_size=size, max_size=size))
    return pl.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(size)],
            "revenue_12m": revenue,
            "sector": sector,
            **columns,
        },
        schema_overrides={"sector": pl.String, **{name: pl.Float64 for name in NUMERIC}},
    )


def points_columns(scored: pl.DataFrame) -> list[str]:
    return [c for c in scored.columns if c.startswith("points__")]


@settings(max_examples=150, deadline=None)
@given(frames(), scorecards())
def test_the_points_sum_to_a_score_between_0_and_100(features, definition):
    scored = score_accounts(features, definition)
    total = scored.select(pl.sum_horizontal(points_columns(scored))).to_series()
    assert (total - scored["score"]).abs().max() <= 1e-9
    assert scored["score"].min() >= 0.0
    assert scored["score"].max() <= 100.0
    assert sorted(scored["rank"]) == list(range(1, features.height + 1))
    # and each account's weights sum to 100 %, unless every criterion was excluded for it
    weights = scored.select(
        pl.sum_horizontal(c for c in scored.columns if c.startswith("weight__"))
    )
    assert all(math.isclose(w, 100.0) or w == 0.0 for w in weights.to_series())


@settings(max_examples=150, deadline=None)
@given(frames(), scorecards(policies=st.just(MissingPolicy.EXCLUDE)))
def test_excluding_keeps_the_weights_at_100(features, definition):
    scored = score_accounts(features, definition)
    weighted = [c.feature for c in definition.criteria if c.weight > 0]
    for row in scored.iter_rows(named=True):
        # then the weights of the criteria the account has a value for make 100 %
        # (0 when it has a value for no weighted criterion: it scores 0)
        used = [f for f in weighted if row[f"value__{f}"] is not None]
        total = sum(row[f"weight__{c.feature}"] for c in definition.criteria)
        assert math.isclose(total, 100.0 if used else 0.0)
        assert all(row[f"weight__{f}"] == 0.0 for f in weighted if f not in used)


@settings(max_examples=150, deadline=None)
@given(frames(), normalisations, st.integers(0, 24), st.floats(0, 1e9, allow_nan=False))
def test_a_higher_value_never_lowers_the_points(features, options, who, more):
    # given one criterion where higher is better, among others
    who = who % features.height
    definition = ScorecardDefinition(
        criteria=(Criterion("f0", 60.0, **options), Criterion("f1", 40.0, P))
    )
    scored = score_accounts(features, definition)
    points = by_account(scored, "points__f0")
    value = by_account(scored, "value__f0")
    # then across accounts, a larger raw value has at least the points of a smaller one
    known = sorted((v, points[a]) for a, v in value.items() if v is not None)
    assert all(p1 <= p2 + 1e-9 for (_, p1), (_, p2) in pairwise(known))
    # and raising one account's value never lowers its own points
    account = f"A{who}"
    before = points[account]
    raised = (value[account] or 0.0) + more
    bumped = features.with_columns(
        f0=pl.when(pl.col("account_id") == account).then(raised).otherwise(pl.col("f0"))
    )
    assert by_account(score_accounts(bumped, definition), "points__f0")[account] >= before - 1e-9


def test_the_seed_scores_the_feature_frame_at_account_and_group_level():
    # given three accounts from the attribute and sales frames: H and its subsidiary S
    # (a group in two countries), and the independent I
    attributes = pl.DataFrame(
        [
            ("H", "Holding", None, "H", "Manufacturing", "FR", ["FR"], 900, 0.2, None, 5, "active"),
            ("S", "Sub", "H", "H", "Manufacturing", "DE", ["DE"], 100, None, None, 3, "active"),
            (
                "I",
                "Indie",
                None,
                "I",
                "Retail & Distribution",
                "FR",
                ["FR"],
                50,
                0.1,
                None,
                1,
                "active",
            ),
        ],
        schema=ATTRIBUTE_COLUMNS,
        orient="row",
    )
    sales = pl.DataFrame(
        [
            ("H", 500.0, 400.0, 50.0, 10.0, 5, 3, 2, 6, 10, date(2020, 1, 1), date(2025, 12, 20)),
            ("S", 100.0, 100.0, 10.0, 2.0, 2, 1, 1, 2, 40, date(2021, 1, 1), date(2025, 11, 20)),
            ("I", 300.0, 0.0, 30.0, 5.0, 3, 2, 1, 3, 5, date(2024, 6, 1), date(2025, 12, 26)),
        ],
        schema=SALES_FEATURE_SCHEMA,
        orient="row",
    )
    features = feature_frame(sales, attributes, as_of=date(2026, 1, 1))
    # when scored by account and by group
    accounts = score_accounts(features, SEED_SCORECARD)
    groups = score_accounts(group_feature_frame(features, as_of=date(2026, 1, 1)), SEED_SCORECARD)
    # then the points explain each score, and H leads both rankings
    for scored in (accounts, groups):
        total = scored.select(pl.sum_horizontal(points_columns(scored))).to_series()
        assert (total - scored["score"]).abs().max() <= 1e-9
        assert scored["account_id"][0] == "H"
    assert groups["account_id"].to_list() == ["H", "I"]
    # and the group spans two countries: half the international points (15 % weight)
    assert by_account(groups, "points__countries_count") == {"H": 7.5, "I": 0.0}
