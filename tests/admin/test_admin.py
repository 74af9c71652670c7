"""The Django admin: directors use it, nobody else; history stays read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kam.accounts.models import Account
from kam.sales.models import BatchStatus, ImportBatch, ImportKind
from tests.factories import AccountFactory, assign, make_user

pytestmark = pytest.mark.django_db

ACCOUNTS = "/admin/accounts/account/"


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_director_opens_the_accounts_changelist(director):
    # given two accounts
    AccountFactory(name="Acme"), AccountFactory(name="Globex")
    # when the director opens the admin list of accounts
    response = logged_in(director).get(ACCOUNTS)
    # then both are listed
    assert response.status_code == 200
    assert b"Acme" in response.content and b"Globex" in response.content


def test_the_admin_index_shows_the_kam_models_to_a_director(director):
    response = logged_in(director).get("/admin/")
    assert response.status_code == 200
    for url in (
        ACCOUNTS,
        "/admin/assignments/accountassignment/",
        "/admin/sales/importbatch/",
        "/admin/core/managerprofile/",
        "/admin/auth/user/",
    ):
        assert url.encode() in response.content, url


@pytest.mark.parametrize("role", ["kam", "gam", "analyst", "marketing"])
def test_other_roles_are_sent_to_the_admin_login(role):
    # given a user who is not a director
    client = logged_in(make_user(role))
    # when they open the admin list of accounts
    response = client.get(ACCOUNTS)
    # then they are redirected to the login page, and see no account
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_staff_user_who_is_not_a_director_sees_nothing(kam_user):
    # given a KAM somebody made staff by hand
    kam_user.is_staff = True
    kam_user.save()
    AccountFactory(name="Acme")
    client = logged_in(kam_user)
    # when they open the admin, then no kam model is theirs to see
    assert client.get(ACCOUNTS).status_code == 403
    assert ACCOUNTS.encode() not in client.get("/admin/").content


def test_a_director_edits_an_account_and_the_model_rules_apply(director):
    # given a group and its subsidiary
    group = AccountFactory(external_id="G", name="Group")
    child = AccountFactory(external_id="C", name="Child", parent=group)
    client = logged_in(director)
    form = {
        "external_id": "G",
        "name": "Group renamed",
        "sector": "Retail",
        "country": "fr",
        "countries_of_operation": '["fr"]',
        "employees": "10",
        "market_share": "",
        "spend_potential": "",
        "strategic_fit": "",
        "status": "active",
    }
    # when the director makes the group its own subsidiary's child (a cycle)
    cycle = client.post(f"{ACCOUNTS}{group.pk}/change/", {**form, "parent": str(child.pk)})
    # then the form refuses it and nothing is stored
    assert cycle.status_code == 200
    assert b"cycle" in cycle.content
    group.refresh_from_db()
    assert group.parent_id is None and group.name == "Group"
    # when the change is valid, then it is stored, cleaned by the model
    ok = client.post(f"{ACCOUNTS}{group.pk}/change/", {**form, "parent": ""})
    assert ok.status_code == 302
    group.refresh_from_db()
    assert group.name == "Group renamed" and group.country == "FR"


@pytest.mark.parametrize("rows", [3, 30])
def test_accounts_changelist_query_budget(director, django_assert_num_queries, rows):
    # given `rows` accounts, each in a group
    for i in range(rows):
        AccountFactory(parent=AccountFactory(external_id=f"GROUP{i}"))
    client = logged_in(director)
    # when the director opens the list: session, user, roles, count, two permission
    # lookups, the page (with parents), the sector and country filter choices
    with django_assert_num_queries(9):
        response = client.get(ACCOUNTS)
    assert response.status_code == 200
    assert response.content.count(b"GROUP") >= rows


def test_import_batches_are_read_only(director):
    # given an import in the register
    batch = ImportBatch.objects.create(
        kind=ImportKind.SALES,
        source_name="sales.csv",
        content_hash="a" * 64,
        status=BatchStatus.COMMITTED,
        file_name="batch-x.parquet",
        rows_read=3,
    )
    client = logged_in(director)
    url = "/admin/sales/importbatch/"
    # when the director reads it, then the list and the record open
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{batch.pk}/change/").status_code == 200
    # and it can be neither added, changed nor deleted
    assert client.get(f"{url}add/").status_code == 403
    changed = client.post(f"{url}{batch.pk}/change/", {"source_name": "forged.csv"})
    assert changed.status_code == 403
    assert client.post(f"{url}{batch.pk}/delete/", {"post": "yes"}).status_code == 403
    batch.refresh_from_db()
    assert batch.source_name == "sales.csv"


def test_assignments_are_read_only_history(director, kam_user):
    # given an account entrusted to a KAM
    account = AccountFactory()
    assign(account, kam_user)
    client = logged_in(director)
    url = "/admin/assignments/accountassignment/"
    # when the director reads the history, then the assignment is there
    listed = client.get(url)
    assert listed.status_code == 200
    assert kam_user.username.encode() in listed.content
    # and it cannot be added or deleted outside `account_assign`
    assignment = account.assignments.get()
    assert client.get(f"{url}add/").status_code == 403
    assert client.post(f"{url}{assignment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert account.assignments.filter(ended_at__isnull=True).count() == 1


def test_a_director_changes_a_managers_capacity(director, kam_user):
    # given a KAM's profile
    profile = kam_user.manager_profile
    client = logged_in(director)
    # when the director sets a new capacity
    response = client.post(
        f"/admin/core/managerprofile/{profile.pk}/change/",
        {
            "kind": "KAM",
            "capacity": "12.5",
            "sectors": '["Retail"]',
            "languages": '["fr"]',
            "countries": '["FR"]',
            "reports_to": "",
        },
    )
    # then it is stored
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.capacity == Decimal("12.5") and profile.sectors == ["Retail"]


def test_a_director_opens_a_user_with_the_manager_profile_inline(director, kam_user):
    response = logged_in(director).get(f"/admin/auth/user/{kam_user.pk}/change/")
    assert response.status_code == 200
    assert b"manager_profile-0-capacity" in response.content
    # and the superuser flag is not a field the director can set
    assert b'name="is_superuser"' not in response.content


def test_a_director_cannot_take_over_a_superuser(director):
    # given a superuser
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw-Root-123")
    client = logged_in(director)
    # when the director tries to change the superuser's password
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "Hijacked-123!", "password2": "Hijacked-123!"},
    )
    # then it is refused and the password is unchanged
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("pw-Root-123")
    # and users are not added from the admin by directors (`kam user add` does it)
    assert client.get("/admin/auth/user/add/").status_code == 403


def test_account_rows_are_not_deleted_by_an_anonymous_post():
    # given an account, when somebody not logged in posts a delete
    account = AccountFactory()
    response = Client().post(f"{ACCOUNTS}{account.pk}/delete/", {"post": "yes"})
    # then they are sent to the login page and the account stays
    assert response.status_code == 302
    assert Account.objects.filter(pk=account.pk).exists()
