"""Fixtures for the scoring pages: a small scored book of accounts, stored through the
real import path and scored by the real services, with a run in force."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client

from kam.accounts.models import Account
from kam.sales.services import sales_import_frame
from kam.scoring.models import Scorecard, ScoreRun
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign

AS_OF = date(2026, 6, 15)

# Revenue (percentile rank, 60 %) and orders (min–max, 40 %): the best account is key,
# a score of 40 or more strategic, the others standard.
SIMPLE: dict[str, Any] = {
    "criteria": [
        {"feature": "revenue_12m", "weight": 60, "normalisation": "percentile"},
        {"feature": "orders_12m", "weight": 40, "normalisation": "minmax"},
    ],
    "tier_rules": [
        {"tier": "key", "top_n": 1},
        {"tier": "strategic", "min_score": 40},
    ],
    "default_tier": "standard",
}


@pytest.fixture(autouse=True)
def private_cache(settings, tmp_path: Path) -> Path:
    """The feature cache lives under KAM_HOME: one per test."""
    settings.KAM_HOME = tmp_path
    return tmp_path


@pytest.fixture
def login(client: Client) -> Callable[..., Client]:
    """Log the test client in as a user and return it."""

    def _login(user) -> Client:
        client.force_login(user)
        return client

    return _login


def sell(*lines: tuple[str, str, date, float]) -> None:
    """Import order lines (account, order, date, amount) through the real import path."""
    frame = pl.DataFrame(
        {
            "account_id": [line[0] for line in lines],
            "order_id": [line[1] for line in lines],
            "order_date": [line[2] for line in lines],
            "product": ["P1"] * len(lines),
            "quantity": [1.0] * len(lines),
            "amount": [line[3] for line in lines],
        }
    )
    result = sales_import_frame(frame=frame, source_name="web scoring tests", user=None)
    assert result.ok, result.errors


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
    sell(
        ("A", "O1", date(2026, 1, 10), 1000.0),
        ("A", "O2", date(2026, 3, 10), 500.0),
        ("B", "O3", date(2025, 9, 1), 1000.0),
        ("C", "O4", date(2026, 5, 2), 100.0),
        ("C", "O5", date(2025, 2, 2), 300.0),
    )
    scorecard = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_and_apply(scorecard)
    return Book(alpha, bravo, charlie, delta, scorecard, run)


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
