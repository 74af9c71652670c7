"""Validation of a sales file (order lines), vectorised with Polars.

Row errors: a missing value, an unknown account, a date that is unreadable or absurd
(before 1990, more than a year ahead), outside the replaced period, a quantity, amount or
margin that is not a finite number, the same order line ``(order_id, product)`` twice in
the file or already in the ledger. Negative quantities and amounts are returns: allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl

from kam.importing.columns import SALES_COLUMNS, match_columns
from kam.importing.errors import ROW, combine, in_file_order, no_errors, reason_with, row_errors
from kam.importing.i18n import _
from kam.importing.parsing import parse_columns
from kam.importing.readers import XLSX, NumericColumns, RawTable
from kam.importing.validation import (
    RAW,
    Checked,
    Rule,
    apply_rules,
    blank,
    canonical_text,
    file_headers,
    later_duplicates,
    raw,
    with_raw,
    without_rows,
)
from kam.ledger.schema import LEDGER_COLUMNS, conform

EARLIEST_DATE = date(1990, 1, 1)
TEXT_COLUMNS = ("account_id", "order_id", "product", "category")
NUMBER_COLUMNS = ("quantity", "amount", "margin")
# No order line is worth a trillion: such a value is a unit or a parsing mistake, and it
# would overflow the batch totals.
LARGEST_NUMBER = 1e12

# Given the file's valid lines (``__row``, order_id, product), the ones already in the
# ledger (outside a replaced period), with the batch that holds them (``batch_id``).
LedgerLookup = Callable[[pl.DataFrame], pl.DataFrame]


def validate_sales(
    raw_table: RawTable,
    *,
    known_accounts: pl.Series,
    column_map: dict[str, str] | None = None,
    date_format: str | None = None,
    replace_period: tuple[date, date] | None = None,
    existing_lines: LedgerLookup | None = None,
    today: date | None = None,
) -> Checked:
    """Check every line of a sales file; the valid ones come back in the ledger's columns
    and types (plus ``__row``)."""
    canonical = canonical_text(raw_table, SALES_COLUMNS, column_map)
    if isinstance(canonical, Checked):
        return canonical
    text, headers = canonical.text, canonical.match.headers
    parsed = _parse(text, date_format=date_format, excel_serials=raw_table.format == XLSX)
    work = with_raw(parsed, text)
    rules = _rules(
        work.columns,
        known_accounts=known_accounts,
        date_format=date_format,
        replace_period=replace_period,
        today=today or date.today(),
    )
    errors = combine(
        [
            apply_rules(work, rules, headers),
            later_duplicates(
                work,
                ["order_id", "product"],
                column="order_id",
                headers=headers,
                reason=_("the same order line (order and product) is already on row %(row)s"),
            ),
        ]
    )
    valid = without_rows(parsed, errors)
    if existing_lines is not None and valid.height:
        in_ledger = _already_in_ledger(valid, work, existing_lines, headers)
        errors = combine([errors, in_ledger])
        valid = without_rows(valid, in_ledger)
    errors = in_file_order(errors, file_headers(raw_table))
    return Checked(valid=valid, errors=errors, rows_read=text.height, headers=headers)


def number_columns(column_map: dict[str, str] | None) -> NumericColumns:
    """Which headers of a sales file hold numbers (quantity, amount, margin), so that a
    large CSV file can be read with its numbers parsed by the reader."""

    def numeric(headers: list[str]) -> list[str]:
        sources = match_columns(headers, SALES_COLUMNS, column_map).sources
        return [sources[name] for name in NUMBER_COLUMNS if name in sources]

    return numeric


def _parse(text: pl.DataFrame, *, date_format: str | None, excel_serials: bool) -> pl.DataFrame:
    parsed = parse_columns(
        text,
        texts=TEXT_COLUMNS,
        numbers=NUMBER_COLUMNS,
        dates=("order_date",),
        date_format=date_format,
        excel_serials=excel_serials,
    )
    return parsed.select(c for c in parsed.columns if c == ROW or c in LEDGER_COLUMNS)


def _rules(
    columns: list[str],
    *,
    known_accounts: pl.Series,
    date_format: str | None,
    replace_period: tuple[date, date] | None,
    today: date,
) -> list[Rule]:
    missing = _("missing value")
    rules: list[Rule] = [
        Rule(name, pl.col(name).is_null(), missing) for name in TEXT_COLUMNS[:3]
    ] + [
        Rule(name, pl.col(name).is_null() & blank(name), missing, suspect=pl.col(name).is_null())
        for name in ("order_date", "quantity", "amount")
    ]
    not_a_date = (
        _("not a date in the format %(format)s") % {"format": date_format}
        if date_format
        else _("not a date (expected e.g. 2024-03-31 or 31/03/2024)")
    )
    latest = today + timedelta(days=365)
    rules += [
        Rule(
            "order_date",
            pl.col("order_date").is_null() & ~blank("order_date"),
            not_a_date,
            suspect=pl.col("order_date").is_null(),
        ),
        Rule(
            "order_date",
            pl.col("order_date") < EARLIEST_DATE,
            _("date before %(date)s") % {"date": EARLIEST_DATE.isoformat()},
        ),
        Rule("order_date", pl.col("order_date") > latest, _("date more than a year in the future")),
        Rule(
            "account_id",
            pl.col("account_id").is_not_null()
            & ~pl.col("account_id").is_in(known_accounts.implode()),
            _("unknown account (import it with the accounts first)"),
        ),
    ]
    for name in NUMBER_COLUMNS:
        if name in columns:
            rules += [
                Rule(
                    name,
                    pl.col(name).is_null() & ~blank(name),
                    _("not a number"),
                    suspect=pl.col(name).is_null() & pl.col(RAW + name).is_not_null(),
                ),
                Rule(name, ~pl.col(name).is_finite(), _("not a finite number")),
                Rule(
                    name,
                    pl.col(name).is_finite() & (pl.col(name).abs() >= LARGEST_NUMBER),
                    _("implausibly large (%(max)s or more)") % {"max": f"{LARGEST_NUMBER:.0e}"},
                ),
            ]
    if replace_period is not None:
        start, end = replace_period
        rules.append(
            Rule(
                "order_date",
                ~pl.col("order_date").is_between(start, end),
                _("outside the replaced period %(start)s to %(end)s")
                % {"start": start.isoformat(), "end": end.isoformat()},
            )
        )
    return rules


def _already_in_ledger(
    valid: pl.DataFrame, work: pl.DataFrame, lookup: LedgerLookup, headers: dict[str, str]
) -> pl.DataFrame:
    hits = lookup(valid.select(ROW, "order_id", "product"))
    if hits.height == 0:
        return no_errors()
    found = work.join(hits.select(ROW, "batch_id"), on=ROW)
    return row_errors(
        found,
        pl.lit(True),
        column=headers["order_id"],
        value=raw("order_id"),
        reason=reason_with(
            _("this order line (order and product) is already in the ledger, batch #%(batch)s"),
            "%(batch)s",
            pl.col("batch_id"),
        ),
    )


def ledger_frame(valid: pl.DataFrame) -> pl.DataFrame:
    """The valid lines in the ledger's columns (absent optional columns as nulls)."""
    return conform(valid.select([c for c in valid.columns if c in LEDGER_COLUMNS]))
