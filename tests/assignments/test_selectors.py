"""Reads of assignments: the portfolio board (scoped, loads, values, fixed queries), the
history of an account, the proposals and their review."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kam.assignments.policy import policy_get, policy_update
from kam.assignments.proposals import proposal_create, proposal_line_decide
from kam.assignments.selectors import (
    assignment_history,
    portfolio_board,
    proposal_get,
    proposal_list,
    proposal_review,
)
from kam.assignments.services import account_assign
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    """gus (GAM, capacity 3) heads a team of two KAMs, fiona (food) and arno (auto),
    each with room for two average accounts; kent is a KAM outside the team."""
    gus = make_user("gam", "gus", capacity=3, sectors=["Food"], languages=["en"])
    return {
        "gam": gus,
        "food": make_user(
            "kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"], reports_to=gus
        ),
        "auto": make_user(
            "kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"], reports_to=gus
        ),
        "other": make_user("kam", "kent", capacity=4),
    }


def by_user(board):
    return {p.username: p for p in board}


def test_the_board_shows_load_value_and_pins_per_manager(team, key_run, director):
    # given fiona leading a big account (pinned) and a small one, and supporting arno's
    big = AccountFactory(name="Big", sector="Food", employees=10_000)
    small = AccountFactory(name="Small", sector="Food", employees=10)
    auto = AccountFactory(name="Auto", sector="Auto", employees=300)
    standard = AccountFactory(name="Std", employees=300)
    account_assign(account=big, manager=team["food"], pinned=True)
    account_assign(account=small, manager=team["food"])
    account_assign(account=auto, manager=team["auto"])
    account_assign(account=auto, manager=team["food"], role="support")
    account_assign(account=standard, manager=team["auto"])
    key_run(
        [
            (big, "key", 5000.0),
            (small, "key", 1000.0),
            (auto, "key", 2000.0),
            (standard, "standard", 300.0),
        ]
    )
    # when a director reads the board
    board = by_user(portfolio_board(user=director))
    # then every manager has a card, by username
    assert list(board) == ["arno", "fiona", "gus", "kent"]
    fiona = board["fiona"]
    # load: 1.3 (big) + 0.8 (small) + 25 % of auto's 1.0 = 2.35 > 2: over capacity
    assert fiona.load == pytest.approx(2.35)
    assert fiona.over_capacity and fiona.capacity == 2.0
    assert fiona.value == pytest.approx(6000.0)  # what she leads, not what she supports
    assert [(a.name, a.tier, a.workload, a.pinned) for a in fiona.led] == [
        ("Big", "key", 1.3, True),
        ("Small", "key", 0.8, False),
    ]
    assert [a.name for a in fiona.support] == ["Auto"]
    arno = board["arno"]
    # the standard account is led but takes no capacity (its tier is not placed)
    assert arno.load == pytest.approx(1.0) and not arno.over_capacity
    assert {a.name: a.placed for a in arno.led} == {"Auto": True, "Std": False}
    assert arno.value == pytest.approx(2300.0)
    assert board["gus"].led == () and board["gus"].load == 0


def test_a_kam_sees_their_card_and_a_team_head_their_team(team, analyst, marketing):
    assert [p.username for p in portfolio_board(user=team["food"])] == ["fiona"]
    assert [p.username for p in portfolio_board(user=team["gam"])] == ["arno", "fiona", "gus"]
    for user in (analyst, marketing):
        assert len(portfolio_board(user=user)) == 4


def test_the_board_takes_a_fixed_number_of_queries(team, key_run, director):
    accounts: list = []
    policy_get()  # made on first use

    def queries_for(n: int) -> int:
        new = [AccountFactory(employees=100) for _ in range(n)]
        managers = [team["food"], team["auto"], team["gam"]]
        for i, account in enumerate(new):
            account_assign(account=account, manager=managers[i % 3])
            account_assign(account=account, manager=team["other"], role="support")
        accounts.extend(new)
        key_run([(a, "key", 1.0) for a in accounts])
        fresh = User.objects.get(pk=director.pk)  # roles not cached yet
        with CaptureQueriesContext(connection) as ctx:
            board = portfolio_board(user=fresh)
        assert sum(len(p.led) for p in board) == len(accounts)
        return len(ctx.captured_queries)

    few = queries_for(3)
    assert queries_for(30) == few
    assert few <= 10


def test_the_history_lists_every_assignment_newest_first(team, director, kam_user):
    account = AccountFactory()
    account_assign(account=account, manager=team["food"], reason="first", by=director)
    account_assign(account=account, manager=team["auto"], reason="moved", by=director)
    history = assignment_history(user=director, account=account)
    assert [(row.manager.username, row.reason, row.ended_at is None) for row in history] == [
        ("arno", "moved", True),
        ("fiona", "first", False),
    ]
    assert history[1].end_reason == "moved" and history[1].ended_by == director
    # a KAM outside the account's portfolio gets a 404
    with pytest.raises(Http404):
        assignment_history(user=kam_user, account=account)
    # arno, who leads it, and gus, his team head, read it
    assert len(assignment_history(user=team["auto"], account=account)) == 2
    assert len(assignment_history(user=team["gam"], account=account)) == 2


def test_proposals_are_for_directors_and_analysts(team, key_run, director, analyst, kam_user):
    key_run([(AccountFactory(sector="Food"), "key", 100.0)])
    proposal = proposal_create(user=director)
    for user in (director, analyst):
        listed = list(proposal_list(user=user))
        assert listed == [proposal]
        assert (listed[0].new_count, listed[0].kept_count) == (1, 0)
        assert proposal_get(user=user, pk=proposal.pk) == proposal
    assert list(proposal_list(user=kam_user)) == []
    with pytest.raises(Http404):
        proposal_get(user=kam_user, pk=proposal.pk)


def test_the_review_shows_changes_names_tiers_and_loads_as_decided(team, key_run, director):
    # given one food account kept with fiona and two new accounts (food and auto)
    kept = AccountFactory(name="Kept", sector="Food", employees=300)
    account_assign(account=kept, manager=team["food"])
    food = AccountFactory(name="Food", sector="Food", employees=300)
    auto = AccountFactory(name="Auto", sector="Auto", employees=300)
    policy_update(user=director, changes={"tiers": {"key": {"workload": 1.0, "support": 0}}})
    key_run([(kept, "key", 100.0), (food, "key", 100.0), (auto, "key", 100.0)])
    proposal = proposal_create(user=director)
    # when the auto line is rejected
    auto_line = proposal.lines.get(account=auto)
    proposal_line_decide(line=auto_line, decision="rejected", user=director)
    review = proposal_review(user=director, proposal=proposal)
    # then changes only are listed, with names and tiers
    assert [(r.line.account.name, r.previous_lead, r.lead, r.tier) for r in review.lines] == [
        ("Auto", "", "arno", "key"),
        ("Food", "", "fiona", "key"),
    ]
    assert review.counts == {"kept": 1, "moved": 0, "new": 2, "unassigned": 0}
    assert (review.total, review.changes, review.accepted, review.rejected) == (3, 2, 1, 1)
    # and the loads: arno gets auto in the proposal, not as decided
    loads = {load.username: load for load in review.loads}
    assert (loads["arno"].before, loads["arno"].after, loads["arno"].decided) == (0, 1, 0)
    assert (loads["fiona"].before, loads["fiona"].after, loads["fiona"].decided) == (1, 2, 2)
    # and "all" lists the kept line too
    everything = proposal_review(user=director, proposal=proposal, changes_only=False)
    assert [r.line.account.name for r in everything.lines] == ["Auto", "Food", "Kept"]


def test_the_review_takes_a_fixed_number_of_queries(team, key_run, director):
    accounts: list = []

    def queries_for(n: int) -> int:
        accounts.extend(AccountFactory(sector="Food", employees=10) for _ in range(n))
        key_run([(a, "key", 1.0) for a in accounts])
        proposal = proposal_create(user=director)
        with CaptureQueriesContext(connection) as ctx:
            review = proposal_review(user=director, proposal=proposal, changes_only=False)
        assert review.total == len(accounts)
        return len(ctx.captured_queries)

    assert queries_for(2) == queries_for(8)
