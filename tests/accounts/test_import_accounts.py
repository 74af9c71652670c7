"""Importing accounts: upsert by external id, groups, clearing rules, bulk queries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from kam.accounts.models import Account, AccountStatus
from kam.accounts.services import accounts_import, accounts_import_frame
from kam.importing.report import ImportOutcome
from kam.sales.models import BatchStatus, ImportBatch
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def csv_file(folder: Path, text: str, name: str = "comptes.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def parents() -> dict[str, str | None]:
    return dict(Account.objects.values_list("external_id", "parent__external_id"))


def test_new_accounts_are_created_with_groups_defined_in_any_order(tmp_path, director):
    # given a French file where a subsidiary comes before its group
    path = csv_file(
        tmp_path,
        "Code client;Raison sociale;Groupe;Pays;Part de marché;Statut\n"
        "SUB;Filiale;GRP;fr;12 %;prospect\n"
        "GRP;Groupe;;FR;0,3;\n",
    )
    # when a director imports it
    result = accounts_import(path=path, user=director)
    # then both accounts exist, linked, with their values
    assert result.outcome is ImportOutcome.COMMITTED
    assert (result.created, result.updated, result.rows_stored) == (2, 0, 2)
    assert parents() == {"SUB": "GRP", "GRP": None}
    sub = Account.objects.get(external_id="SUB")
    assert (sub.name, sub.country, sub.market_share, sub.status) == (
        "Filiale",
        "FR",
        Decimal("0.120000"),
        AccountStatus.PROSPECT,
    )
    assert Account.objects.get(external_id="GRP").status == AccountStatus.ACTIVE
    assert ImportBatch.objects.get(pk=result.batch_id).status == BatchStatus.COMMITTED


def test_an_upsert_changes_present_columns_and_leaves_absent_ones(tmp_path):
    # given a stored account with a sector and an employee count
    AccountFactory(
        external_id="A1", name="Old", sector="Retail", employees=50, status=AccountStatus.DORMANT
    )
    AccountFactory(external_id="A2", name="Same", sector="Retail", employees=10)
    # when a file without a sector column renames it, clears its headcount, leaves status
    path = csv_file(tmp_path, "external_id,name,employees,status\nA1,New,,\nA2,Same,10,\n")
    result = accounts_import(path=path, user=None)
    # then only A1 changed: name set, employees cleared, sector and status untouched
    assert (result.created, result.updated) == (0, 1)
    account = Account.objects.get(external_id="A1")
    assert (account.name, account.sector, account.employees, account.status) == (
        "New",
        "Retail",
        None,
        AccountStatus.DORMANT,
    )


def test_a_parent_cycle_with_stored_groups_rejects_the_file(tmp_path):
    group = AccountFactory(external_id="G")
    AccountFactory(external_id="S", parent=group)
    path = csv_file(tmp_path, "external_id,name,parent\nG,Group,S\n")
    result = accounts_import(path=path, user=None)
    assert result.outcome is ImportOutcome.REJECTED
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "parent", "this parent group would make a cycle of groups"),
    ]
    assert parents() == {"G": None, "S": "G"}


def test_moving_a_subsidiary_to_another_group(tmp_path):
    a, b = AccountFactory(external_id="GA"), AccountFactory(external_id="GB")
    AccountFactory(external_id="S", parent=a)
    del b
    result = accounts_import(
        path=csv_file(tmp_path, "external_id,name,parent_id\nS,S,GB\n"), user=None
    )
    assert result.updated == 1
    assert parents()["S"] == "GB"


def test_skip_invalid_keeps_the_good_rows(tmp_path):
    path = csv_file(tmp_path, "external_id,name,strategic_fit\nA,a,3\nB,b,9\n")
    result = accounts_import(path=path, user=None, skip_invalid=True)
    assert result.outcome is ImportOutcome.COMMITTED and result.rows_rejected == 1
    assert list(Account.objects.values_list("external_id", flat=True)) == ["A"]


def test_the_same_file_twice_is_applied_once(tmp_path):
    path = csv_file(tmp_path, "external_id,name\nA,a\n")
    first = accounts_import(path=path, user=None)
    again = accounts_import(path=path, user=None)
    assert again.outcome is ImportOutcome.UNCHANGED
    assert again.already_imported_as == first.batch_id


def test_only_directors_may_import_accounts(tmp_path, kam_user):
    with pytest.raises(PermissionDenied):
        accounts_import(path=csv_file(tmp_path, "external_id,name\nA,a\n"), user=kam_user)
    assert not Account.objects.exists()


def test_the_frame_entry_point_accepts_typed_columns():
    frame = pl.DataFrame(
        {
            "external_id": ["A", "B"],
            "name": ["a", "b"],
            "parent_id": [None, "A"],
            "countries_of_operation": [["FR", "DE"], []],
            "employees": [10, 20],
            "market_share": [0.1, None],
        }
    )
    result = accounts_import_frame(frame=frame, source_name="demo", user=None)
    assert result.outcome is ImportOutcome.COMMITTED
    assert parents() == {"A": None, "B": "A"}
    assert Account.objects.get(external_id="A").countries_of_operation == ["DE", "FR"]


@pytest.mark.parametrize("size", [10, 60])
def test_queries_do_not_grow_with_the_rows(tmp_path, size, django_assert_max_num_queries):
    # given a file of new accounts, each under the previous one's group
    lines = [f"A{i},Account {i},{'A0' if i else ''},{i % 5 + 1}" for i in range(size)]
    path = csv_file(tmp_path, "external_id,name,parent_id,strategic_fit\n" + "\n".join(lines))
    # when imported, then the number of queries is the same for 10 and for 60 rows (bulk
    # statements are batched by the database's parameter limit, not per row)
    with django_assert_max_num_queries(14):
        result = accounts_import(path=path, user=None)
    assert result.created == size
    assert Account.objects.filter(parent__external_id="A0").count() == size - 1
