"""The channel recommendation (kam.domain.channels), checked against figures worked out
by hand. No database."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.domain.channels import (
    MIN_COST,
    ReasonTexts,
    activity_counts,
    channel_ranking,
    suggested_plans,
)

# Three key accounts; A and B in Retail, C in Energy.
ACCOUNTS = pl.DataFrame(
    {"account_id": [1, 2, 3], "sector": ["Retail", "Retail", "Energy"], "tier": ["key"] * 3}
)
CHANNELS = pl.DataFrame(
    {
        "channel": ["visit", "mail", "webinar"],
        "label": ["Visit", "Mailing", "Webinar"],
        "unit_cost": [100.0, 10.0, 50.0],
    }
)
# A: 10 visits, 5 replies, 2 orders worth 2,000. B: 10 visits, 1 reply; 10 mailings, 2
# replies, 1 order worth 500. C: 20 mailings, 4 replies. Nobody ran a webinar.
COUNTS = pl.DataFrame(
    {
        "account_id": [1, 2, 2, 3],
        "channel": ["visit", "visit", "mail", "mail"],
        "contacts": [10, 10, 10, 20],
        "replies": [5, 1, 2, 4],
        "orders": [2, 0, 1, 0],
        "revenue": [2000.0, 0.0, 500.0, 0.0],
        "cost": [1000.0, 1000.0, 100.0, 200.0],
    }
)


def row(ranking: pl.DataFrame, account: int, channel: str) -> dict[str, object]:
    return ranking.filter((pl.col("account_id") == account) & (pl.col("channel") == channel)).row(
        0, named=True
    )


def test_counts_per_account_and_channel():
    # given three activities of one account, two through visits
    activities = pl.DataFrame(
        {
            "account_id": [1, 1, 1],
            "channel": ["visit", "visit", "mail"],
            "outcome": ["meeting", "order", "none"],
            "cost": [100.0, 100.0, 10.0],
            "order_amount": [None, 800.0, None],
        }
    )
    # when they are counted
    counts = activity_counts(activities).sort("channel")
    # then a meeting and an order are replies, the order is also an order
    assert counts.rows(named=True) == [
        {
            "account_id": 1,
            "channel": "mail",
            "contacts": 1,
            "replies": 0,
            "orders": 0,
            "revenue": 0.0,
            "cost": 10.0,
        },
        {
            "account_id": 1,
            "channel": "visit",
            "contacts": 2,
            "replies": 2,
            "orders": 1,
            "revenue": 800.0,
            "cost": 200.0,
        },
    ]


def test_rates_shrink_toward_the_segment_then_all_accounts():
    # when the channels are ranked with a prior of 5 contacts
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=5)
    visit = row(ranking, 1, "visit")
    # then, by hand:
    # all accounts, visits: 6 replies / 20 = 0.30, 2 orders / 20 = 0.10
    # Retail key, visits: (6 + 5·0.30) / (20 + 5) = 0.30; orders (2 + 0.5) / 25 = 0.10
    # A's visits: (5 + 5·0.30) / (10 + 5) = 6.5 / 15; orders (2 + 0.5) / 15
    assert visit["response_rate"] == pytest.approx(6.5 / 15)
    assert visit["conversion_rate"] == pytest.approx(2.5 / 15)
    assert visit["segment_response_rate"] == pytest.approx(0.30)
    # value per order: mean order V = 2,500 / 3; all visits (2,000 + 5V) / 7;
    # Retail key (2,000 + 5·all) / 7; A (2,000 + 5·Retail) / 7
    mean_order = 2500 / 3
    all_visits = (2000 + 5 * mean_order) / 7
    retail_visits = (2000 + 5 * all_visits) / 7
    a_visits = (2000 + 5 * retail_visits) / 7
    assert visit["value_per_order"] == pytest.approx(a_visits)
    # expected return: conversion × value per order / unit cost (100)
    assert visit["expected_return"] == pytest.approx(2.5 / 15 * a_visits / 100)
    assert visit["evidence"] == "account"


def test_a_channel_not_tried_by_the_account_gets_its_segments_rates():
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=5)
    mail = row(ranking, 1, "mail")
    # all mailings: 6/30 replies = 0.2, 1/30 orders; Retail key mailings (B's 10):
    # replies (2 + 5·0.2) / 15 = 0.2, orders (1 + 5/30) / 15
    assert mail["evidence"] == "segment"
    assert mail["contacts"] == 0
    assert mail["response_rate"] == pytest.approx(0.2)
    assert mail["conversion_rate"] == pytest.approx((1 + 5 / 30) / 15)
    mean_order = 2500 / 3
    all_mail = (500 + 5 * mean_order) / 6
    retail_mail = (500 + 5 * all_mail) / 6
    assert mail["value_per_order"] == pytest.approx(retail_mail)
    assert mail["expected_return"] == pytest.approx((1 + 5 / 30) / 15 * retail_mail / 10)


def test_ranked_by_expected_revenue_per_unit_of_cost():
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=5)
    a = ranking.filter(pl.col("account_id") == 1)
    # mailings (5.69 per unit of cost) before visits (1.57); the unused webinar last
    assert a["channel"].to_list() == ["mail", "visit", "webinar"]
    assert a["rank"].to_list() == [1, 2, 3]
    assert row(ranking, 1, "mail")["expected_return"] == pytest.approx(5.6893, abs=1e-4)
    assert row(ranking, 1, "visit")["expected_return"] == pytest.approx(1.5654, abs=1e-4)
    assert row(ranking, 1, "webinar")["evidence"] == "none"


def test_the_suggested_plan_holds_the_channels_with_evidence_at_most_three():
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS)
    plans = suggested_plans(ranking)
    by_account = {
        a: rows["channel"].to_list()
        for (a,), rows in plans.group_by(["account_id"], maintain_order=True)
    }
    # A and B: visits and mailings (own or Retail evidence); no webinar (no evidence).
    # C (Energy): only its mailings: nobody in Energy made visits.
    assert by_account == {1: ["mail", "visit"], 2: ["mail", "visit"], 3: ["mail"]}


def test_at_most_plan_size_channels_are_suggested():
    counts = pl.DataFrame(
        {
            "account_id": [1] * 4,
            "channel": ["a", "b", "c", "d"],
            "contacts": [10] * 4,
            "replies": [5, 4, 3, 2],
            "orders": [4, 3, 2, 1],
            "revenue": [400.0, 300.0, 200.0, 100.0],
            "cost": [10.0] * 4,
        }
    )
    channels = pl.DataFrame(
        {"channel": ["a", "b", "c", "d"], "label": list("ABCD"), "unit_cost": [1.0] * 4}
    )
    accounts = pl.DataFrame({"account_id": [1], "sector": ["S"], "tier": ["key"]})
    ranking = channel_ranking(counts, accounts, channels)
    assert ranking.filter(pl.col("suggested"))["channel"].to_list() == ["a", "b", "c"]
    assert channel_ranking(counts, accounts, channels, plan_size=1).filter(pl.col("suggested"))[
        "channel"
    ].to_list() == ["a"]


def test_an_account_without_any_near_evidence_gets_one_channel_from_all_accounts():
    # given a key account in a sector nobody has worked yet
    accounts = pl.concat(
        [ACCOUNTS, pl.DataFrame({"account_id": [4], "sector": ["Pharma"], "tier": ["key"]})]
    )
    ranking = channel_ranking(COUNTS, accounts, CHANNELS, only_accounts=[4])
    # then its plan is never empty: the best channel across all accounts
    assert ranking["account_id"].unique().to_list() == [4]
    suggested = ranking.filter(pl.col("suggested"))
    assert suggested["channel"].to_list() == [ranking["channel"][0]]
    assert suggested["evidence"].to_list() == ["all"]


def test_no_history_at_all_still_suggests_one_channel():
    empty = COUNTS.clear()
    ranking = channel_ranking(empty, ACCOUNTS, CHANNELS)
    suggested = ranking.filter(pl.col("suggested"))
    assert suggested.height == 3  # one per account
    assert set(suggested["evidence"]) == {"none"}
    assert set(suggested["channel"]) == {"mail"}  # ties broken by channel code


def test_the_reason_gives_the_figures():
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=5)
    assert row(ranking, 1, "visit")["reason"] == (
        "Visit: replies to 50 % of contacts (5 of 10) vs 30 % in its sector; 2 order(s) "
        "worth 2000 for a cost of 1000; expected 1.57 per unit of cost"
    )
    assert row(ranking, 1, "mail")["reason"] == (
        "Mailing: not tried with this account; in its sector 20 % of contacts get a reply "
        "and 8 % an order (10 contacts); expected 5.69 per unit of cost"
    )
    assert row(ranking, 3, "visit")["reason"].startswith(
        "Visit: not tried in its sector; across all accounts 30 % of contacts get a reply "
        "(20 contacts)"
    )
    assert row(ranking, 1, "webinar")["reason"] == (
        "Webinar: no activity recorded on this channel yet"
    )


def test_reasons_can_be_given_in_another_language():
    texts = ReasonTexts(none="%(channel)s : aucune activité sur ce canal")
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, texts=texts)
    assert row(ranking, 1, "webinar")["reason"] == "Webinar : aucune activité sur ce canal"


def test_without_prior_the_rates_are_the_accounts_own():
    ranking = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=0)
    assert row(ranking, 1, "visit")["response_rate"] == pytest.approx(0.5)
    assert row(ranking, 2, "visit")["response_rate"] == pytest.approx(0.1)


def test_a_free_channel_counts_the_minimum_cost():
    channels = CHANNELS.with_columns(unit_cost=pl.lit(0.0))
    ranking = channel_ranking(COUNTS, ACCOUNTS, channels)
    visit = row(ranking, 1, "visit")
    assert visit["expected_return"] == pytest.approx(
        visit["conversion_rate"] * visit["value_per_order"] / MIN_COST
    )


def test_priors_use_every_account_even_when_few_are_shown():
    everyone = channel_ranking(COUNTS, ACCOUNTS, CHANNELS)
    only_a = channel_ranking(COUNTS, ACCOUNTS, CHANNELS, only_accounts=[1])
    assert only_a.equals(everyone.filter(pl.col("account_id") == 1))


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="prior_strength"):
        channel_ranking(COUNTS, ACCOUNTS, CHANNELS, prior_strength=-1)
    with pytest.raises(ValueError, match="plan_size"):
        channel_ranking(COUNTS, ACCOUNTS, CHANNELS, plan_size=0)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),  # account
            st.sampled_from(["visit", "mail", "webinar", "phone"]),
            st.integers(1, 30),  # contacts
            st.floats(0, 1),  # share replying
            st.floats(0, 1),  # share of replies ordering
        ),
        max_size=25,
    ),
    st.floats(0, 20),
)
def test_rates_stay_between_own_and_prior_and_plans_have_one_to_three(cells, k):
    rows = {}
    for account, channel, n, reply_share, order_share in cells:
        replies = round(n * reply_share)
        orders = round(replies * order_share)
        rows[(account, channel)] = (n, replies, orders, orders * 100.0, n * 10.0)
    counts = pl.DataFrame(
        [(a, c, *v) for (a, c), v in rows.items()],
        schema={
            "account_id": pl.Int64,
            "channel": pl.String,
            "contacts": pl.Int64,
            "replies": pl.Int64,
            "orders": pl.Int64,
            "revenue": pl.Float64,
            "cost": pl.Float64,
        },
        orient="row",
    )
    accounts = pl.DataFrame(
        {
            "account_id": list(range(1, 7)),
            "sector": ["S1", "S1", "S2", "S2", "S3", None],
            "tier": ["key", "key", "key", "other", "key", None],
        }
    )
    channels = pl.DataFrame(
        {
            "channel": ["visit", "mail", "webinar", "phone"],
            "label": ["V", "M", "W", "P"],
            "unit_cost": [100.0, 5.0, 0.0, 20.0],
        }
    )
    ranking = channel_ranking(counts, accounts, channels, prior_strength=k)
    # every account is ranked on every channel, and gets 1 to 3 suggested channels
    assert ranking.height == 6 * 4
    per_account = ranking.group_by("account_id").agg(pl.col("suggested").sum())
    assert per_account["suggested"].is_between(1, 3).all()
    # a shrunk response rate lies between the account's own rate and its segment's
    own = ranking.filter(pl.col("contacts") > 0).with_columns(
        raw=pl.col("replies") / pl.col("contacts")
    )
    low = pl.min_horizontal("raw", "segment_response_rate") - 1e-9
    high = pl.max_horizontal("raw", "segment_response_rate") + 1e-9
    assert own.select(pl.col("response_rate").is_between(low, high).all()).item()
    assert ranking["expected_return"].is_finite().all()
    assert (ranking["expected_return"] >= 0).all()
