"""What an import tells its user: the row-level errors and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ImportOutcome(StrEnum):
    COMMITTED = "committed"  # rows were stored
    REJECTED = "rejected"  # the file had errors and nothing was stored
    UNCHANGED = "unchanged"  # the same content was already imported: nothing to do


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
        return {"row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason}


@dataclass
class ImportResult:
    """The outcome of one import, whatever its entry point (CLI, upload page, API)."""

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
    created: int = 0  # accounts import: new accounts
    updated: int = 0  # accounts import: existing accounts changed

    @property
    def ok(self) -> bool:
        return self.outcome is not ImportOutcome.REJECTED

    def summary(self) -> str:
        if self.outcome is ImportOutcome.UNCHANGED:
            return (f"{self.source_name}: already imported as batch #{self.already_imported_as};"
                    " nothing stored")
        return (f"{self.source_name}: {self.rows_read} rows read, {self.rows_stored} stored, "
                f"{self.rows_rejected} rejected in {self.seconds:.1f} s")
