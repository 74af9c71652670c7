"""The recommendation read from the database, and the key accounts without a plan."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from django.http import Http404

from kam.engagement.activity_import import activities_import_frame
from kam.engagement.recommendations import channel_recommendation, key_account_recommendations
from kam.engagement.selectors import accounts_without_plan
from kam.engagement.services import PlanItemInput, channel_plan_set


def log(*rows: tuple[str, str, str, float | None]) -> None:
    """Activities (account, channel, outcome, order amount), imported in one go."""
    frame = pl.DataFrame(
        {
            "external_id": [f"T{i}" for i in range(len(rows))],
            "account_external_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "date": [date(2026, 1, 1)] * len(rows),
            "outcome": [r[2] for r in rows],
            "order_amount": [r[3] for r in rows],
        },
        schema_overrides={"order_amount": pl.Float64},
    )
    result = activities_import_frame(frame=frame, source_name="test", user=None)
    assert result.ok, result.errors


@pytest.fixture
def history(scored):
    # Alpha: 4 visits, 2 replies and an order of 4,000; 2 mailings, no reply.
    # Bravo: 3 emailings, one order of 300.
    log(
        ("A", "visit", "reply", None),
        ("A", "visit", "order", 4000.0),
        ("A", "visit", "none", None),
        ("A", "visit", "none", None),
        ("A", "mailing", "none", None),
        ("A", "mailing", "none", None),
        ("B", "emailing", "order", 300.0),
        ("B", "emailing", "none", None),
        ("B", "emailing", "none", None),
    )
    return scored


def test_one_accounts_recommendation_with_reasons(history, kam_user, django_assert_max_num_queries):
    # the user's roles and portfolio (3), then channels, accounts, tiers, counts (4)
    with django_assert_max_num_queries(7):
        advice = channel_recommendation(user=kam_user, account=history.alpha)
    by_code = {c.code: c for c in advice.channels}
    assert len(advice.channels) == 7  # every active channel, ranked
    assert [c.rank for c in advice.channels] == list(range(1, 8))
    visit = by_code["visit"]
    assert (visit.contacts, visit.replies, visit.orders, visit.revenue) == (4, 2, 1, 4000.0)
    assert visit.evidence == "account"
    assert visit.reason.startswith("Visit: replies to 50 % of contacts (2 of 4)")
    # Alpha has history with visits and mailings only; emailings are Bravo's (Energy)
    assert {c.code for c in advice.suggested} == {"visit", "mailing"}
    assert by_code["emailing"].evidence == "all"
    assert [(i.channel, i.times, i.period) for i in advice.plan_items()] == [
        (c.code, *{"visit": (1, "quarter"), "mailing": (1, "month")}[c.code])
        for c in advice.suggested
    ]


def test_a_kam_gets_no_recommendation_for_an_account_not_theirs(history, kam_user):
    with pytest.raises(Http404):
        channel_recommendation(user=kam_user, account=history.bravo)


def test_every_key_account_in_a_fixed_number_of_queries(
    history, director, kam_user, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        everything = key_account_recommendations(user=director)
    assert [r.external_id for r in everything] == ["A", "B"]
    assert all(1 <= len(r.suggested) <= 3 for r in everything)
    bravo = everything[1]
    assert bravo.suggested[0].code == "emailing"
    assert [r.external_id for r in key_account_recommendations(user=kam_user)] == ["A"]


def test_key_accounts_without_a_plan_are_flagged(scored, director, kam_user):
    assert [s.account.external_id for s in accounts_without_plan(user=director)] == ["A", "B"]
    channel_plan_set(account=scored.alpha, items=[PlanItemInput("visit", 1, "quarter")], user=None)
    assert [s.account.external_id for s in accounts_without_plan(user=director)] == ["B"]
    assert list(accounts_without_plan(user=kam_user)) == []  # Bravo is otto's


def test_no_run_in_force_no_key_account(portfolio, director):
    assert list(accounts_without_plan(user=director)) == []
    assert key_account_recommendations(user=director) == []
