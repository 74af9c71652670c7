"""Fixtures for the scoring pages: a small scored book of accounts, stored through the
real import path and scored by the real services, with a run in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from kam.accounts.models import Account
from kam.scoring.models import Scorecard, ScoreRun
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign
from tests.scoring.conftest import AS_OF, BOOK_SALES, SIMPLE, sell


@dataclass
class Book:
    """Four scored accounts and the run in force.

    Alpha (2 orders, 1,500 in the last 12 months) is key with 100 points; Bravo (1 order,
    1,000) strategic with 60; Charlie (1 order, 100; 300 the year before) strategic with
    40; Delta (nothing) standard with 0. kim leads Alpha and Charlie, otto leads Bravo."""

    alpha: Account
    bravo: Account
    charlie: Account
    delta: Account
    scorecard: Scorecard
    run: ScoreRun


def score_and_apply(scorecard: Scorecard, *, as_of: date = AS_OF) -> ScoreRun:
    """Score the accounts with a scorecard and put the run in force."""
    run = score_run_create(scorecard=scorecard, as_of=as_of, user=None).run
    assert run is not None
    return score_run_apply(run=run, user=None)


@pytest.fixture
def book(db, kam_user, other_kam) -> Book:
    alpha = AccountFactory(external_id="A", name="Alpha", sector="Retail")
    bravo = AccountFactory(external_id="B", name="Bravo", sector="Energy")
    charlie = AccountFactory(external_id="C", name="Charlie", sector="Retail")
    delta = AccountFactory(external_id="D", name="Delta", sector="Energy")
    assign(alpha, kam_user)
    assign(charlie, kam_user)
    assign(bravo, other_kam)
    sell(*BOOK_SALES)
    scorecard = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_and_apply(scorecard)
    return Book(alpha, bravo, charlie, delta, scorecard, run)


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
