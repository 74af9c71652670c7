"""Entrusting accounts to managers: one current lead, history kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kam.assignments.models import AccountAssignment
from kam.assignments.services import account_assign
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_a_new_lead_ends_the_previous_lead_and_keeps_history(kam_user, other_kam, director):
    # given an account led by kim
    account = AccountFactory()
    account_assign(account=account, manager=kam_user, reason="first", by=director)
    # when otto becomes the lead
    account_assign(account=account, manager=other_kam, reason="moved", by=director)
    # then otto is the only current lead and kim's assignment is history
    current = AccountAssignment.objects.filter(account=account, ended_at__isnull=True)
    assert [a.manager for a in current] == [other_kam]
    ended = AccountAssignment.objects.get(account=account, manager=kam_user)
    assert ended.ended_at is not None and ended.reason == "first"


def test_assigning_the_same_lead_twice_changes_nothing(kam_user):
    account = AccountFactory()
    first = account_assign(account=account, manager=kam_user)
    again = account_assign(account=account, manager=kam_user)
    assert first.pk == again.pk
    assert AccountAssignment.objects.filter(account=account).count() == 1


def test_support_members_sit_beside_the_lead(kam_user, other_kam):
    account = AccountFactory()
    account_assign(account=account, manager=kam_user)
    account_assign(account=account, manager=other_kam, role="support")
    roles = dict(
        AccountAssignment.objects.filter(account=account, ended_at__isnull=True).values_list(
            "manager__username", "role"
        )
    )
    assert roles == {kam_user.username: "lead", other_kam.username: "support"}


def test_only_managers_can_be_entrusted_with_accounts(analyst):
    with pytest.raises(ValidationError, match="KAM or GAM"):
        account_assign(account=AccountFactory(), manager=analyst)


def test_group_cycles_are_refused():
    # given a group A with subsidiary B
    top = AccountFactory()
    sub = AccountFactory(parent=top)
    # when A is made a subsidiary of B
    top.parent = sub
    # then validation refuses the cycle
    with pytest.raises(ValidationError, match="cycle"):
        top.full_clean()


def test_an_account_cannot_be_its_own_parent():
    account = AccountFactory()
    account.parent = account
    with pytest.raises(ValidationError, match="cycle"):
        account.full_clean()
