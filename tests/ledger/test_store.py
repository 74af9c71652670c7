"""The Parquet ledger: batches, replacement of periods, orphans. No database needed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kam.ledger import LEDGER_COLUMNS, LedgerBatch, ParquetLedger


def _lines(*rows: tuple[str, str, date, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "order_id": [r[1] for r in rows],
            "order_date": [r[2] for r in rows],
            "product": ["P1"] * len(rows),
            "quantity": [1.0] * len(rows),
            "amount": [r[3] for r in rows],
        }
    )


def test_committed_batches_read_as_one_table(tmp_path: Path):
    # given two batches written to the ledger
    ledger = ParquetLedger(tmp_path)
    first = ledger.write_batch(_lines(("A", "1", date(2024, 1, 5), 10.0)))
    second = ledger.write_batch(_lines(("B", "2", date(2024, 2, 5), 20.0)))
    # when both are read
    table = ledger.table([LedgerBatch(1, first), LedgerBatch(2, second)])
    # then every line is there once, with the ledger's columns and missing ones as nulls
    frame = table.to_polars().sort("order_id")
    assert frame.columns == list(LEDGER_COLUMNS)
    assert frame["amount"].to_list() == [10.0, 20.0]
    assert frame["margin"].null_count() == 2


def test_uncommitted_batch_is_not_read(tmp_path: Path):
    ledger = ParquetLedger(tmp_path)
    committed = ledger.write_batch(_lines(("A", "1", date(2024, 1, 5), 10.0)))
    ledger.write_batch(_lines(("A", "2", date(2024, 1, 6), 99.0)))  # never committed
    total = ledger.table([LedgerBatch(1, committed)]).amount.sum().execute()
    assert total == 10.0


def test_a_later_batch_replaces_the_lines_of_its_period(tmp_path: Path):
    # given January and February lines, then a correction of February only
    ledger = ParquetLedger(tmp_path)
    original = ledger.write_batch(
        _lines(("A", "1", date(2024, 1, 5), 10.0), ("A", "2", date(2024, 2, 5), 20.0))
    )
    correction = ledger.write_batch(_lines(("A", "2", date(2024, 2, 5), 25.0)))
    batches = [
        LedgerBatch(7, original),
        LedgerBatch(9, correction, date(2024, 2, 1), date(2024, 2, 29)),
    ]
    # when the ledger is read
    frame = ledger.table(batches).to_polars().sort("order_id")
    # then January is kept, February comes only from the correction
    assert frame["amount"].to_list() == [10.0, 25.0]


def test_replacement_does_not_hide_lines_of_later_batches(tmp_path: Path):
    ledger = ParquetLedger(tmp_path)
    correction = ledger.write_batch(_lines(("A", "2", date(2024, 2, 5), 25.0)))
    later = ledger.write_batch(_lines(("A", "3", date(2024, 2, 20), 5.0)))
    batches = [
        LedgerBatch(1, correction, date(2024, 2, 1), date(2024, 2, 29)),
        LedgerBatch(2, later),
    ]
    assert ledger.table(batches).amount.sum().execute() == 30.0


def test_empty_ledger_has_the_schema_and_no_rows(tmp_path: Path):
    table = ParquetLedger(tmp_path).table([])
    assert table.count().execute() == 0
    assert list(table.columns) == list(LEDGER_COLUMNS)


def test_orphans_are_temporary_files_and_uncommitted_batches(tmp_path: Path):
    ledger = ParquetLedger(tmp_path)
    kept = ledger.write_batch(_lines(("A", "1", date(2024, 1, 5), 10.0)))
    orphan = ledger.write_batch(_lines(("A", "2", date(2024, 1, 5), 10.0)))
    (tmp_path / ".tmp-batch-crashed.parquet").write_bytes(b"half written")
    names = [p.name for p in ledger.orphans({kept})]
    assert names == [".tmp-batch-crashed.parquet", orphan]


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.parquet", "..", "x\\y"])
def test_batch_names_cannot_leave_the_ledger_folder(tmp_path: Path, name: str):
    with pytest.raises(ValueError, match="not a ledger batch file name"):
        ParquetLedger(tmp_path).path(name)
