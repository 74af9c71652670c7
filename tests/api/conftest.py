"""Fixtures for the REST API tests: a client logged in through the real auth stack."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient


@pytest.fixture
def api() -> Callable[[AbstractUser | None], APIClient]:
    """``api(user)`` is an API client with a session for ``user``; ``api(None)`` is
    anonymous."""

    def client_for(user: AbstractUser | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return client_for
