"""Importing contacts through the shared import path: upsert by account and external id,
all or nothing, dry runs, the same file twice, bosses and the import register."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from kam.accounts.contacts.imports import contacts_import, contacts_import_frame
from kam.accounts.models import Contact
from kam.importing.report import ImportOutcome
from kam.sales.models import ImportBatch
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "account_external_id,external_id,first_name,last_name,buying_role,influence,"
    "reports_to_external_id\n"
)


@pytest.fixture(autouse=True)
def accounts() -> None:
    AccountFactory(external_id="A1")
    AccountFactory(external_id="A2")


def write(folder: Path, body: str, name: str = "contacts.csv", header: str = HEADER) -> Path:
    path = folder / name
    path.write_text(header + body, encoding="utf-8")
    return path


def people(account: str = "A1") -> dict[str, tuple]:
    return {
        c.external_id: (
            c.last_name,
            c.buying_role,
            c.influence,
            c.reports_to and c.reports_to.external_id,
        )
        for c in Contact.objects.filter(account__external_id=account).select_related("reports_to")
    }


def test_a_file_creates_contacts_with_their_org_chart(tmp_path, director):
    # given a file where a boss comes after their report
    path = write(
        tmp_path,
        "A1,P2,Marc,Petit,acheteur économique,,P1\nA1,P1,Élise,Durand,Décideur,5,\n",
    )
    # when a director imports it
    result = contacts_import(path=path, user=director)
    # then both are stored, linked, and the import is in the import register
    assert result.outcome is ImportOutcome.COMMITTED and (result.created, result.updated) == (2, 0)
    assert people() == {
        "P1": ("Durand", "decision_maker", 5, None),
        "P2": ("Petit", "economic_buyer", None, "P1"),
    }
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.kind, batch.status, batch.created_by) == ("contacts", "committed", director)
    assert (batch.rows_stored, batch.source_name) == (2, "contacts.csv")


def test_a_rejected_file_is_recorded_as_rejected_and_stores_nothing(tmp_path):
    result = contacts_import(path=write(tmp_path, "NOPE,P1,Élise,Durand,,,\n"), user=None)
    assert result.outcome is ImportOutcome.REJECTED and not Contact.objects.exists()
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.kind, batch.status, batch.rows_stored) == ("contacts", "rejected", 0)


def test_the_same_file_twice_is_stored_once(tmp_path):
    path = write(tmp_path, "A1,P1,Élise,Durand,,,\n")
    first = contacts_import(path=path, user=None)
    Contact.objects.update(last_name="Changed by hand")
    second = contacts_import(path=path, user=None)
    assert second.outcome is ImportOutcome.UNCHANGED
    assert second.already_imported_as == first.batch_id
    assert Contact.objects.get().last_name == "Changed by hand"


def test_an_upsert_changes_only_what_the_file_says(tmp_path):
    # given a stored contact with an attitude, a consent refusal and a job title
    stored = ContactFactory(
        account=AccountFactory(external_id="A3"),
        external_id="P1",
        last_name="Durand",
        job_title="CFO",
        attitude="opponent",
        do_not_mail=True,
        influence=4,
    )
    # when a file without job title gives empty attitude, consent and influence cells
    path = write(
        tmp_path,
        "A3,P1,Durand,,,\nA3,P2,Roy,,,\n",
        header="account_external_id,external_id,last_name,attitude,do_not_mail,influence\n",
    )
    result = contacts_import(path=path, user=None)
    # then one is changed (influence cleared), one is new with the defaults
    assert (result.created, result.updated) == (1, 1)
    stored.refresh_from_db()
    assert (stored.job_title, stored.attitude, stored.do_not_mail, stored.influence) == (
        "CFO",
        "opponent",
        True,
        None,
    )
    new = Contact.objects.get(external_id="P2")
    assert (new.attitude, new.do_not_mail) == ("neutral", False)


def test_a_boss_already_in_kam_is_found_in_the_same_account(tmp_path):
    boss = ContactFactory(account=AccountFactory(external_id="A3"), external_id="BOSS")
    ContactFactory(account=AccountFactory(external_id="A4"), external_id="BOSS")
    path = write(tmp_path, "A3,P1,Marc,Petit,,,BOSS\n")
    contacts_import(path=path, user=None)
    assert Contact.objects.get(external_id="P1").reports_to == boss


def test_moving_a_boss_counts_as_a_change(tmp_path):
    write(tmp_path, "A1,P1,E,Durand,,,\nA1,P2,M,Petit,,,\n", name="first.csv")
    contacts_import(path=tmp_path / "first.csv", user=None)
    result = contacts_import(path=write(tmp_path, "A1,P2,M,Petit,,,P1\n"), user=None)
    assert (result.created, result.updated) == (0, 1)
    assert people()["P2"][3] == "P1"


def test_errors_store_nothing_unless_skipped(tmp_path):
    # given a file with one good row and one bad influence
    path = write(tmp_path, "A1,P1,E,Durand,,3,\nA1,P2,M,Petit,,9,\n")
    # when imported: rejected, nothing stored, nothing recorded
    rejected = contacts_import(path=path, user=None)
    assert rejected.outcome is ImportOutcome.REJECTED
    assert [(e.row, e.column) for e in rejected.errors] == [(3, "influence")]
    assert not Contact.objects.exists()
    assert list(ImportBatch.objects.values_list("status", flat=True)) == ["rejected"]
    # and with skip_invalid the good row is stored
    kept = contacts_import(path=path, user=None, skip_invalid=True)
    assert kept.outcome is ImportOutcome.COMMITTED
    assert (kept.rows_stored, kept.rows_rejected) == (1, 1)
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["P1"]


def test_a_dry_run_validates_and_stores_nothing(tmp_path):
    result = contacts_import(path=write(tmp_path, "A1,P1,E,Durand,,,\n"), user=None, dry_run=True)
    assert result.outcome is ImportOutcome.VALIDATED and result.rows_read == 1
    assert not Contact.objects.exists() and not ImportBatch.objects.exists()
    # and the real import afterwards is not "unchanged"
    assert contacts_import(path=tmp_path / "contacts.csv", user=None).created == 1


def test_an_unreadable_file_is_rejected_whole(tmp_path):
    path = tmp_path / "contacts.xlsx"
    path.write_text("not a workbook")
    result = contacts_import(path=path, user=None)
    assert result.outcome is ImportOutcome.REJECTED and result.errors[0].row is None


def test_only_directors_import(tmp_path, kam_user):
    with pytest.raises(PermissionDenied):
        contacts_import(path=write(tmp_path, "A1,P1,E,Durand,,,\n"), user=kam_user)


def test_a_frame_imports_like_a_file_with_bounded_queries(django_assert_max_num_queries):
    # given 300 contacts in 2 accounts, each reporting to the first of its account
    rows = [
        {
            "account_external_id": f"A{1 + i % 2}",
            "external_id": f"P{i}",
            "last_name": f"Person {i}",
            "reports_to_external_id": None if i < 2 else f"P{i % 2}",
        }
        for i in range(300)
    ]
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})
    # when imported: a fixed number of queries whatever the number of rows
    with django_assert_max_num_queries(20):
        result = contacts_import_frame(frame=frame, source_name="demo", user=None)
    # then all are stored with their boss
    assert result.created == 300
    assert Contact.objects.filter(reports_to__isnull=False).count() == 298
