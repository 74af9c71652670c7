"""The sales ledger on disk: immutable Parquet batch files under one folder.

Consistency rule (ARCHITECTURE.md): a batch is written to a temporary name, fsynced,
renamed into place, and only then committed in the relational DB by the caller. Only
files of committed batches are read, so a crash at any point leaves either nothing or an
orphan file, which :meth:`ParquetLedger.orphans` finds and ``kam check`` removes.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from kam.ledger.schema import LEDGER_COLUMNS, LEDGER_SCHEMA, conform

if TYPE_CHECKING:  # imported when the ledger is read: Ibis costs ~0.4 s at start-up
    import duckdb
    import ibis

BATCH_SUFFIX = ".parquet"
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class LedgerBatch:
    """What the ledger needs to know of a committed batch to read it."""

    batch_id: int
    file_name: str
    replaces_from: date | None = None
    replaces_to: date | None = None


class ParquetLedger:
    """Order lines kept as Parquet files in ``root``, queried through Ibis on DuckDB."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock held while a batch is written and committed, and while
        orphans are cleaned, so that cleaning never removes a batch being committed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def write_batch(self, frame: pl.DataFrame) -> str:
        """Write ``frame`` as a new batch file and return its name (not yet committed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"batch-{uuid.uuid4().hex}{BATCH_SUFFIX}"
        tmp = self.root / f"{TMP_PREFIX}{name}"
        conform(frame).write_parquet(tmp, compression="zstd", statistics=True)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, self.root / name)
        self._fsync_dir()
        return name

    def remove(self, file_name: str) -> None:
        """Remove a batch file that was written but will not be committed."""
        (self.root / _safe_name(file_name)).unlink(missing_ok=True)

    def _fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # -- housekeeping --------------------------------------------------------------------

    def orphans(self, committed: set[str]) -> list[Path]:
        """Files in the ledger folder that no committed batch owns: temporary files left
        by an interrupted write, and batch files whose DB commit never happened."""
        if not self.root.exists():
            return []
        found = []
        for path in sorted(self.root.iterdir()):
            if path.name == ".lock" or not path.is_file():
                continue
            is_tmp = path.name.startswith(TMP_PREFIX)
            if is_tmp or (path.suffix == BATCH_SUFFIX and path.name not in committed):
                found.append(path)
        return found

    # -- reading -------------------------------------------------------------------------

    def path(self, file_name: str) -> Path:
        return self.root / _safe_name(file_name)

    def table(self, batches: Sequence[LedgerBatch]) -> ibis.Table:
        """All order lines of the given committed batches, as one Ibis table (the view
        of :meth:`connect`). With no batch, an empty table of the same schema."""
        import ibis

        return ibis.duckdb.from_connection(self.connect(batches)).table(LEDGER_VIEW)

    def connect(self, batches: Sequence[LedgerBatch]) -> duckdb.DuckDBPyConnection:
        """A new in-memory DuckDB connection with the order lines of the given committed
        batches as the view ``ledger`` (:data:`LEDGER_VIEW`), in the ledger's columns.

        Lines of a batch are hidden where a later batch replaces their period, so a
        correction never shows twice. With no batch, the view is empty. Opening it
        imports DuckDB only (not Ibis): what the feature query of ``kam score`` needs."""
        import duckdb

        connection = duckdb.connect()
        connection.execute(f"CREATE VIEW {LEDGER_VIEW} AS {self._lines_sql(batches)}")
        return connection

    def _lines_sql(self, batches: Sequence[LedgerBatch]) -> str:
        """The SELECT of the ledger view. A view takes no parameters: paths, ids and
        dates are written as SQL literals (paths quoted, ids ints, dates ISO)."""
        if not batches:
            return _EMPTY_LEDGER_SQL
        ordered = sorted(batches, key=lambda b: b.batch_id)
        paths = [_quoted(str(self.path(b.file_name))) for b in ordered]
        replacing = [b for b in ordered if b.replaces_from and b.replaces_to]
        if not replacing:
            return f"SELECT {', '.join(LEDGER_COLUMNS)} FROM read_parquet([{', '.join(paths)}])"
        files = ", ".join(
            f"({path}, {b.batch_id:d})" for path, b in zip(paths, ordered, strict=True)
        )
        periods = ", ".join(
            f"({b.batch_id:d}, DATE '{b.replaces_from.isoformat()}', "
            f"DATE '{b.replaces_to.isoformat()}')"
            for b in replacing
            if b.replaces_from and b.replaces_to
        )
        # A line is hidden when a later batch (a higher id) replaces the period it is in.
        return (
            f"SELECT {', '.join(f'line.{name}' for name in LEDGER_COLUMNS)} "
            f"FROM read_parquet([{', '.join(paths)}], filename = true) AS line "
            f"JOIN (VALUES {files}) AS file(filename, batch_id) "
            "ON line.filename = file.filename "
            f"WHERE NOT EXISTS (SELECT 1 FROM (VALUES {periods}) "
            "AS later(batch_id, from_date, to_date) WHERE file.batch_id < later.batch_id "
            "AND line.order_date BETWEEN later.from_date AND later.to_date)"
        )


# The name of the view of the order lines in a ledger connection.
LEDGER_VIEW = "ledger"
_DUCKDB_TYPES = {pl.String(): "VARCHAR", pl.Date(): "DATE", pl.Float64(): "DOUBLE"}
_EMPTY_LEDGER_SQL = (
    "SELECT "
    + ", ".join(
        f"CAST(NULL AS {_DUCKDB_TYPES[dtype]}) AS {name}" for name, dtype in LEDGER_SCHEMA.items()
    )
    + " WHERE FALSE"
)


def _quoted(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _safe_name(file_name: str) -> str:
    """Batch names come from the DB; refuse anything that could leave the folder."""
    if "/" in file_name or "\\" in file_name or file_name.startswith(".."):
        raise ValueError(f"not a ledger batch file name: {file_name!r}")
    return file_name
