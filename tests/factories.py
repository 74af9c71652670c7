"""Factories for tests: real objects in the test database, built through services where
a service exists (so tests exercise the same rules as the product)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth.models import AbstractUser

from kam.accounts.models import Account, Contact
from kam.assignments.services import account_assign
from kam.core.services import user_create


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("external_id",)

    external_id = factory.Sequence(lambda n: f"ACC{n:05d}")
    name = factory.Sequence(lambda n: f"Account {n}")
    sector = "Industry"
    country = "FR"
    countries_of_operation = factory.LazyAttribute(lambda a: [a.country])
    employees = 250
    market_share = Decimal("0.05")
    spend_potential = Decimal("1000000")
    strategic_fit = 3


# -- contacts --
class ContactFactory(factory.django.DjangoModelFactory):
    """A current contact of an account (no role, neutral), saved without the services."""

    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    external_id = factory.Sequence(lambda n: f"P{n:05d}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    job_title = "Buyer"
    email = factory.LazyAttribute(lambda c: f"{c.external_id.lower()}@example.com")


_counter = {"n": 0}


def make_user(role: str, username: str | None = None, **kwargs: object) -> AbstractUser:
    """A user of the given role (director, kam, gam, marketing, analyst)."""
    _counter["n"] += 1
    user, _ = user_create(
        username=username or f"{role}{_counter['n']}",
        role=role,
        password="pw-Secret-123",
        **kwargs,  # type: ignore[arg-type]
    )
    return user


def assign(account: Account, manager: AbstractUser, role: str = "lead") -> None:
    account_assign(account=account, manager=manager, role=role, reason="test")
