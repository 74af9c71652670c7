"""Reading import files: format sniffing, delimiters, encodings, and clear file errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kam.importing.errors import ROW, ImportFileError
from kam.importing.readers import CSV, PARQUET, XLSX, read_table, sniff_delimiter


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a,b,c\n1,2.5,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('"x;y",b,c\n1,2,3\n', ","),  # a delimiter inside quotes does not count
        ("single\n1\n", ","),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header(content, delimiter):
    assert sniff_delimiter(content) == delimiter


def test_csv_with_bom_semicolons_and_decimal_commas_reads_as_text(tmp_path):
    # given a French Excel export: BOM, semicolons, decimal commas, a blank line
    path = write(tmp_path / "ventes.csv", "\ufeffClient;Montant\nA;1 234,50\n\nB;12\n".encode())
    # when it is read
    table = read_table(path)
    # then the header has no BOM, every cell is text and rows are numbered as in a sheet
    assert table.format == CSV
    assert table.columns == ["Client", "Montant"]
    assert table.frame[ROW].to_list() == [2, 3, 4]
    assert table.frame["Montant"].to_list() == ["1 234,50", None, "12"]
    assert table.frame.schema["Montant"] == pl.String


def test_xlsx_reads_dates_numbers_and_keeps_blank_rows_numbered(tmp_path):
    # given a workbook with an Excel date, a number, a blank row and a repeated header
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Client", "Date", "Qté", "Client"])
    sheet.append(["A", date(2024, 3, 31), 3, "x"])
    sheet.append([None, None, None, None])
    sheet.append(["B", "31/03/2024", 2.5, "y"])
    book.save(tmp_path / "s.xlsx")
    # when it is read
    table = read_table(tmp_path / "s.xlsx")
    # then cells are text, the blank row keeps its number, the repeat is renamed
    assert table.format == XLSX
    assert table.columns == ["Client", "Date", "Qté", "Client_duplicated_0"]
    assert table.frame["Date"].to_list() == ["2024-03-31 00:00:00", None, "31/03/2024"]
    assert table.frame["Qté"].to_list() == ["3", None, "2.5"]
    assert table.frame[ROW].to_list() == [2, 3, 4]


def test_parquet_typed_columns_come_back_as_text(tmp_path):
    pl.DataFrame(
        {"order_date": [date(2024, 3, 31)], "amount": [12.5], "tags": [["FR", "DE"]]}
    ).write_parquet(tmp_path / "s.parquet")
    table = read_table(tmp_path / "s.parquet")
    assert table.format == PARQUET
    assert table.frame.row(0, named=True) == {
        ROW: 2,
        "order_date": "2024-03-31",
        "amount": "12.5",
        "tags": "FR|DE",
    }


def test_an_upload_without_extension_uses_the_name_the_user_gave(tmp_path):
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "upload-123")
    assert read_table(tmp_path / "upload-123", name="sales.parquet").format == PARQUET
    with pytest.raises(ImportFileError, match="named as CSV text but its content is a Parquet"):
        read_table(tmp_path / "upload-123", name="sales.csv")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("s.csv", b"", "the file is empty"),
        ("s.csv", b"\xef\xbb\xbf\r\n", "the file is empty"),
        ("s.csv", b"PAR1\x00\x00garbage", "named as CSV text but its content is a Parquet"),
        ("s.xlsx", b"a,b\n1,2\n", "named as an Excel workbook (XLSX) but its content is CSV"),
        ("s.parquet", b"PK\x03\x04rest", "named as a Parquet file but its content is an Excel"),
        ("s.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is binary"),
        ("s.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel (.xls)"),
        ("s.csv", "a,b\n1,2".encode("utf-16"), "UTF-16"),
        ("s.xlsx", b"PK\x03\x04garbage" * 10, "cannot read the Excel workbook"),
        ("s.parquet", b"PAR1garbage", "cannot read the Parquet file"),
    ],
)
def test_unusable_files_get_a_clear_error(tmp_path, name, content, message):
    # given a broken, empty or mislabelled file
    path = write(tmp_path / name, content)
    # when it is read, then the error says what is wrong (no traceback of a parser)
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(path)


def test_latin1_text_names_the_line_of_the_first_bad_character(tmp_path):
    path = write(tmp_path / "s.csv", "a;b\nx;1\ncafé;2\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match=r"not UTF-8 text .*line 3"):
        read_table(path)


def test_a_row_with_too_many_cells_is_named(tmp_path):
    path = write(tmp_path / "s.csv", b"a,b\n1,2\n3,4,5\n")
    with pytest.raises(ImportFileError, match="row 3 has 3 cells but the header has 2"):
        read_table(path)


def test_a_column_named_like_the_row_number_is_refused(tmp_path):
    path = write(tmp_path / "s.csv", b"__row,b\n1,2\n")
    with pytest.raises(ImportFileError, match="reserved"):
        read_table(path)


def test_plain_number_columns_of_a_csv_are_read_as_numbers(tmp_path):
    # given a CSV whose amounts are plain numbers, and one whose amounts use a comma
    plain = write(tmp_path / "plain.csv", b"id,amount\nA,12.5\nB,\n")
    french = write(tmp_path / "french.csv", b"id;amount\nA;1 234,5\n")

    def numeric(headers: list[str]) -> list[str]:
        return [h for h in headers if h == "amount"]

    # when read with the hint, then the plain one has numbers, the other stays text
    assert read_table(plain, numeric=numeric).frame.schema["amount"] == pl.Float64
    assert read_table(plain, numeric=numeric).frame["amount"].to_list() == [12.5, None]
    assert read_table(french, numeric=numeric).frame["amount"].to_list() == ["1 234,5"]


def test_decimal_commas_are_read_as_numbers_where_the_delimiter_allows(tmp_path):
    path = write(tmp_path / "fr.csv", b"id;amount\nA;12,5\nB;3.25\n")
    table = read_table(path, numeric=lambda headers: ["amount"])
    assert table.frame["amount"].to_list() == [12.5, 3.25]
