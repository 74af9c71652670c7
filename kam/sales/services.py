"""Writes on the sales ledger: importing order lines (one path for every file format and
every entry point: CLI, upload page, demo generator) and checking the ledger's files.

Write order (ARCHITECTURE.md), under the ledger lock: the batch file is written (tmp →
fsync → rename), then the ``ImportBatch`` is committed in one DB transaction; if the
commit fails the file is removed. A crash anywhere leaves the ledger as it was, plus at
worst an orphan file that :func:`ledger_check` finds and cleans.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kam.accounts.models import Account
from kam.core.roles import can_import
from kam.importing.errors import ROW, ImportFileError
from kam.importing.pipeline import (
    ImportClock,
    Progress,
    Source,
    read_file,
    read_frame,
    recorded_errors,
    result_of,
    storable,
    unchanged_result,
    unreadable,
)
from kam.importing.readers import RawTable
from kam.importing.report import ImportOutcome, ImportResult
from kam.importing.sales_rules import LedgerLookup, ledger_frame, number_columns, validate_sales
from kam.importing.validation import Checked
from kam.ledger.store import ParquetLedger
from kam.sales.models import BatchStatus, ImportBatch, ImportKind
from kam.sales.selectors import committed_ledger_batches, ledger

# Crash-safety tests only: when set, an import creates this file once its batch file is
# in place, then waits (to be killed) before the DB commit. See tests/sales.
PAUSE_ENV = "KAM_IMPORT_PAUSE_FILE"


def sales_import(
    *,
    path: Path,
    user: AbstractBaseUser | None,
    source_name: str | None = None,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
    replace_period: tuple[date, date] | None = None,
    date_format: str | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a file of order lines (CSV, XLSX or Parquet) into the sales ledger.

    By default a file with any error stores nothing (outcome REJECTED); ``skip_invalid``
    stores the valid lines and reports the others. The same file with the same options
    is stored once (UNCHANGED the next times). ``replace_period`` (first, last day) makes
    this batch replace earlier batches' lines in that period; the file's lines must all
    be in it. ``dry_run`` validates and stores nothing (not even the rejection)."""
    import_allowed(user)
    clock = ImportClock(progress)
    path = Path(path)
    name = source_name or path.name
    clock.stage("reading", 0.0)
    source, digest = read_file(
        path,
        name=name,
        kind=ImportKind.SALES,
        numeric=number_columns(column_map),
        options=_options(column_map, date_format, replace_period),
    )
    return _ingest(
        source,
        digest=digest,
        name=name,
        user=user,
        column_map=column_map,
        skip_invalid=skip_invalid,
        replace_period=replace_period,
        date_format=date_format,
        clock=clock,
        dry_run=dry_run,
    )


def sales_import_frame(
    *,
    frame: pl.DataFrame,
    source_name: str,
    user: AbstractBaseUser | None,
    skip_invalid: bool = False,
    replace_period: tuple[date, date] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import order lines given as a frame with the canonical column names (the demo
    generator): the same validation and storage as :func:`sales_import`."""
    import_allowed(user)
    clock = ImportClock(progress)
    clock.stage("reading", 0.0)
    source, digest = read_frame(
        frame, kind=ImportKind.SALES, options=_options(None, None, replace_period)
    )
    return _ingest(
        source,
        digest=digest,
        name=source_name,
        user=user,
        column_map=None,
        skip_invalid=skip_invalid,
        replace_period=replace_period,
        date_format=None,
        clock=clock,
        dry_run=False,
    )


def import_allowed(user: AbstractBaseUser | None) -> None:
    """Only directors import; ``None`` is the system itself (CLI without ``--as``)."""
    if user is not None and not can_import(user):
        raise PermissionDenied("Only directors may import data.")


def as_creator(user: AbstractBaseUser | None) -> Any:
    """The user recorded on an ImportBatch (the project's user model, typed loosely so that
    any AbstractBaseUser the views hand over is accepted)."""
    return user


def _options(
    column_map: dict[str, str] | None,
    date_format: str | None,
    replace_period: tuple[date, date] | None,
) -> dict[str, object]:
    return {
        "map": sorted((column_map or {}).items()),
        "date_format": date_format,
        "replace_period": [d.isoformat() for d in replace_period] if replace_period else None,
    }


def already_imported(kind: str, digest: str) -> int | None:
    """The committed batch that already holds this content, if any."""
    return (
        ImportBatch.objects.filter(kind=kind, content_hash=digest, status=BatchStatus.COMMITTED)
        .values_list("id", flat=True)
        .first()
    )


def _ingest(
    source: Source,
    *,
    digest: str,
    name: str,
    user: AbstractBaseUser | None,
    column_map: dict[str, str] | None,
    skip_invalid: bool,
    replace_period: tuple[date, date] | None,
    date_format: str | None,
    clock: ImportClock,
    dry_run: bool,
) -> ImportResult:
    kind = ImportKind.SALES
    batch_id = already_imported(kind, digest)
    if batch_id is not None:
        return unchanged_result(kind, name, batch_id, clock)
    if isinstance(source, ImportFileError):
        return reject(
            kind,
            unreadable(source),
            name=name,
            digest=digest,
            user=user,
            clock=clock,
            record=not dry_run,
        )
    store = ledger()
    clock.stage("validating", 0.3)
    if dry_run:
        checked = _validate(source, store, column_map, date_format, replace_period)
        if not storable(checked, skip_invalid):
            return reject(
                kind, checked, name=name, digest=digest, user=user, clock=clock, record=False
            )
        return result_of(kind, checked, name, ImportOutcome.VALIDATED, clock)
    with store.lock():  # validation against the ledger, the write and the commit: atomic
        batch_id = already_imported(kind, digest)
        if batch_id is not None:
            return unchanged_result(kind, name, batch_id, clock)
        checked = _validate(source, store, column_map, date_format, replace_period)
        if storable(checked, skip_invalid):
            batch = _store(
                checked,
                store,
                digest=digest,
                name=name,
                user=user,
                replace_period=replace_period,
                clock=clock,
            )
            result = result_of(kind, checked, name, ImportOutcome.COMMITTED, clock)
            result.batch_id = batch.pk
            return result
    return reject(kind, checked, name=name, digest=digest, user=user, clock=clock)


def _validate(
    source: RawTable,
    store: ParquetLedger,
    column_map: dict[str, str] | None,
    date_format: str | None,
    replace_period: tuple[date, date] | None,
) -> Checked:
    known = pl.Series(
        "external_id",
        list(Account.objects.values_list("external_id", flat=True)),
        dtype=pl.String,
    )
    checked = validate_sales(
        source,
        known_accounts=known,
        column_map=column_map,
        date_format=date_format,
        replace_period=replace_period,
        existing_lines=_ledger_lookup(store, replace_period),
    )
    source.release()  # the typed rows keep what they need; free the text before writing
    return checked


def _ledger_lookup(
    store: ParquetLedger, replace_period: tuple[date, date] | None
) -> LedgerLookup | None:
    """How to find a file's lines already in the ledger (None when the ledger is empty:
    nothing to look up). A semi-join in DuckDB; only the matches come back."""
    batches = committed_ledger_batches()
    if not batches:
        return None

    def lookup(lines: pl.DataFrame) -> pl.DataFrame:
        import ibis

        key = ["order_id", "product"]
        visible = store.table(batches)
        if replace_period is not None:  # lines in the period are replaced, not duplicated
            visible = visible.filter(~visible.order_date.between(*replace_period))
        keys = ibis.memtable(lines.select(key).unique())
        hits = keys.semi_join(visible, key).to_polars()
        if hits.height == 0:
            return pl.DataFrame(schema={ROW: pl.Int64, "batch_id": pl.Int64})
        con = ibis.duckdb.connect()
        paths = [str(store.path(b.file_name)) for b in batches]
        tagged = con.read_parquet(paths, filename=True).join(
            ibis.memtable({"filename": paths, "batch_id": [b.batch_id for b in batches]}),
            "filename",
        )
        where = tagged.semi_join(ibis.memtable(hits), key)
        holders = where.group_by(key).aggregate(batch_id=where.batch_id.max()).to_polars()
        return lines.join(holders, on=key).select(ROW, pl.col("batch_id").cast(pl.Int64))

    return lookup


def _store(
    checked: Checked,
    store: ParquetLedger,
    *,
    digest: str,
    name: str,
    user: AbstractBaseUser | None,
    replace_period: tuple[date, date] | None,
    clock: ImportClock,
) -> ImportBatch:
    lines = ledger_frame(checked.valid)
    clock.stage("writing", 0.6)
    file_name = store.write_batch(lines)
    _pause_if_testing_crashes(file_name)
    clock.stage("committing", 0.9)
    totals = lines.select(
        pl.col("order_date").min().alias("start"),
        pl.col("order_date").max().alias("end"),
        pl.col("amount").sum().alias("amount"),
    ).row(0, named=True)
    try:
        with transaction.atomic():
            batch = ImportBatch(
                kind=ImportKind.SALES,
                source_name=name[:255],
                content_hash=digest,
                status=BatchStatus.COMMITTED,
                file_name=file_name,
                rows_read=checked.rows_read,
                rows_stored=lines.height,
                rows_rejected=checked.rows_rejected,
                period_start=totals["start"],
                period_end=totals["end"],
                replaces_from=replace_period[0] if replace_period else None,
                replaces_to=replace_period[1] if replace_period else None,
                amount_total=_money(totals["amount"]),
                errors=recorded_errors(checked),
                created_by=as_creator(user),
                seconds=clock.seconds,
            )
            batch.full_clean()
            batch.save()
    except BaseException:
        store.remove(file_name)  # never leave a file that no committed batch owns
        raise
    return batch


def _money(value: float | None) -> Decimal | None:
    # amount_total has 18 integer digits; beyond that (absurd data) it is not recorded.
    if value is None or not abs(value) < 1e17:
        return None
    return Decimal(repr(round(value, 2))).quantize(Decimal("0.01"))


def _pause_if_testing_crashes(file_name: str) -> None:
    marker = os.environ.get(PAUSE_ENV)
    if marker:
        Path(marker).write_text(file_name)
        time.sleep(120)


def record_committed(
    kind: str,
    checked: Checked,
    *,
    name: str,
    digest: str,
    user: AbstractBaseUser | None,
    clock: ImportClock,
    period: tuple[date | None, date | None] = (None, None),
) -> ImportBatch:
    """Record a committed import of rows kept in the database (accounts, contacts,
    activities): the import register that makes the same file twice a no-op and lists
    every import on the imports page. Called inside the import's transaction."""
    batch = ImportBatch(
        kind=kind,
        source_name=name[:255],
        content_hash=digest,
        status=BatchStatus.COMMITTED,
        rows_read=checked.rows_read,
        rows_stored=checked.valid.height,
        rows_rejected=checked.rows_rejected,
        period_start=period[0],
        period_end=period[1],
        errors=recorded_errors(checked),
        created_by=as_creator(user),
        seconds=clock.seconds,
    )
    batch.full_clean()
    batch.save()
    return batch


def reject(
    kind: str,
    checked: Checked,
    *,
    name: str,
    digest: str,
    user: AbstractBaseUser | None,
    clock: ImportClock,
    record: bool = True,
) -> ImportResult:
    """A rejected import: nothing stored, the rejection recorded as an ImportBatch (with
    its first errors) unless ``record`` is false (dry run)."""
    result = result_of(kind, checked, name, ImportOutcome.REJECTED, clock)
    if record:
        batch = ImportBatch(
            kind=kind,
            source_name=name[:255],
            content_hash=digest,
            status=BatchStatus.REJECTED,
            rows_read=checked.rows_read,
            rows_stored=0,
            rows_rejected=checked.rows_rejected,
            errors=recorded_errors(checked),
            created_by=as_creator(user),
            seconds=clock.seconds,
        )
        batch.full_clean()
        batch.save()
        result.batch_id = batch.pk
    return result


# -- kam check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerCheck:
    """The ledger's files against the committed batches. Orphans (files no committed
    batch owns, left by an interrupted import) are harmless and cleaned; a committed
    batch whose file is missing means lost data: ``ok`` is false."""

    committed: int
    orphans: list[str] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)  # (batch id, file name)
    cleaned: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "committed_batches": self.committed,
            "orphan_files": self.orphans,
            "orphans_removed": self.cleaned,
            "missing_files": [{"batch_id": b, "file_name": f} for b, f in self.missing],
        }


def ledger_check(*, clean: bool) -> LedgerCheck:
    """Compare the ledger folder with the committed batches; with ``clean``, remove the
    orphan files. Holds the ledger lock, so a batch being committed is never taken for
    an orphan."""
    store = ledger()
    with store.lock():
        batches = committed_ledger_batches()
        orphans = store.orphans({b.file_name for b in batches})
        missing = [
            (b.batch_id, b.file_name) for b in batches if not store.path(b.file_name).is_file()
        ]
        if clean:
            for orphan in orphans:
                orphan.unlink(missing_ok=True)
    return LedgerCheck(
        committed=len(batches),
        orphans=[p.name for p in orphans],
        missing=missing,
        cleaned=clean and bool(orphans),
    )
