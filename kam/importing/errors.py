"""Row errors as a Polars frame: built by filters (never a loop over rows), written out in
full with ``--errors-out``, and turned into :class:`RowError` objects only for the first
few that a page or a terminal shows."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kam.importing.report import RowError

ROW = "__row"  # the file row number (header = 1) carried by every frame of an import
ERROR_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
}
# A hostile file can hold a megabyte in one cell; an error shows the start of it.
VALUE_SHOWN_CHARS = 200


class ImportFileError(Exception):
    """A problem of the whole file (unreadable, empty, mislabelled, wrong encoding...).
    The message says what is wrong in words a user can act on."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def no_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


def file_errors(*problems: tuple[str | None, str]) -> pl.DataFrame:
    """Errors of the whole file: (column or None, reason) pairs, with no row."""
    return pl.DataFrame(
        {
            "row": [None] * len(problems),
            "column": [c for c, _ in problems],
            "value": [None] * len(problems),
            "reason": [r for _, r in problems],
        },
        schema=ERROR_SCHEMA,
    )


def row_errors(
    frame: pl.DataFrame,
    mask: pl.Expr | pl.Series,
    *,
    column: str | None,
    value: pl.Expr | None,
    reason: str | pl.Expr,
) -> pl.DataFrame:
    """One error for each row of ``frame`` where ``mask`` is true. ``column`` is the source
    header as in the file; ``value`` the offending cell; ``reason`` a text or an
    expression (for reasons that name another row or a batch)."""
    value_expr = value if value is not None else pl.lit(None, dtype=pl.String)
    reason_expr = reason if isinstance(reason, pl.Expr) else pl.lit(reason)
    return frame.filter(mask).select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        # NUL cannot be stored in a PostgreSQL JSON column (the rejected batch's errors)
        value_expr.cast(pl.String)
        .str.slice(0, VALUE_SHOWN_CHARS)
        .str.replace_all("\x00", "\ufffd", literal=True)
        .alias("value"),
        reason_expr.cast(pl.String).alias("reason"),
    )


def reason_with(template: str, placeholder: str, value: pl.Expr) -> pl.Expr:
    """A translated reason with one per-row part: ``template`` holds ``placeholder``
    (e.g. ``%(row)s``) once, replaced by ``value`` row by row."""
    before, _, after = template.partition(placeholder)
    return pl.concat_str([pl.lit(before), value.cast(pl.String), pl.lit(after)])


def combine(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """All errors in file order: whole-file errors first, then by row."""
    parts = [p for p in parts if p.height]
    if not parts:
        return no_errors()
    return pl.concat(parts, how="vertical").sort("row", nulls_last=False, maintain_order=True)


def in_file_order(errors: pl.DataFrame, headers: list[str]) -> pl.DataFrame:
    """Errors sorted as the file reads: by row, then by the column's place in the header
    (whole-file errors first)."""
    if errors.height < 2:
        return errors
    place = {header: index for index, header in enumerate(headers)}
    column_place = pl.col("column").replace_strict(place, default=len(place), return_dtype=pl.Int64)
    return errors.sort([pl.col("row"), column_place], nulls_last=False, maintain_order=True)


def first_row_errors(errors: pl.DataFrame, limit: int) -> list[RowError]:
    """The first ``limit`` errors as RowError objects (the only loop, over a capped few)."""
    return [
        RowError(row=r["row"], column=r["column"], value=r["value"], reason=r["reason"])
        for r in errors.head(limit).iter_rows(named=True)
    ]


def rejected_rows(errors: pl.DataFrame, rows_read: int) -> int:
    """How many data rows the errors reject; a whole-file error rejects them all."""
    if errors.height == 0:
        return 0
    if errors["row"].null_count():
        return rows_read
    return errors["row"].n_unique()


# A cell starting with one of these is run as a formula by spreadsheet programs: an
# error report must never turn a hostile cell into a live formula (CSV injection).
_FORMULA_START = r"^[=+\-@\t\r]"


def write_errors(errors: pl.DataFrame, path: Path) -> None:
    """Write every error to ``path``: XLSX when the name ends in .xlsx, CSV otherwise."""
    safe = errors.with_columns(
        [
            pl.when(pl.col(c).str.contains(_FORMULA_START))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("column", "value", "reason")
        ]
    )
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        safe.write_excel(path, worksheet="errors", autofit=True)
    else:
        safe.write_csv(path)
