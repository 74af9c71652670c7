"""Record-level access: who sees which account, for each role."""

from __future__ import annotations

import pytest
from django.http import Http404

from kam.accounts.selectors import account_get, account_list
from tests.factories import AccountFactory, assign, make_user

pytestmark = pytest.mark.django_db


def test_kam_sees_only_accounts_assigned_to_them(kam_user, other_kam):
    # given two accounts, one assigned to each KAM
    mine, theirs = AccountFactory(), AccountFactory()
    assign(mine, kam_user)
    assign(theirs, other_kam)
    # when the KAM lists accounts
    visible = list(account_list(user=kam_user))
    # then only their own account is there, and the other is a 404
    assert visible == [mine]
    with pytest.raises(Http404):
        account_get(user=kam_user, external_id=theirs.external_id)


def test_support_membership_gives_access(kam_user, other_kam):
    account = AccountFactory()
    assign(account, other_kam)
    assign(account, kam_user, role="support")
    assert list(account_list(user=kam_user)) == [account]


def test_ended_assignment_removes_access(kam_user, other_kam):
    account = AccountFactory()
    assign(account, kam_user)
    assign(account, other_kam)  # a new lead ends kim's assignment
    assert list(account_list(user=kam_user)) == []
    assert list(account_list(user=other_kam)) == [account]


def test_team_lead_sees_the_portfolios_of_their_reports(db):
    lead = make_user("kam", "lead")
    report = make_user("kam", "report", reports_to=lead)
    report_of_report = make_user("gam", "deep", reports_to=report)
    a, b, c = AccountFactory(), AccountFactory(), AccountFactory()
    assign(a, report)
    assign(b, report_of_report)
    assign(c, make_user("kam", "outsider"))
    assert set(account_list(user=lead)) == {a, b}
    assert set(account_list(user=report)) == {b} | {a}
    assert set(account_list(user=report_of_report)) == {b}


@pytest.mark.parametrize("role", ["director", "analyst", "marketing"])
def test_roles_that_see_every_account(role):
    accounts = {AccountFactory(), AccountFactory()}
    assert set(account_list(user=make_user(role))) == accounts


def test_a_kam_with_no_assignment_sees_nothing(kam_user):
    AccountFactory()
    assert list(account_list(user=kam_user)) == []


def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    AccountFactory()
    assert list(account_list(user=AnonymousUser())) == []
