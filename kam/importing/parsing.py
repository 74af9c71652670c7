"""Vectorised parsing of text cells into numbers and dates.

Each parser tries the fast, common form on the whole column first (a plain cast, an ISO
date) and runs the slower rules (decimal comma, thousands separators, day-first dates)
only on the cells the fast form could not read. A cell that no rule reads becomes null;
the validator turns "text present but null after parsing" into a row error.
"""

from __future__ import annotations

from datetime import date

import polars as pl

# Spaces (also no-break and narrow no-break), apostrophes (Swiss "1'234.50") and currency
# signs carry no value in a number cell.
_NUMBER_NOISE = r"[\s\u00a0\u202f'’€$£]"
_EU_THOUSANDS = r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$"  # 1.234.567 or 1.234,50
_EN_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"  # 1,234,567 or 1,234.50
_TIME_PART = r"[ T]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
_DAY_FIRST_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d")
_EDGE_SPACES = (" ", "\t")  # what surrounds ids in real exports; others are rare
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (after its 1900 leap-year bug)


def clean_text(column: pl.Series) -> pl.Series:
    """Surrounding spaces removed; an empty or blank cell is null."""
    return column.str.strip_chars().replace("", None)


def parse_columns(
    text: pl.DataFrame,
    *,
    texts: tuple[str, ...] = (),
    numbers: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    date_format: str | None = None,
    excel_serials: bool = False,
) -> pl.DataFrame:
    """Parse the named columns of ``text`` (those it has) in one pass: the fast forms of
    every column are one Polars ``select``, run in parallel; text columns are copied only
    if some cell needs trimming; the slow rules run only where the fast form failed.
    Other columns (``__row`` included) are kept as they are."""
    texts = tuple(n for n in texts if n in text.columns)
    numbers = tuple(n for n in numbers if n in text.columns)
    dates = tuple(n for n in dates if n in text.columns)
    fast = text.with_columns(
        *[pl.col(n).cast(pl.Float64, strict=False) for n in numbers],
        *[_date_fast(pl.col(n), date_format) for n in dates],
    )
    if texts:
        dirty = text.select(_needs_cleaning(pl.col(n)).any() for n in texts).row(0)
        fast = fast.with_columns(
            clean_text(text[n]) for n, d in zip(texts, dirty, strict=True) if d
        )
    repaired = [repair_numbers(fast[n], text[n]) for n in numbers]
    if not date_format:
        repaired += [repair_dates(fast[n], text[n], excel_serials=excel_serials) for n in dates]
    return fast.with_columns(repaired) if repaired else fast


def _needs_cleaning(column: pl.Expr) -> pl.Expr:
    # Prefix and suffix tests are several times cheaper than a regex on large columns.
    edges = [column.str.starts_with(c) | column.str.ends_with(c) for c in _EDGE_SPACES]
    return pl.any_horizontal(*edges, column.str.len_bytes() == 0)


def repair_numbers(fast: pl.Series, written: pl.Series) -> pl.Series:
    """``fast`` (a plain cast of ``written``) completed by the slow rules where it
    failed."""
    failed = (fast.is_null() & written.is_not_null()).arg_true()
    if failed.len() == 0:
        return fast
    return fast.scatter(failed, _parse_number_slowly(written.gather(failed)))


def parse_number(column: pl.Series) -> pl.Series:
    """Numbers as people type them: ``1234.50``, ``1234,50``, ``1 234,50``, ``1.234,50``,
    ``1,234.50``, ``-12``, ``1e3``, with or without a currency sign. A lone comma is a
    decimal mark (French default): ``1,234`` is 1.234. Unreadable cells become null;
    infinities and NaN are kept for the validator to refuse."""
    return repair_numbers(column.cast(pl.Float64, strict=False), column)


def _parse_number_slowly(column: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"s": column.str.replace_all(_NUMBER_NOISE, "")})
    s = pl.col("s")
    english = s.str.contains(_EN_THOUSANDS) & (
        s.str.contains(".", literal=True) | (s.str.count_matches(",", literal=True) >= 2)
    )
    normalised = (
        pl.when(s.str.contains(_EU_THOUSANDS))
        .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(english)
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s.str.replace(",", ".", literal=True))
    )
    return frame.select(normalised.cast(pl.Float64, strict=False)).to_series()


def parse_fraction(column: pl.Series) -> pl.Series:
    """A share from 0 to 1, also written as a percentage: ``0.12``, ``12 %``, ``12,5%``."""
    percent = column.str.strip_chars().str.ends_with("%").fill_null(False)
    value = parse_number(column.str.replace(r"\s*%\s*$", ""))
    return (
        pl.DataFrame({"v": value, "p": percent})
        .select(pl.when(pl.col("p")).then(pl.col("v") / 100).otherwise(pl.col("v")))
        .to_series()
    )


def parse_date(
    column: pl.Series, *, date_format: str | None = None, excel_serials: bool = False
) -> pl.Series:
    """Dates: ISO ``2024-03-31``, day first ``31/03/2024`` (also with ``.`` or ``-``),
    ``2024/03/31``, any of them followed by a time (``2024-03-31 00:00:00``, as Excel
    dates read); with ``excel_serials``, Excel day numbers (45382 is 2024-03-31).
    ``date_format`` (strftime codes) forces one format and nothing else."""
    fast = pl.DataFrame({"d": column}).select(_date_fast(pl.col("d"), date_format)).to_series()
    if date_format:
        return fast
    return repair_dates(fast, column, excel_serials=excel_serials)


def _date_fast(column: pl.Expr, date_format: str | None) -> pl.Expr:
    if not date_format:
        return column.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    has_time = any(code in date_format for code in ("%H", "%I", "%M", "%S", "%T", "%R"))
    text = column.str.strip_chars()
    if has_time:
        return text.str.strptime(pl.Datetime, date_format, strict=False).dt.date()
    return text.str.strptime(pl.Date, date_format, strict=False)


def repair_dates(fast: pl.Series, written: pl.Series, *, excel_serials: bool) -> pl.Series:
    """``fast`` (ISO dates of ``written``) completed by the other forms where it failed."""
    failed = (fast.is_null() & written.is_not_null()).arg_true()
    if failed.len() == 0:
        return fast
    return fast.scatter(failed, _parse_date_slowly(written.gather(failed), excel_serials))


def _parse_date_slowly(column: pl.Series, excel_serials: bool) -> pl.Series:
    frame = pl.DataFrame({"s": column.str.strip_chars().str.replace(_TIME_PART, "")})
    s = pl.col("s")
    candidates = [s.str.strptime(pl.Date, "%Y-%m-%d", strict=False)]
    candidates += [s.str.strptime(pl.Date, f, strict=False) for f in _DAY_FIRST_FORMATS]
    if excel_serials:
        serial = s.cast(pl.Float64, strict=False)
        whole_days = serial.is_between(1, 2_958_465) & (serial == serial.floor())  # < 10000
        candidates.append(
            pl.when(whole_days).then(
                pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial.cast(pl.Int64, strict=False))
            )
        )
    return frame.select(pl.coalesce(candidates).cast(pl.Date)).to_series()
