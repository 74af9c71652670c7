"""Importing order lines: storage, idempotence, rejection, replacement, permissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from kam.importing.report import ImportOutcome
from kam.sales.models import BatchStatus, ImportBatch
from kam.sales.selectors import ledger_table
from kam.sales.services import sales_import, sales_import_frame
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HEADER = "Client;Commande;Date;Produit;Qté;Montant;Marge\n"


@pytest.fixture
def accounts() -> None:
    AccountFactory(external_id="C1")
    AccountFactory(external_id="C2")


def csv_file(folder: Path, body: str, name: str = "ventes.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def ledger_lines() -> list[tuple]:
    frame = ledger_table().to_polars().sort("order_id", "product")
    return frame.select("account_id", "order_id", "order_date", "product", "amount").rows()


def ledger_files() -> list[str]:
    return sorted(p.name for p in Path(settings.KAM_LEDGER_DIR).glob("*.parquet"))


def test_a_valid_file_is_stored_as_one_committed_batch(tmp_path, accounts, director):
    # given a French CSV of two lines
    path = csv_file(tmp_path, "C1;F1;31/03/2024;P1;2;1 234,50;100\nC2;F2;2024-04-02;P1;1;10;\n")
    # when a director imports it
    result = sales_import(path=path, user=director)
    # then the lines are in the ledger and the batch records what it holds
    assert result.outcome is ImportOutcome.COMMITTED
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (2, 2, 0)
    assert ledger_lines() == [
        ("C1", "F1", date(2024, 3, 31), "P1", 1234.5),
        ("C2", "F2", date(2024, 4, 2), "P1", 10.0),
    ]
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.status == BatchStatus.COMMITTED and batch.created_by == director
    assert (batch.period_start, batch.period_end) == (date(2024, 3, 31), date(2024, 4, 2))
    assert batch.amount_total == Decimal("1244.50")
    assert ledger_files() == [batch.file_name]


def test_importing_the_same_file_twice_stores_it_once(tmp_path, accounts):
    path = csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n")
    first = sales_import(path=path, user=None)
    # when the same bytes are imported again
    again = sales_import(path=path, user=None)
    # then nothing more is stored and the first batch is named
    assert again.outcome is ImportOutcome.UNCHANGED
    assert again.already_imported_as == first.batch_id
    assert f"already imported as batch #{first.batch_id}" in again.summary()
    assert len(ledger_lines()) == 1 and len(ledger_files()) == 1


def test_a_file_with_errors_stores_nothing_and_records_the_rejection(tmp_path, accounts):
    path = csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\nC9;F2;2024-03-31;P1;2;abc;1\n")
    result = sales_import(path=path, user=None)
    assert result.outcome is ImportOutcome.REJECTED and not result.ok
    assert ledger_lines() == [] and ledger_files() == []
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.status == BatchStatus.REJECTED
    assert (batch.rows_read, batch.rows_stored, batch.rows_rejected) == (2, 0, 1)
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "Client"), (3, "Montant")]


def test_skip_invalid_stores_the_valid_lines(tmp_path, accounts):
    path = csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\nC9;F2;2024-03-31;P1;2;10;1\n")
    result = sales_import(path=path, user=None, skip_invalid=True)
    assert result.outcome is ImportOutcome.COMMITTED
    assert (result.rows_stored, result.rows_rejected) == (1, 1)
    assert [e.row for e in result.errors] == [3]
    assert [line[1] for line in ledger_lines()] == ["F1"]


def test_an_unreadable_file_is_a_rejection_not_a_crash(tmp_path, accounts):
    path = tmp_path / "ventes.csv"
    path.write_bytes("Client;Montant\ncafé;1\n".encode("latin-1"))
    result = sales_import(path=path, user=None)
    assert result.outcome is ImportOutcome.REJECTED
    assert "not UTF-8" in result.errors[0].reason and result.errors[0].row is None


def test_a_line_already_in_the_ledger_names_its_batch(tmp_path, accounts):
    first = sales_import(path=csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n"), user=None)
    # when another file repeats that order line
    result = sales_import(
        path=csv_file(
            tmp_path, "C1;F1;2024-03-31;P1;2;10;1\nC1;F2;2024-03-31;P1;1;5;1\n", name="again.csv"
        ),
        user=None,
    )
    assert result.outcome is ImportOutcome.REJECTED
    assert [(e.row, e.reason) for e in result.errors] == [
        (
            2,
            "this order line (order and product) is already in the ledger, "
            f"batch #{first.batch_id}",
        ),
    ]


def test_a_replacement_batch_corrects_a_period_without_duplicates(tmp_path, accounts):
    # given February and March lines
    sales_import(
        path=csv_file(tmp_path, "C1;F1;2024-02-10;P1;1;100;1\nC1;F2;2024-03-10;P1;1;200;1\n"),
        user=None,
    )
    # when March is imported again, corrected, as a replacement
    result = sales_import(
        path=csv_file(
            tmp_path, "C1;F2;2024-03-10;P1;1;250;1\nC1;F3;2024-03-20;P1;1;50;1\n", name="march.csv"
        ),
        user=None,
        replace_period=(date(2024, 3, 1), date(2024, 3, 31)),
    )
    # then March shows the corrected lines once, February is untouched
    assert result.outcome is ImportOutcome.COMMITTED
    assert [(line[1], line[4]) for line in ledger_lines()] == [
        ("F1", 100.0),
        ("F2", 250.0),
        ("F3", 50.0),
    ]


def test_xlsx_and_parquet_take_the_same_path_as_csv(tmp_path, accounts):
    # given the same lines as a workbook (with a real Excel date) and as Parquet
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Client", "Commande", "Date", "Produit", "Qté", "Montant"])
    sheet.append(["C1", "F1", date(2024, 3, 31), "P1", 2, 10.5])
    book.save(tmp_path / "ventes.xlsx")
    pl.DataFrame(
        {
            "account_id": ["C2"],
            "order_id": ["F2"],
            "order_date": [date(2024, 4, 1)],
            "product": ["P1"],
            "quantity": [1.0],
            "amount": [3.0],
        }
    ).write_parquet(tmp_path / "ventes.parquet")
    # when both are imported
    results = [
        sales_import(path=tmp_path / n, user=None) for n in ("ventes.xlsx", "ventes.parquet")
    ]
    # then both are stored the same way
    assert [r.outcome for r in results] == [ImportOutcome.COMMITTED] * 2
    assert ledger_lines() == [
        ("C1", "F1", date(2024, 3, 31), "P1", 10.5),
        ("C2", "F2", date(2024, 4, 1), "P1", 3.0),
    ]


def test_only_directors_may_import(tmp_path, accounts, kam_user, analyst):
    path = csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n")
    for user in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            sales_import(path=path, user=user)
    assert ImportBatch.objects.count() == 0


def test_a_dry_run_stores_nothing(tmp_path, accounts):
    result = sales_import(
        path=csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n"), user=None, dry_run=True
    )
    assert result.outcome is ImportOutcome.VALIDATED and result.rows_stored == 0
    assert ImportBatch.objects.count() == 0 and ledger_files() == []


def test_a_failed_db_commit_removes_the_batch_file(tmp_path, accounts, director):
    # given a director whose account disappears while their import runs
    path = csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n")
    assert sales_import(path=path, user=director, dry_run=True).ok  # roles now known
    director.delete()
    # when the import reaches the DB commit, it fails (unsaved related user)
    with pytest.raises(ValueError):
        sales_import(path=path, user=director)
    # then the file written just before is gone: the ledger is as it was
    assert ledger_files() == [] and ledger_lines() == []


def test_the_frame_entry_point_shares_validation_and_storage(accounts):
    frame = pl.DataFrame(
        {
            "account_id": ["C1", "C9"],
            "order_id": ["F1", "F2"],
            "order_date": [date(2024, 3, 31), date(2024, 4, 1)],
            "product": ["P1", "P1"],
            "quantity": [1.0, 1.0],
            "amount": [10.0, 20.0],
        }
    )
    rejected = sales_import_frame(frame=frame, source_name="demo", user=None)
    assert rejected.outcome is ImportOutcome.REJECTED
    assert [(e.row, e.column) for e in rejected.errors] == [(3, "account_id")]
    stored = sales_import_frame(frame=frame.head(1), source_name="demo", user=None)
    again = sales_import_frame(frame=frame.head(1), source_name="demo", user=None)
    assert stored.outcome is ImportOutcome.COMMITTED
    assert again.outcome is ImportOutcome.UNCHANGED


def test_progress_reports_each_stage_in_order(tmp_path, accounts):
    seen: list[tuple[str, float]] = []
    sales_import(
        path=csv_file(tmp_path, "C1;F1;2024-03-31;P1;2;10;1\n"),
        user=None,
        progress=lambda stage, done: seen.append((stage, done)),
    )
    assert [s for s, _ in seen] == ["reading", "validating", "writing", "committing", "done"]
    assert [d for _, d in seen] == sorted(d for _, d in seen)


def test_the_number_of_queries_does_not_grow_with_the_lines(
    tmp_path, accounts, django_assert_max_num_queries
):
    body = "".join(f"C{1 + i % 2};F{i};2024-03-31;P1;1;10;1\n" for i in range(2000))
    with django_assert_max_num_queries(12):
        result = sales_import(path=csv_file(tmp_path, body), user=None)
    assert result.rows_stored == 2000


def test_hostile_cells_are_recorded_safely_with_the_rejection(tmp_path, accounts):
    # given, past the start that is sniffed for binary content, a cell with a NUL byte
    # (PostgreSQL's JSON refuses it) and a huge cell
    fine = "".join(f"C1;F{i};2024-03-31;P1;1;1;1\n" for i in range(3000))
    path = csv_file(
        tmp_path, fine + "C\x009;G1;2024-03-31;P1;2;10;1\n" + f"C1;G2;{'9' * 5000};P1;1;1;1\n"
    )
    # when it is rejected, then the record of the errors is stored, made safe and short
    result = sales_import(path=path, user=None)
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert [e["value"] for e in batch.errors] == ["C\ufffd9", "9" * 200]
