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

from kam.ledger.schema import LEDGER_SCHEMA, conform

if TYPE_CHECKING:  # ibis is imported when the ledger is read: it costs ~0.2 s at start-up
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
        """All order lines of the given committed batches, as one Ibis table.

        Lines of a batch are hidden where a later batch replaces their period, so a
        correction never shows twice. With no batch, an empty table of the same schema.
        """
        import ibis

        con = ibis.duckdb.connect()
        if not batches:
            return con.sql(_EMPTY_LEDGER_SQL)
        ordered = sorted(batches, key=lambda b: b.batch_id)
        paths = [str(self.path(b.file_name)) for b in ordered]
        replacing = [b for b in ordered if b.replaces_from and b.replaces_to]
        if not replacing:
            return con.read_parquet(paths, table_name="ledger")
        lines = con.read_parquet(paths, table_name="ledger_files", filename=True)
        files = ibis.memtable({"filename": paths, "batch_id": [b.batch_id for b in ordered]})
        replacements = ibis.memtable(
            {
                "by_batch": [b.batch_id for b in replacing],
                "from_date": [b.replaces_from for b in replacing],
                "to_date": [b.replaces_to for b in replacing],
            }
        ).cast({"from_date": "date", "to_date": "date"})
        tagged = lines.join(files, "filename").drop("filename")
        visible = tagged.anti_join(
            replacements,
            [
                tagged.batch_id < replacements.by_batch,
                tagged.order_date >= replacements.from_date,
                tagged.order_date <= replacements.to_date,
            ],
        )
        return visible.select(*LEDGER_SCHEMA)


_DUCKDB_TYPES = {pl.String(): "VARCHAR", pl.Date(): "DATE", pl.Float64(): "DOUBLE"}
_EMPTY_LEDGER_SQL = (
    "SELECT "
    + ", ".join(
        f"CAST(NULL AS {_DUCKDB_TYPES[dtype]}) AS {name}" for name, dtype in LEDGER_SCHEMA.items()
    )
    + " WHERE FALSE"
)


def _safe_name(file_name: str) -> str:
    """Batch names come from the DB; refuse anything that could leave the folder."""
    if "/" in file_name or "\\" in file_name or file_name.startswith(".."):
        raise ValueError(f"not a ledger batch file name: {file_name!r}")
    return file_name
