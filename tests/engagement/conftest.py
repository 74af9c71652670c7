"""Fixtures for the engagement tests: accounts entrusted to KAMs, contacts, channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient

from kam.accounts.models import Account, Contact
from kam.engagement.models import Channel
from kam.engagement.services import channels_seed
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import AccountFactory, assign
from tests.scoring.conftest import AS_OF, sell


@pytest.fixture(autouse=True)
def seeded_channels(request: pytest.FixtureRequest) -> None:
    """The seeded catalogue in every database test: a transactional test of another
    folder, run earlier on the same xdist worker, may have flushed the database."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        channels_seed()


@dataclass
class Portfolio:
    """Alpha and Charlie (Retail) are kim's; Bravo (Energy) is otto's. Alpha has two
    contacts, Bravo one."""

    alpha: Account
    bravo: Account
    charlie: Account
    ann: Contact
    bob: Contact
    bea: Contact


@pytest.fixture
def portfolio(db, kam_user, other_kam) -> Portfolio:
    alpha = AccountFactory(external_id="A", name="Alpha", sector="Retail")
    bravo = AccountFactory(external_id="B", name="Bravo", sector="Energy")
    charlie = AccountFactory(external_id="C", name="Charlie", sector="Retail")
    assign(alpha, kam_user)
    assign(charlie, kam_user)
    assign(bravo, other_kam)
    ann = Contact.objects.create(account=alpha, external_id="P1", first_name="Ann", last_name="Lee")
    bob = Contact.objects.create(account=alpha, external_id="P2", first_name="Bob", last_name="Ray")
    bea = Contact.objects.create(account=bravo, external_id="P3", first_name="Bea", last_name="Sun")
    return Portfolio(alpha, bravo, charlie, ann, bob, bea)


def channel(code: str) -> Channel:
    """A seeded channel (the data migration stores them in the test database too)."""
    return Channel.objects.get(code=code)


# Key = the two best accounts by revenue (60 %) and orders (40 %).
TWO_KEY: dict[str, Any] = {
    "criteria": [
        {"feature": "revenue_12m", "weight": 60, "normalisation": "percentile"},
        {"feature": "orders_12m", "weight": 40, "normalisation": "minmax"},
    ],
    "tier_rules": [{"tier": "key", "top_n": 2}],
    "default_tier": "standard",
}


@pytest.fixture
def scored(portfolio) -> Portfolio:
    """The portfolio scored, with a run in force: Alpha and Bravo are key, Charlie is
    standard."""
    sell(
        ("A", "O1", date(2026, 1, 10), 1000.0),
        ("B", "O2", date(2026, 2, 10), 800.0),
        ("C", "O3", date(2026, 3, 10), 10.0),
    )
    scorecard = scorecard_create(name="two key", definition=TWO_KEY, user=None)
    run = score_run_create(scorecard=scorecard, as_of=AS_OF, user=None).run
    assert run is not None
    score_run_apply(run=run, user=None)
    return portfolio


@pytest.fixture
def api() -> Callable[[AbstractUser | None], APIClient]:
    """``api(user)`` is an API client with a session for ``user``."""

    def client_for(user: AbstractUser | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return client_for


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
