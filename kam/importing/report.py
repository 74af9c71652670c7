"""What an import tells its user: the row-level errors and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


class ImportOutcome(StrEnum):
    COMMITTED = "committed"  # rows were stored
    REJECTED = "rejected"  # the file had errors and nothing was stored
    UNCHANGED = "unchanged"  # the same content was already imported: nothing to do
    VALIDATED = "validated"  # a dry run found no error; nothing was stored


# How many errors an ImportResult keeps as RowError objects (for pages and JSON); the
# complete list stays in ``ImportResult.error_table`` for ``--errors-out``.
ERRORS_KEPT = 1000


@dataclass(frozen=True)
class RowError:
    """One problem in an input file. ``row`` is the file's row number as a spreadsheet
    shows it (the header is row 1, the first data row is row 2); None for a problem of
    the whole file, such as a missing column."""

    row: int | None
    column: str | None
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ImportResult:
    """The outcome of one import, whatever its entry point (CLI, upload page, API).

    ``errors`` holds the first :data:`ERRORS_KEPT` errors in row order; ``errors_total``
    counts them all and ``error_table`` (a Polars frame with the columns row, column,
    value, reason) has every one of them."""

    kind: str
    source_name: str
    outcome: ImportOutcome
    rows_read: int = 0
    rows_stored: int = 0
    rows_rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    already_imported_as: int | None = None
    seconds: float = 0.0
    created: int = 0  # upserting imports (accounts, contacts, activities): new rows
    updated: int = 0  # upserting imports: existing rows changed
    errors_total: int = 0
    error_table: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome is not ImportOutcome.REJECTED

    def summary(self) -> str:
        if self.outcome is ImportOutcome.UNCHANGED:
            return (
                f"{self.source_name}: already imported as batch #{self.already_imported_as};"
                " nothing stored"
            )
        text = (
            f"{self.source_name}: {self.rows_read} rows read, {self.rows_stored} stored, "
            f"{self.rows_rejected} rejected in {self.seconds:.1f} s"
        )
        if self.outcome is ImportOutcome.VALIDATED:
            text += " (dry run: nothing stored)"
        elif self.kind != "sales" and self.outcome is ImportOutcome.COMMITTED:
            # imports that upsert rows (accounts, contacts, activities)
            text += f" ({self.created} new, {self.updated} changed)"
        return text

    def as_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (``kam import --format json``, the API)."""
        return {
            "kind": self.kind,
            "source_name": self.source_name,
            "outcome": self.outcome.value,
            "ok": self.ok,
            "rows_read": self.rows_read,
            "rows_stored": self.rows_stored,
            "rows_rejected": self.rows_rejected,
            "batch_id": self.batch_id,
            "already_imported_as": self.already_imported_as,
            "seconds": round(self.seconds, 3),
            "created": self.created,
            "updated": self.updated,
            "errors_total": self.errors_total,
            "errors": [e.as_dict() for e in self.errors],
        }
