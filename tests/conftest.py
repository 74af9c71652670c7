"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client
from django.utils import translation

from tests.factories import make_user


@pytest.fixture(autouse=True)
def private_kam_home(settings, tmp_path: Path) -> Path:
    """Every test gets its own home: ledger, uploads and caches."""
    settings.KAM_HOME = tmp_path  # the feature and run caches live under it
    settings.KAM_LEDGER_DIR = tmp_path / "ledger"
    settings.KAM_UPLOAD_DIR = tmp_path / "uploads"
    return tmp_path


@pytest.fixture(autouse=True)
def back_to_english() -> Iterator[None]:
    """LocaleMiddleware leaves the last request's language active in this thread: a page
    seen in French must not make the next test French."""
    yield
    translation.deactivate()


@pytest.fixture
def director(db) -> AbstractUser:
    return make_user("director", "dora")


@pytest.fixture
def kam_user(db) -> AbstractUser:
    return make_user("kam", "kim")


@pytest.fixture
def other_kam(db) -> AbstractUser:
    return make_user("kam", "otto")


@pytest.fixture
def gam_user(db) -> AbstractUser:
    return make_user("gam", "gail")


@pytest.fixture
def analyst(db) -> AbstractUser:
    return make_user("analyst", "ana")


@pytest.fixture
def marketing(db) -> AbstractUser:
    return make_user("marketing", "mark")


@pytest.fixture
def login(client: Client) -> Callable[..., Client]:
    """Log the test client in as a user and return it."""

    def _login(user: AbstractUser) -> Client:
        client.force_login(user)
        return client

    return _login
