"""Scoring reads: account rows follow the accounts' access, company aggregates do not;
a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kam.scoring.models import ScoreRun
from kam.scoring.selectors import (
    LEAD_MANAGER,
    account_score_get,
    account_score_history,
    account_score_list,
    pareto_data,
    run_in_force,
    score_run_as_of,
    score_run_list,
    scorecard_get,
    scorecard_list,
)
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign
from tests.scoring.conftest import AS_OF, SIMPLE, Book, sell

pytestmark = pytest.mark.django_db


def _apply(as_of=AS_OF) -> ScoreRun:  # type: ignore[no-untyped-def]
    card = scorecard_create(name=f"simple-{as_of}", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=as_of, user=None).run
    assert run is not None
    return score_run_apply(run=run, user=None)


def test_a_kam_sees_only_the_scores_of_their_portfolio(book: Book, kam_user, director):
    # given B entrusted to the KAM, and a run in force
    assign(book.b, kam_user)
    _apply()
    # then the KAM's list has B only, with its lead manager; a director's has all four
    mine = list(account_score_list(user=kam_user))
    assert [s.account.external_id for s in mine] == ["B"]
    assert getattr(mine[0], LEAD_MANAGER) == "kim"
    assert [s.account.external_id for s in account_score_list(user=director)] == list("ABCD")
    # and one account's score is 404 for the KAM when not theirs
    assert account_score_get(user=kam_user, external_id="B").rank == 2
    with pytest.raises(Http404):
        account_score_get(user=kam_user, external_id="A")


def test_the_tier_filter_and_an_explicit_run(book: Book, director):
    run = _apply()
    key = account_score_list(user=director, tier="key")
    assert [s.account.external_id for s in key] == ["A"]
    assert account_score_list(user=director, run=run, tier="strategic").count() == 2


def test_no_run_in_force_means_no_rows(book: Book, director):
    assert run_in_force() is None
    assert not account_score_list(user=director).exists()
    with pytest.raises(Http404):
        account_score_get(user=director, external_id="A")


def test_anonymous_visitors_see_nothing(book: Book):
    run = _apply()
    nobody = AnonymousUser()
    assert not account_score_list(user=nobody).exists()
    assert not score_run_list(user=nobody).exists()
    assert not scorecard_list(user=nobody).exists()
    assert not pareto_data(user=nobody, run=run).accounts.exists()


def _queries_of_a_scored_list(kam_user, n: int, day: int) -> int:  # type: ignore[no-untyped-def]
    """Give the KAM ``n`` more accounts with sales, score and apply, then count the
    queries of their list (roles not cached, as in a new request)."""
    accounts = [AccountFactory() for _ in range(n)]
    for account in accounts:
        assign(account, kam_user)
    sell(*((a.external_id, f"O-{a.external_id}", AS_OF.replace(day=1), 10.0) for a in accounts))
    run = _apply(AS_OF.replace(day=day))
    kam_user.__dict__.pop("_kam_roles", None)
    with CaptureQueriesContext(connection) as queries:
        rows = list(account_score_list(user=kam_user, run=run))
        assert rows
        assert all(getattr(r, LEAD_MANAGER) == "kim" and r.account.name for r in rows)
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_or_30_accounts(db, kam_user):
    # when a KAM's list is read with 3 accounts scored, then with 33
    few = _queries_of_a_scored_list(kam_user, 3, day=2)
    many = _queries_of_a_scored_list(kam_user, 30, day=3)
    # then the number of queries does not grow with the rows, and stays small (roles,
    # team, then the scores with their accounts and lead managers)
    assert few == many <= 3


def test_history_lists_every_done_run_of_an_account(book: Book, kam_user, director):
    first = _apply()
    second = _apply(AS_OF.replace(day=20))
    history = list(account_score_history(user=director, account=book.a))
    assert [h.run for h in history] == [second, first]
    # a KAM who does not hold A sees no history of it
    assert not account_score_history(user=kam_user, account=book.a).exists()


def test_pareto_data_is_company_wide_but_rows_are_scoped(book: Book, kam_user):
    run = _apply()
    data = pareto_data(user=kam_user, run=run)
    assert data.revenue_total == 2600.0 and len(data.curve) == 101
    assert data.abc_counts == {"A": 1, "C": 3}
    assert data.abc_thresholds == (0.8, 0.95)
    assert data.top20_share == pytest.approx(0.8 * 1500 / 2600)
    assert not data.accounts.exists()


def test_the_run_as_of_a_day_prefers_applied_runs(book: Book, director):
    applied = _apply()
    card = applied.scorecard
    later_not_applied = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert later_not_applied is not None
    assert score_run_as_of(user=director, as_of=AS_OF) == applied
    assert score_run_as_of(user=director, as_of=AS_OF.replace(day=14)) is None


def test_scorecard_get_prefers_the_active_version(book: Book, director):
    applied = _apply()
    from kam.scoring.services import scorecard_revise

    scorecard_revise(scorecard=applied.scorecard, definition=SIMPLE, user=director)
    assert scorecard_get(user=director, name=applied.scorecard.name).version == 1
    assert scorecard_get(user=director, name=applied.scorecard.name, version=2).version == 2
    with pytest.raises(Http404):
        scorecard_get(user=director, name="nope")
