"""What the sales and accounts validators share: the checked result, the selection of the
canonical columns, and rules expressed as (column, mask, reason) evaluated vectorised.

A rule's mask is evaluated on the whole frame only to find the suspect rows (usually
none); the errors themselves are built from the few suspect rows, so a clean file of ten
million lines pays for one pass of cheap masks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from kam.importing.columns import ColumnMatch, ColumnSpec, display_header, match_columns
from kam.importing.errors import (
    ROW,
    combine,
    file_errors,
    no_errors,
    reason_with,
    rejected_rows,
    row_errors,
)
from kam.importing.i18n import _
from kam.importing.readers import RawTable

RAW = "__raw_"  # prefix of the columns that keep the cells as written, for error reports


def raw(name: str) -> pl.Expr:
    """The cell of canonical column ``name`` as written in the file (as text: a CSV
    reader may have read a number column as numbers already)."""
    return pl.col(RAW + name).cast(pl.String)


def blank(name: str) -> pl.Expr:
    """The cell of ``name`` is empty or only spaces."""
    cell = raw(name)
    return cell.is_null() | (cell.str.strip_chars().str.len_bytes() == 0)


@dataclass(frozen=True)
class Rule:
    """One row-level check: where ``mask`` is true, the cell of ``column`` is wrong.
    ``suspect``, when given, is a cheaper mask true at least wherever ``mask`` is, used
    on the whole file; ``mask`` then runs on the suspect rows only."""

    column: str
    mask: pl.Expr
    reason: str | pl.Expr
    suspect: pl.Expr | None = None


def file_headers(raw_table: RawTable) -> list[str]:
    """The headers as the user wrote them, in file order (for sorting errors)."""
    return [display_header(c, raw_table.columns) for c in raw_table.columns]


@dataclass
class Checked:
    """A validated import: the rows that passed (typed, canonical names, ``__row``), every
    error found, and the counts the report needs."""

    valid: pl.DataFrame
    errors: pl.DataFrame
    rows_read: int
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header in file

    @property
    def rows_rejected(self) -> int:
        return rejected_rows(self.errors, self.rows_read)


@dataclass(frozen=True)
class Canonical:
    """The file's cells under canonical names, blank rows dropped."""

    text: pl.DataFrame  # ROW + canonical columns, as text
    match: ColumnMatch


def canonical_text(
    raw_table: RawTable, specs: tuple[ColumnSpec, ...], column_map: dict[str, str] | None
) -> Canonical | Checked:
    """The canonical columns of the file, or a rejection when the header does not fit
    (missing or ambiguous columns) or the file has no data row."""
    match = match_columns(raw_table.columns, specs, column_map)
    frame = raw_table.frame
    if match.problems:
        rows = frame.height
        return Checked(frame.clear(), file_errors(*match.problems), rows, match.headers)
    text = frame.select(
        pl.col(ROW), *[pl.col(source).alias(name) for name, source in match.sources.items()]
    )
    names = list(match.sources)
    # Blank lines are not data (Polars reads their cells as nulls).
    text = text.filter(pl.any_horizontal(pl.col(names).is_not_null()))
    if text.height == 0:
        problem = (None, _("the file has a header but no data rows"))
        return Checked(frame.clear(), file_errors(problem), 0, match.headers)
    return Canonical(text=text, match=match)


def apply_rules(work: pl.DataFrame, rules: list[Rule], headers: dict[str, str]) -> pl.DataFrame:
    """The errors of ``rules`` on ``work`` (which holds the parsed columns and the
    ``__raw_`` cells), built from the suspect rows only."""
    if not rules or work.height == 0:
        return no_errors()
    suspect = work.filter(
        pl.any_horizontal(
            [(r.mask if r.suspect is None else r.suspect).fill_null(False) for r in rules]
        )
    )
    if suspect.height == 0:
        return no_errors()
    return combine(
        [
            row_errors(
                suspect,
                rule.mask.fill_null(False),
                column=headers.get(rule.column, rule.column),
                value=raw(rule.column) if (RAW + rule.column) in suspect.columns else None,
                reason=rule.reason,
            )
            for rule in rules
        ]
    )


def with_raw(parsed: pl.DataFrame, text: pl.DataFrame) -> pl.DataFrame:
    """``parsed`` with the written cells of ``text`` alongside, under ``__raw_`` names."""
    cells = text.drop(ROW).rename(lambda name: RAW + name)
    return pl.concat([parsed, cells], how="horizontal")


def without_rows(frame: pl.DataFrame, errors: pl.DataFrame) -> pl.DataFrame:
    """``frame`` minus the rows that have an error."""
    if errors.height == 0:
        return frame
    return frame.filter(~pl.col(ROW).is_in(errors["row"].drop_nulls().unique().implode()))


def later_duplicates(
    frame: pl.DataFrame, key: list[str], *, column: str, headers: dict[str, str], reason: str
) -> pl.DataFrame:
    """Errors for every repeat of a key after its first row; ``reason`` holds
    ``%(row)s``, replaced by the first row's number."""
    # Repeats are found on a 64-bit hash of the key (counting distinct hashes is cheap on
    # ten million rows), then confirmed on the real values of the few candidates (a hash
    # collision is no repeat).
    hashed = pl.lit(0, dtype=pl.UInt64)
    for position, name in enumerate(key):
        hashed = hashed ^ pl.col(name).hash(seed=position + 1)
    has_key = pl.all_horizontal(pl.col(key).is_not_null())
    keyed, distinct = frame.select(has_key.sum(), hashed.filter(has_key).n_unique()).row(0)
    if keyed == distinct:
        return no_errors()
    candidates = frame.filter(has_key & hashed.is_duplicated())
    copies = candidates.filter(candidates.select(key).is_duplicated())
    first = copies.group_by(key).agg(pl.col(ROW).min().alias("__first"))
    later = copies.join(first, on=key).filter(pl.col(ROW) != pl.col("__first"))
    return row_errors(
        later,
        pl.lit(True),
        column=headers.get(column, column),
        value=raw(column) if (RAW + column) in later.columns else pl.col(column),
        reason=reason_with(reason, "%(row)s", pl.col("__first")),
    )
