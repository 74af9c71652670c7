"""The roles of kam users and the one permission check used by views, API and CLI.

Roles are Django groups (so that admins can see and edit them), and every question of the
form "may this user see / do X" is answered here, never in a view or a serializer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(StrEnum):
    """A user's role; the value is the Django group's name."""

    DIRECTOR = "Director"
    KAM = "KAM"
    MARKETING = "Marketing"
    ANALYST = "Analyst"


# `kam user add --role` names, mapped to the group and the manager kind they create.
CLI_ROLES: dict[str, tuple[Role, str | None]] = {
    "director": (Role.DIRECTOR, None),
    "kam": (Role.KAM, "KAM"),
    "gam": (Role.KAM, "GAM"),
    "marketing": (Role.MARKETING, None),
    "analyst": (Role.ANALYST, None),
}


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles of a user, read once per request (groups are prefetched by the caller or
    cached on the user object)."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_kam_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = frozenset(r for r in Role if r.value in names)
        user._kam_roles = cached  # type: ignore[attr-defined]
    return cached


def is_director(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated
        and (getattr(user, "is_superuser", False) or Role.DIRECTOR in user_roles(user))
    )


def sees_all_accounts(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Directors, analysts and marketing see every account; KAMs see their portfolio."""
    if not user.is_authenticated:
        return False
    if is_director(user):
        return True
    return bool(user_roles(user) & {Role.ANALYST, Role.MARKETING})


def can_import(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only directors load data into kam (accounts and sales)."""
    return is_director(user)


def can_view_imports(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Directors and analysts read the import history."""
    return is_director(user) or Role.ANALYST in user_roles(user)


def can_manage_scoring(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Only directors edit scorecards, store and apply score runs and override tiers."""
    return is_director(user)
