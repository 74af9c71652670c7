"""Tier rules: the first rule an account satisfies gives its tier."""

from __future__ import annotations

import polars as pl

from kam.domain.tiers import DEFAULT_TIER_RULES, TierRule, assign_tiers

SCORED = pl.DataFrame(
    {
        "account_id": ["a", "b", "c", "d", "e"],
        "score": [90.0, 59.999999999999996, 55.0, 45.0, 80.0],
        "rank": [1, 2, 3, 4, 5],
        "abc": ["A", "A", "B", "C", "C"],
    }
)


def test_default_rules_combine_score_and_abc_class():
    # key: score >= 60 and class A; strategic: score >= 40 and class A or B
    tiers = assign_tiers(SCORED, DEFAULT_TIER_RULES, "standard")
    # then b's score, 60 but for rounding, still reaches 60; e scores 80 but is class C
    assert tiers.to_list() == ["key", "key", "strategic", "standard", "standard"]
    assert tiers.name == "tier"


def test_rules_are_tried_in_order_and_same_tier_rules_read_as_or():
    # given key = the top 1, or any account scoring 80 or more
    rules = (
        TierRule("key", top_n=1),
        TierRule("key", min_score=80.0),
        TierRule("strategic", abc=("B", "C")),
    )
    tiers = assign_tiers(SCORED, rules, "other")
    assert tiers.to_list() == ["key", "other", "strategic", "strategic", "key"]


def test_no_rule_gives_everyone_the_default_tier():
    assert assign_tiers(SCORED, (), "standard").to_list() == ["standard"] * 5


def test_a_rule_without_condition_takes_everyone_left():
    rules = (TierRule("key", top_n=2), TierRule("strategic"))
    tiers = assign_tiers(SCORED, rules, "standard")
    assert tiers.to_list() == ["key", "key", "strategic", "strategic", "strategic"]
