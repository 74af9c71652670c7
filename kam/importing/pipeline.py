"""The steps every import shares, whatever it imports: reading a file (or a frame) with
its content hash, timing and progress, deciding what may be stored, and the result.

Django-free: the services in ``kam.sales`` and ``kam.accounts`` add the database side
(permission, batch records, storage).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from kam.importing.errors import ROW, ImportFileError, file_errors, first_row_errors
from kam.importing.hashing import content_hash, file_sha256, frame_sha256
from kam.importing.readers import NumericColumns, RawTable, frame_as_text, read_table
from kam.importing.report import ERRORS_KEPT, ImportOutcome, ImportResult
from kam.importing.validation import Checked

# Called with the stage ("reading", "validating", "writing", "committing", "done") and the
# fraction of the whole import done so far.
Progress = Callable[[str, float], None]
ERRORS_RECORDED = 200  # errors kept on the ImportBatch record
RECORDED_TEXT_CHARS = 500
Source = RawTable | ImportFileError  # a file as read, or why it could not be


class ImportClock:
    """Elapsed time and progress reports of one import."""

    def __init__(self, progress: Progress | None) -> None:
        self.started = time.perf_counter()
        self.progress = progress

    def stage(self, name: str, fraction: float) -> None:
        if self.progress is not None:
            self.progress(name, fraction)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def read_file(
    path: Path,
    *,
    name: str,
    kind: str,
    options: dict[str, object],
    numeric: NumericColumns | None = None,
) -> tuple[Source, str]:
    """The file as read (or its problem) and its content hash. The hash and the parse
    both read the file; they run side by side (hashlib and Polars release the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        data_hash = pool.submit(file_sha256, path)
        try:
            source: Source = read_table(path, name=name, numeric=numeric)
        except ImportFileError as exc:
            source = exc
        return source, content_hash(kind, data_hash.result(), options)


def read_frame(frame: pl.DataFrame, *, kind: str, options: dict[str, object]) -> tuple[Source, str]:
    """A frame given by code (canonical column names, any types) read like a file."""
    digest = content_hash(kind, frame_sha256(frame), options)
    try:
        return RawTable(frame_as_text(frame).with_row_index(ROW, offset=2), "frame"), digest
    except ImportFileError as exc:
        return exc, digest


def unreadable(problem: ImportFileError) -> Checked:
    """The check of a file that could not be read: one whole-file error."""
    return Checked(pl.DataFrame(), file_errors((problem.column, problem.message)), 0)


def storable(checked: Checked, skip_invalid: bool) -> bool:
    """Whether the checked rows may be stored: no error at all, or some valid rows when
    invalid ones may be skipped."""
    if checked.errors.height and not skip_invalid:
        return False
    return checked.valid.height > 0


def recorded_errors(checked: Checked) -> list[dict[str, object]]:
    """The first errors, as JSON, for the ImportBatch record: texts capped (a header can
    be as long as a hostile file wants) and without NUL (PostgreSQL's JSON refuses it)."""
    return [
        {k: _storable_text(v) for k, v in e.as_dict().items()}
        for e in first_row_errors(checked.errors, ERRORS_RECORDED)
    ]


def _storable_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "\ufffd")[:RECORDED_TEXT_CHARS]


def result_of(
    kind: str, checked: Checked, name: str, outcome: ImportOutcome, clock: ImportClock
) -> ImportResult:
    """The ImportResult of a validated import (stored, dry run or rejected)."""
    clock.stage("done", 1.0)
    return ImportResult(
        kind=str(kind),
        source_name=name,
        outcome=outcome,
        rows_read=checked.rows_read,
        rows_stored=checked.valid.height if outcome is ImportOutcome.COMMITTED else 0,
        rows_rejected=checked.rows_rejected,
        errors=first_row_errors(checked.errors, ERRORS_KEPT),
        errors_total=checked.errors.height,
        error_table=checked.errors,
        seconds=clock.seconds,
    )


def unchanged_result(kind: str, name: str, batch_id: int, clock: ImportClock) -> ImportResult:
    """The result of importing content already stored as batch ``batch_id``."""
    clock.stage("done", 1.0)
    return ImportResult(
        kind=str(kind),
        source_name=name,
        outcome=ImportOutcome.UNCHANGED,
        already_imported_as=batch_id,
        seconds=clock.seconds,
    )
