"""Fixtures for the assignment pages: a small team and a score run in force built by
hand (the key accounts of a test are exactly the ones it names)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractUser

from tests.assignments.conftest import key_run  # noqa: F401
from tests.factories import make_user


@pytest.fixture
def team(db) -> dict[str, AbstractUser]:
    """Two KAMs (food and auto) with room for two average accounts, one GAM (retail: a
    food account is better with fiona even against the balance term)."""
    return {
        "food": make_user("kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"]),
        "auto": make_user("kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"]),
        "gam": make_user("gam", "gus", capacity=3, sectors=["Retail"], languages=["en"]),
    }


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
