"""Invalid scorecards are refused with every problem named; the JSON form round-trips."""

from __future__ import annotations

import json

import pytest

from kam.domain.features import FEATURES, FeatureSpec
from kam.domain.scorecard import (
    SEED_SCORECARD,
    Criterion,
    Direction,
    MissingPolicy,
    Normalisation,
    Problem,
    ScorecardDefinition,
    ScorecardInvalid,
    ScoringLevel,
    TierRule,
    definition_from_dict,
    definition_to_dict,
    scorecard_validate,
)

P, BANDS, CATS = Normalisation.PERCENTILE, Normalisation.BANDS, Normalisation.CATEGORIES
CATALOGUE = {
    "revenue_12m": FeatureSpec("revenue_12m", "numeric", "Revenue"),
    "employees": FeatureSpec("employees", "numeric", "Employees"),
    "countries_count": FeatureSpec("countries_count", "numeric", "Countries"),
    "sector": FeatureSpec("sector", "categorical", "Sector"),
}


def problems_of(definition: ScorecardDefinition) -> list[str]:
    with pytest.raises(ScorecardInvalid) as caught:
        scorecard_validate(definition, features=CATALOGUE)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(p) for p in caught.value.problems]


def test_the_seed_scorecard_is_valid_against_the_catalogue():
    # when validated against the real catalogue, then nothing is raised
    scorecard_validate(SEED_SCORECARD, features=FEATURES)
    # and it has the seed's seven criteria
    assert [c.feature for c in SEED_SCORECARD.criteria] == [
        "revenue_12m",
        "avg_monthly_revenue",
        "sector",
        "employees",
        "orders_12m",
        "market_share",
        "countries_count",
    ]


def test_weights_must_sum_to_100():
    definition = ScorecardDefinition(
        criteria=(Criterion("revenue_12m", 60.0, P), Criterion("employees", 30.0, P))
    )
    assert problems_of(definition) == ["weights: must sum to 100 % (got 90 %)"]


def test_an_unknown_feature_gets_a_suggestion():
    definition = ScorecardDefinition(criteria=(Criterion("revnue", 100.0, P),))
    assert problems_of(definition) == [
        "criteria[0].feature: unknown feature 'revnue' (did you mean 'revenue_12m'?)"
    ]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("revnue", "revenue_12m"), ("employes", "employees"), ("market share", "market_share")],
)
def test_suggestions_come_from_the_real_catalogue(typed, meant):
    definition = ScorecardDefinition(criteria=(Criterion(typed, 100.0, P),))
    with pytest.raises(ScorecardInvalid, match=f"did you mean '{meant}'"):
        scorecard_validate(definition, features=FEATURES)


def test_bands_must_increase_and_have_one_points_value_per_band():
    definition = ScorecardDefinition(
        criteria=(
            Criterion("revenue_12m", 50.0, P),
            Criterion("employees", 25.0, P),
            Criterion("countries_count", 25.0, BANDS, bands=(10.0, 5.0), band_points=(0.0, 150.0)),
        )
    )
    assert problems_of(definition) == [
        "criteria[2].bands: cut points must be strictly increasing (got 10, 5)",
        "criteria[2].band_points: needs 3 values (one per band, lowest band first), got 2",
        "criteria[2].band_points: points must be between 0 and 100 (got 150)",
    ]


def test_a_categorical_feature_needs_a_value_to_points_map_and_vice_versa():
    definition = ScorecardDefinition(
        criteria=(
            Criterion("sector", 50.0, P),
            Criterion("employees", 50.0, CATS, categories=(("big", 100.0),)),
        )
    )
    problems = problems_of(definition)
    assert problems == [
        "criteria[0].normalisation: 'sector' is categorical: use 'categories' with a value →"
        " points map",
        "criteria[1].normalisation: 'employees' is numeric: use percentile, minmax, log_minmax"
        " or bands ('categories' is for categorical features)",
    ]


def test_every_problem_is_reported_at_once():
    # given a scorecard wrong in many ways
    definition = ScorecardDefinition(
        criteria=(
            Criterion("revenue_12m", -10.0, P),
            Criterion("revenue_12m", 50.0, P),
            Criterion("sector", 10.0, CATS, categories=(("Retail", 40.0), ("retail ", 50.0))),
            Criterion(
                "employees",
                10.0,
                BANDS,
                direction=Direction.LOWER,
                bands=(1.0,),
                band_points=(0.0, 100.0),
            ),
            Criterion("countries_count", 10.0, P, bands=(1.0,)),
        ),
        abc_a=0.9,
        abc_b=0.8,
        tier_rules=(TierRule("Key Accounts", min_score=120.0, abc=("D",), top_n=0),),
        default_tier="",
        attractiveness=("margin_12m",),
    )
    # then each one is named by its field
    assert problems_of(definition) == [
        "criteria[0].weight: must be a number from 0 to 100 (got -10)",
        "criteria[1].feature: feature 'revenue_12m' is already used by criteria[0]",
        "criteria[2].categories: value 'retail ' is listed twice",
        "criteria[3].direction: bands give their points explicitly: keep 'higher' and give"
        " the best values the most points",
        "criteria[4].bands: only used with the 'bands' normalisation",
        "weights: must sum to 100 % (got 70 %)",
        "abc_b: must be above abc_a (0.9) and at most 1 (got 0.8)",
        "tier_rules[0].tier: a tier code is 1 to 32 lowercase letters, digits, '_' or '-'"
        " (got 'Key Accounts')",
        "default_tier: a tier code is 1 to 32 lowercase letters, digits, '_' or '-' (got '')",
        "tier_rules[0].min_score: must be from 0 to 100 (got 120.0)",
        "tier_rules[0].abc: classes are A, B or C (got 'D')",
        "tier_rules[0].top_n: must be a whole number ≥ 1 (got 0)",
        "attractiveness[0]: 'margin_12m' is not a criterion of this scorecard",
    ]


def test_a_scorecard_needs_a_criterion():
    assert problems_of(ScorecardDefinition(criteria=())) == [
        "criteria: a scorecard needs at least one criterion"
    ]


@pytest.mark.parametrize(
    ("a", "b", "problem"),
    [
        (0.0, 0.95, "abc_a: must be between 0 and 1, e.g. 0.8 (got 0)"),
        (0.8, 1.2, "abc_b: must be above abc_a (0.8) and at most 1 (got 1.2)"),
    ],
)
def test_abc_thresholds_are_ordered_shares(a, b, problem):
    definition = ScorecardDefinition(
        criteria=(Criterion("revenue_12m", 100.0, P),), abc_a=a, abc_b=b
    )
    assert problems_of(definition) == [problem]


# -- JSON form ----------------------------------------------------------------------------


def test_the_seed_round_trips_through_json():
    # given the seed as stored in the database (through real JSON text)
    stored = json.loads(json.dumps(definition_to_dict(SEED_SCORECARD)))
    # then reading it back gives the same definition, with enum members
    again = definition_from_dict(stored)
    assert again == SEED_SCORECARD
    assert again.criteria[0].normalisation is Normalisation.PERCENTILE
    assert stored["criteria"][2]["categories"]["Manufacturing"] == 100.0


def test_a_hand_written_definition_takes_defaults():
    # given a minimal file: integers, categories as an object, abc as one letter
    data = {
        "level": "group",
        "criteria": [
            {"feature": "revenue_12m", "weight": 70, "normalisation": "percentile"},
            {
                "feature": "sector",
                "weight": 30,
                "normalisation": "categories",
                "categories": {"Retail": 40, "*": 50},
                "missing": "median",
            },
        ],
        "tier_rules": [{"tier": "key", "top_n": 20, "abc": "A"}],
    }
    # when read
    definition = definition_from_dict(data, features=CATALOGUE)
    # then
    assert definition.level is ScoringLevel.GROUP
    assert definition.criteria[0] == Criterion("revenue_12m", 70.0, P)
    assert definition.criteria[1].categories == (("Retail", 40.0), ("*", 50.0))
    assert definition.criteria[1].missing is MissingPolicy.MEDIAN
    assert definition.tier_rules == (TierRule("key", abc=("A",), top_n=20),)
    assert (definition.abc_a, definition.abc_b, definition.default_tier) == (0.8, 0.95, "standard")


def test_hostile_json_is_refused_field_by_field():
    data = {
        "criteria": [
            {"feature": "revenue_12m", "wieght": 100, "normalisation": "percentil"},
            {"feature": "employees", "weight": "lots", "normalisation": "bands", "bands": "1,2"},
            "revenue",
        ],
        "level": "galaxy",
        "colour": "red",
        "tier_rules": [{"min_score": True}],
    }
    with pytest.raises(ScorecardInvalid) as caught:
        definition_from_dict(data, features=CATALOGUE)
    problems = [str(p) for p in caught.value.problems]
    assert problems[:8] == [
        "colour: unknown field",
        "criteria[0].wieght: unknown field (did you mean 'weight'?)",
        "criteria[0].weight: is required",
        "criteria[1].bands: must be a list",
        "criteria[2]: must be an object",
        "criteria[2].feature: is required",
        "criteria[2].weight: is required",
        "criteria[2].normalisation: is required",
    ]
    assert "tier_rules[0].tier: is required" in problems
    assert "level: unknown level 'galaxy' (expected one of account, group)" in problems
    assert (
        "criteria[0].normalisation: unknown normalisation 'percentil' (expected one of"
        " percentile, minmax, log_minmax, bands, categories)"
    ) in problems
    assert "criteria[1].weight: must be a number from 0 to 100 (got 'lots')" in problems
    assert "tier_rules[0].min_score: must be from 0 to 100 (got True)" in problems


def test_a_definition_that_is_not_an_object_is_refused():
    with pytest.raises(ScorecardInvalid) as caught:
        definition_from_dict(["revenue_12m"], features=CATALOGUE)
    assert caught.value.problems[0] == Problem("definition", "must be an object")
