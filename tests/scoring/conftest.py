"""Fixtures for the scoring tests: a small book of accounts and order lines whose scores
can be worked out by hand, stored through the real import path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import pytest

from kam.accounts.models import Account
from kam.sales.services import sales_import_frame
from tests.factories import AccountFactory

AS_OF = date(2026, 6, 15)

# Revenue (percentile rank, 60 %) and orders (min–max, 40 %); key = the best account,
# strategic = a score of 40 or more, standard otherwise.
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


def sell(*lines: tuple[str, str, date, float], name: str = "test sales") -> None:
    """Import order lines (account, order, date, amount), one product each, through the
    real import path."""
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
    result = sales_import_frame(frame=frame, source_name=name, user=None)
    assert result.ok, result.errors


@dataclass
class Book:
    """Four accounts: A (2 orders, 1,500 in the last 12 months), B (1 order, 1,000),
    C (1 order, 100; 300 the year before), D (nothing)."""

    a: Account
    b: Account
    c: Account
    d: Account


# The book's order lines (account, order, date, amount); also used by tests/web_scoring.
BOOK_SALES: tuple[tuple[str, str, date, float], ...] = (
    ("A", "O1", date(2026, 1, 10), 1000.0),
    ("A", "O2", date(2026, 3, 10), 500.0),
    ("B", "O3", date(2025, 9, 1), 1000.0),
    ("C", "O4", date(2026, 5, 2), 100.0),
    ("C", "O5", date(2025, 2, 2), 300.0),
)


def make_book() -> Book:
    """The four accounts of :class:`Book` and their order lines, stored."""
    accounts = Book(
        a=AccountFactory(external_id="A", name="Alpha"),
        b=AccountFactory(external_id="B", name="Bravo"),
        c=AccountFactory(external_id="C", name="Charlie"),
        d=AccountFactory(external_id="D", name="Delta"),
    )
    sell(*BOOK_SALES)
    return accounts


@pytest.fixture
def book(db) -> Book:
    return make_book()
