"""Reading an import file into an all-text Polars frame, whatever its format.

The format is known from the file name *and* from the first bytes (Parquet starts with
``PAR1``, XLSX is a zip starting with ``PK\\x03\\x04``), so a mislabelled file gets a clear
error instead of a crash. Every value comes back as text (or null) with the file's own
headers, plus ``__row``: the row number a spreadsheet shows (the header is row 1). Parsing
to numbers and dates happens later, vectorised, where errors can name row and column.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kam.importing.errors import ROW, ImportFileError
from kam.importing.i18n import _

CSV, XLSX, PARQUET = "csv", "xlsx", "parquet"
_EXTENSIONS = {
    ".csv": CSV,
    ".txt": CSV,
    ".tsv": CSV,
    ".xlsx": XLSX,
    ".xlsm": XLSX,
    ".parquet": PARQUET,
    ".pq": PARQUET,
}
_FORMAT_NAMES = {CSV: "CSV text", XLSX: "an Excel workbook (XLSX)", PARQUET: "a Parquet file"}
_SNIFF_BYTES = 64 * 1024
# Given the headers of a file, the ones whose columns hold numbers.
NumericColumns = Callable[[list[str]], list[str]]
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class RawTable:
    """An import file as read: text columns named as in the file, plus ``__row``."""

    frame: pl.DataFrame
    format: str

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]

    def release(self) -> None:
        """Drop the text columns once the file is validated: the typed rows keep what they
        need, and a ten-million-line file should not stay in memory twice."""
        for name in list(self.frame.columns):
            self.frame.drop_in_place(name)


def read_table(
    path: Path, *, name: str | None = None, numeric: NumericColumns | None = None
) -> RawTable:
    """Read ``path`` (CSV, XLSX or Parquet) as text. ``name`` is the file's name as the
    user knows it (an upload is stored under another name); its extension counts when
    ``path`` has none we know. ``numeric`` names, from the header, the columns that hold
    numbers: a CSV reader tries to read them as numbers directly (much faster on large
    files), and reads everything as text when one cell is not a plain number. Raises
    :class:`ImportFileError` for an unusable file."""
    path = Path(path)
    fmt = detect_format(path, name=name)
    if fmt == CSV:
        frame = _read_csv(path, numeric)
    elif fmt == XLSX:
        frame = _read_xlsx(path)
    else:
        frame = _read_parquet(path)
    if ROW in frame.columns:
        raise ImportFileError(_('the column name "%(name)s" is reserved') % {"name": ROW})
    if not frame.columns:
        raise ImportFileError(_("the file has no header row"))
    return RawTable(frame=frame.with_row_index(ROW, offset=2), format=fmt)


def detect_format(path: Path, *, name: str | None = None) -> str:
    """The file's format from its content, checked against its extension."""
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError(_("the file is empty"))
    by_content = _format_by_content(head)
    by_name = _EXTENSIONS.get(path.suffix.lower())
    if by_name is None and name:
        by_name = _EXTENSIONS.get(Path(name).suffix.lower())
    if by_name is not None and by_name != by_content:
        raise ImportFileError(
            _(
                "the file is named as %(named)s but its content is %(found)s; export it "
                "again or give it the right extension"
            )
            % {"named": _FORMAT_NAMES[by_name], "found": _FORMAT_NAMES[by_content]}
        )
    return by_content


def _format_by_content(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return PARQUET
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("old Excel (.xls) files are not supported; save it as .xlsx or CSV UTF-8")
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("the file is UTF-16 text; save it as CSV UTF-8"))
    if head.startswith(b"\x1f\x8b") or b"\x00" in head:
        raise ImportFileError(_("the file is binary, not CSV text, Excel (XLSX) or Parquet"))
    return CSV


# -- CSV -------------------------------------------------------------------------------


def sniff_delimiter(sample: str) -> str:
    """The delimiter of the header line: the most frequent of ``;``, ``,`` and tab outside
    quotes (``;`` wins a tie: it is the usual one where the decimal mark is a comma)."""
    header = _first_record(sample)
    counts = {d: 0 for d in _DELIMITERS}
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_record(sample: str) -> str:
    quoted = False
    for index, char in enumerate(sample):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return sample[:index]
    return sample


def _read_csv(path: Path, numeric: NumericColumns | None) -> pl.DataFrame:
    with open(path, "rb") as handle:
        sample = handle.read(_SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff")
    separator = sniff_delimiter(sample)
    options: dict[str, Any] = {
        "separator": separator,
        "infer_schema": False,
        "encoding": "utf8",
        "raise_if_empty": True,
        "quote_char": '"',
    }
    try:
        frame = _read_numbers_directly(path, numeric, options) if numeric else None
        if frame is None:
            frame = pl.read_csv(path, **options)
    except pl.exceptions.NoDataError as exc:
        raise ImportFileError(_("the file is empty")) from exc
    except pl.exceptions.PolarsError as exc:
        raise _csv_problem(path, separator, exc) from exc
    return frame.rename({c: _clean_header(c) for c in frame.columns if c != _clean_header(c)})


def _clean_header(header: str) -> str:
    return header.strip().lstrip("\ufeff")


def _read_numbers_directly(
    path: Path, numeric: NumericColumns, options: dict[str, Any]
) -> pl.DataFrame | None:
    """The file with its number columns parsed by the CSV reader itself, or None when a
    cell is not a plain number (a decimal comma, a space...): then all is read as text
    and parsed with the slower, more tolerant rules."""
    header = pl.read_csv(path, n_rows=0, **options).columns
    wanted = set(numeric([_clean_header(c) for c in header]))
    types = {c: pl.Float64() for c in header if _clean_header(c) in wanted}
    if not types:
        return None
    # Where the delimiter is not a comma, the decimal mark may be: the reader then takes
    # both "12,5" and "12.5" (as the slower rules do) and refuses "1.234,5" (left to them).
    decimal_comma = options["separator"] != ","
    try:
        return pl.read_csv(path, schema_overrides=types, decimal_comma=decimal_comma, **options)
    except pl.exceptions.PolarsError:
        return None


def _csv_problem(path: Path, separator: str, exc: Exception) -> ImportFileError:
    """Turn a Polars parse error into a message naming the row (found on this error path
    only, by reading the file again)."""
    message = str(exc)
    if "utf-8" in message.lower() or "utf8" in message.lower():
        line = _first_invalid_utf8_line(path)
        return ImportFileError(
            _(
                "the file is not UTF-8 text (first invalid character on line %(line)s); save it "
                'as "CSV UTF-8"'
            )
            % {"line": line}
        )
    if "more fields" in message:
        found = _first_long_row(path, separator)
        if found is not None:
            row, cells, expected = found
            return ImportFileError(
                _(
                    "row %(row)s has %(cells)s cells but the header has %(expected)s (a "
                    'delimiter "%(sep)s" inside a value must be quoted)'
                )
                % {
                    "row": row,
                    "cells": cells,
                    "expected": expected,
                    "sep": "tab" if separator == "\t" else separator,
                }
            )
    first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    return ImportFileError(_("cannot read the CSV file: %(reason)s") % {"reason": first_line})


def _first_invalid_utf8_line(path: Path) -> int:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk[: max(exc.start, 0)].count(b"\n")
            line += chunk.count(b"\n")
    return line


def _first_long_row(path: Path, separator: str) -> tuple[int, int, int] | None:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        records = csv.reader(handle, delimiter=separator)
        header = next(records, [])
        for number, record in enumerate(records, start=2):
            if len(record) > len(header):
                return number, len(record), len(header)
    return None


# -- XLSX ------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> pl.DataFrame:
    """The first sheet, every cell as text; Excel dates come as "YYYY-MM-DD HH:MM:SS".
    Read without a header so that blank rows keep their place in the row numbers."""
    import fastexcel

    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
        table = sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own error types, and zip errors
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ImportFileError(
            _("cannot read the Excel workbook: %(reason)s") % {"reason": first_line}
        ) from exc
    if table.height == 0:
        raise ImportFileError(_("the file is empty"))
    headers = [("" if v is None else str(v).strip()) for v in table.row(0)]
    return table.slice(1).rename(dict(zip(table.columns, _unique_headers(headers), strict=True)))


def _unique_headers(headers: list[str]) -> list[str]:
    """Repeated headers named the way Polars names them in CSV files ("X_duplicated_0"),
    and blank ones "column N", so every format reports the same way."""
    seen: dict[str, int] = {}
    unique = []
    for index, header in enumerate(headers, start=1):
        header = header or f"column {index}"
        if header in seen:
            seen[header] += 1
            unique.append(f"{header}_duplicated_{seen[header] - 1}")
        else:
            seen[header] = 0
            unique.append(header)
    return unique


# -- Parquet ---------------------------------------------------------------------------


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # Polars, Arrow and OS errors for a damaged file
        raise ImportFileError(
            _("cannot read the Parquet file: %(reason)s")
            % {"reason": str(exc).strip().splitlines()[0] if str(exc).strip() else ""}
        ) from exc
    return frame_as_text(frame)


def frame_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A typed frame (Parquet file, demo data) as text columns, the way a CSV reads:
    dates as ISO dates, lists joined with ``|``, numbers in plain notation."""
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Date or isinstance(dtype, pl.Datetime):
            converted.append(column.dt.strftime("%Y-%m-%d").alias(name))
        elif isinstance(dtype, pl.List | pl.Array):
            converted.append(column.cast(pl.List(pl.String)).list.join("|").alias(name))
        elif dtype == pl.String:
            converted.append(column)
        elif dtype.is_numeric() or dtype == pl.Boolean or dtype == pl.Categorical:
            converted.append(column.cast(pl.String).alias(name))
        else:
            raise ImportFileError(
                _('column "%(name)s" has an unsupported type (%(type)s)')
                % {"name": name, "type": str(dtype)}
            )
    return frame.select(converted)
