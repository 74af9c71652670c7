"""Fixtures for the plans tests: two key accounts and a standard one, with sales that
can be worked out by hand (as of 15 June 2026, the last 3 complete months are March to
May 2026, against March to May 2025)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient

from kam.accounts.models import Account
from kam.engagement.services import channels_seed
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign, make_user
from tests.scoring.conftest import sell

AS_OF = date(2026, 6, 15)

# Key = the two best accounts by revenue (60 %) and orders (40 %).
TWO_KEY = {
    "criteria": [
        {"feature": "revenue_12m", "weight": 60, "normalisation": "percentile"},
        {"feature": "orders_12m", "weight": 40, "normalisation": "minmax"},
    ],
    "tier_rules": [{"tier": "key", "top_n": 2}],
    "default_tier": "standard",
}


@dataclass
class Book:
    """Alpha (kim's, key): 1,000 in April 2025, 500 in April 2026 (−50 %). Bravo (otto's,
    key): 1,000 in April of both years. Charlie (kim's, standard): 10 in May 2026."""

    alpha: Account
    bravo: Account
    charlie: Account
    kim: AbstractUser
    otto: AbstractUser


@pytest.fixture
def kim(db) -> AbstractUser:
    return make_user("kam", "kim", email="kim@example.com", first_name="Kim")


@pytest.fixture
def otto(db) -> AbstractUser:
    return make_user("kam", "otto", email="otto@example.com")


@pytest.fixture
def book(db, kim, otto) -> Book:
    channels_seed()
    alpha = AccountFactory(external_id="A", name="Alpha")
    bravo = AccountFactory(external_id="B", name="Bravo")
    charlie = AccountFactory(external_id="C", name="Charlie")
    assign(alpha, kim)
    assign(charlie, kim)
    assign(bravo, otto)
    sell(
        ("A", "O1", date(2025, 4, 10), 1000.0),
        ("A", "O2", date(2026, 4, 10), 500.0),
        ("B", "O3", date(2025, 4, 10), 1000.0),
        ("B", "O4", date(2026, 4, 10), 1000.0),
        ("B", "O5", date(2026, 3, 10), 100.0),
        ("B", "O6", date(2026, 2, 10), -50.0),  # a credit note: not an order
        ("C", "O7", date(2026, 5, 10), 10.0),
    )
    scorecard = scorecard_create(name="two key", definition=TWO_KEY, user=None)
    run = score_run_create(scorecard=scorecard, as_of=AS_OF, user=None).run
    assert run is not None
    score_run_apply(run=run, user=None)
    return Book(alpha, bravo, charlie, kim, otto)


@pytest.fixture
def api() -> Callable[[AbstractUser | None], APIClient]:
    def client_for(user: AbstractUser | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
