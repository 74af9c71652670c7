"""Reads of accounts, always scoped to the requesting user (record-level access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment
from kam.core.roles import sees_all_accounts

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def team_member_ids(*, user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The user and everyone who reports to them, directly or not (their team)."""
    if not user.is_authenticated or user.pk is None:
        return set()
    user_model = get_user_model()
    members: set[int] = {int(user.pk)}
    frontier: set[int] = {int(user.pk)}
    while frontier:  # one query per level of the org chart, not per person
        frontier = set(
            user_model.objects.filter(manager_profile__reports_to__in=frontier)
            .exclude(pk__in=members)
            .values_list("pk", flat=True)
        )
        members |= frontier
    return members


def account_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Account]:
    """The accounts this user may see: all of them for directors, analysts and
    marketing; for a KAM or GAM, those currently assigned (as lead or support) to them or
    to someone in their team."""
    if sees_all_accounts(user):
        return Account.objects.all()
    if not user.is_authenticated:
        return Account.objects.none()
    current = AccountAssignment.objects.filter(
        manager_id__in=team_member_ids(user=user), ended_at__isnull=True
    ).values("account_id")
    return Account.objects.filter(pk__in=current)


def account_get(*, user: AbstractBaseUser | AnonymousUser, external_id: str) -> Account:
    """One account by external id, or 404 when it does not exist *or* the user may not
    see it (so that its existence is not leaked)."""
    account = (
        account_list(user=user).select_related("parent").filter(external_id=external_id).first()
    )
    if account is None:
        raise Http404("No such account.")
    return account
