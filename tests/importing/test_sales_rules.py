"""Validation of sales files, without a database: row errors name row, column, value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kam.importing.errors import ROW
from kam.importing.readers import RawTable, read_table
from kam.importing.sales_rules import number_columns, validate_sales

KNOWN = pl.Series(["C1", "C2"])
TODAY = date(2025, 6, 30)
HEADER = "Client;N° commande;Date;Produit;Qté;Montant HT;Marge\n"


def table(tmp_path: Path, body: str, header: str = HEADER) -> RawTable:
    path = tmp_path / "ventes.csv"
    path.write_text(header + body, encoding="utf-8")
    return read_table(path)


def errors_of(checked) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r.values()) for r in checked.errors.iter_rows(named=True)]


def test_a_clean_french_file_comes_back_in_ledger_types(tmp_path):
    # given a French export with decimal commas and day-first dates
    raw = table(tmp_path, "C1;F-1;31/03/2024;P1;2;1 234,50;100,5\nC2;F-2;2024-04-01;P1;-1;-10;\n")
    # when validated
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    # then no error, and values are typed (a negative line is a return: allowed)
    assert checked.errors.height == 0
    assert checked.rows_read == 2
    assert checked.valid.select("order_date", "quantity", "amount", "margin").rows() == [
        (date(2024, 3, 31), 2.0, 1234.5, 100.5),
        (date(2024, 4, 1), -1.0, -10.0, None),
    ]


def test_each_problem_is_reported_with_row_column_value_and_reason(tmp_path):
    # given one bad cell per row
    raw = table(
        tmp_path,
        "\n".join(
            [
                "C1;F-1;31/03/2024;P1;2;10",  # row 2: fine
                "C9;F-2;31/03/2024;P1;2;10",  # row 3: unknown account
                "C1;F-3;31/02/2024;P1;2;10",  # row 4: no such date
                "C1;F-4;2024-03-31;P1;deux;10",  # row 5: quantity not a number
                "C1;F-5;2024-03-31;P1;2;",  # row 6: missing amount
                "C1;F-6;1985-01-01;P1;2;10",  # row 7: absurdly old
                "C1;F-7;2031-01-01;P1;2;10",  # row 8: far future
                "C1;F-8;2024-03-31;P1;2;inf",  # row 9: not finite
                "C1;F-9;2024-03-31;P1;2;5e15",  # row 10: implausible
            ]
        )
        + "\n",
        header="Client;N° commande;Date;Produit;Qté;Montant HT\n",
    )
    # when validated
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    # then every bad row is named, with the header as written and the cell as written
    found = {(row, column, value): reason for row, column, value, reason in errors_of(checked)}
    assert found.keys() == {
        (3, "Client", "C9"),
        (4, "Date", "31/02/2024"),
        (5, "Qté", "deux"),
        (6, "Montant HT", None),
        (7, "Date", "1985-01-01"),
        (8, "Date", "2031-01-01"),
        (9, "Montant HT", "inf"),
        (10, "Montant HT", "5e15"),
    }
    assert found[(3, "Client", "C9")].startswith("unknown account")
    assert found[(4, "Date", "31/02/2024")].startswith("not a date")
    assert found[(6, "Montant HT", None)] == "missing value"
    assert found[(7, "Date", "1985-01-01")] == "date before 1990-01-01"
    assert checked.valid[ROW].to_list() == [2]
    assert checked.rows_rejected == 8


def test_the_same_order_line_twice_names_the_first_row(tmp_path):
    raw = table(
        tmp_path, "C1;F-1;2024-03-31;P1;1;1\nC1;F-1;2024-03-31;P2;1;1\nC2;F-1;2024-03-31;P1;1;1\n"
    )
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    assert errors_of(checked) == [
        (4, "N° commande", "F-1", "the same order line (order and product) is already on row 2"),
    ]
    assert checked.valid[ROW].to_list() == [2, 3]


def test_missing_columns_reject_the_whole_file(tmp_path):
    raw = table(tmp_path, "C1;10\n", header="Client;Montant\n")
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    assert checked.valid.height == 0
    assert {c for _, c, _, _ in errors_of(checked)} == {
        "order_id",
        "order_date",
        "product",
        "quantity",
    }
    assert checked.rows_rejected == 1


def test_a_header_without_rows_is_an_error(tmp_path):
    raw = table(tmp_path, "\n\n")
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    assert errors_of(checked) == [(None, None, None, "the file has a header but no data rows")]


def test_lines_outside_the_replaced_period_are_errors(tmp_path):
    raw = table(tmp_path, "C1;F-1;2024-03-31;P1;1;1\nC1;F-2;2024-04-01;P1;1;1\n")
    checked = validate_sales(
        raw, known_accounts=KNOWN, today=TODAY, replace_period=(date(2024, 3, 1), date(2024, 3, 31))
    )
    assert [(r[0], r[3]) for r in errors_of(checked)] == [
        (3, "outside the replaced period 2024-03-01 to 2024-03-31"),
    ]


def test_lines_already_in_the_ledger_name_their_batch(tmp_path):
    # given a ledger lookup that finds the second line in batch 7
    def lookup(lines: pl.DataFrame) -> pl.DataFrame:
        return lines.filter(pl.col("order_id") == "F-2").select(
            ROW, pl.lit(7, dtype=pl.Int64).alias("batch_id")
        )

    raw = table(tmp_path, "C1;F-1;2024-03-31;P1;1;1\nC1;F-2;2024-04-01;P1;1;1\n")
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY, existing_lines=lookup)
    assert errors_of(checked) == [
        (
            3,
            "N° commande",
            "F-2",
            "this order line (order and product) is already in the ledger, batch #7",
        ),
    ]


def test_a_forced_date_format_is_named_in_the_error(tmp_path):
    raw = table(tmp_path, "C1;F-1;03/31/2024;P1;1;1\nC1;F-2;31/03/2024;P1;1;1\n")
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY, date_format="%m/%d/%Y")
    assert [(r[0], r[3]) for r in errors_of(checked)] == [
        (3, "not a date in the format %m/%d/%Y"),
    ]


@pytest.mark.parametrize("cell", ['=HYPERLINK("x")', "[bold]x[/bold]", "\x1b[31mred"])
def test_hostile_cells_are_only_text(tmp_path, cell):
    raw = table(tmp_path, f"{cell};F-1;2024-03-31;P1;1;1\n")
    checked = validate_sales(raw, known_accounts=KNOWN, today=TODAY)
    assert errors_of(checked)[0][2] == cell


def test_a_csv_read_with_numbers_gives_the_same_errors_as_text(tmp_path):
    # given a file with a non-finite amount and a missing quantity
    path = tmp_path / "s.csv"
    path.write_text(
        "account_id,order_id,order_date,product,quantity,amount\n"
        "C1,F1,2024-03-31,P1,,inf\nC1,F2,2024-03-31,P1,1,2\n",
        encoding="utf-8",
    )
    numeric = number_columns(None)
    # when validated after a typed read and after a text read
    typed = validate_sales(read_table(path, numeric=numeric), known_accounts=KNOWN, today=TODAY)
    text = validate_sales(read_table(path), known_accounts=KNOWN, today=TODAY)
    # then both report the same problems and keep the same lines
    assert read_table(path, numeric=numeric).frame.schema["amount"] == pl.Float64
    assert (
        errors_of(typed)
        == errors_of(text)
        == [
            (2, "quantity", None, "missing value"),
            (2, "amount", "inf", "not a finite number"),
        ]
    )
    assert typed.valid.equals(text.valid)
