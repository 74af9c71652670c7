"""Writes on accounts: importing the account master data (upsert by external id).

An import is one transaction of bulk operations, a fixed number of queries whatever the
file's size. Columns: an absent column leaves the stored values alone; a present but
empty cell clears the value (a blank parent makes the account a top-level group), except
the status, which an empty cell leaves as it is (``active`` for a new account).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections, transaction
from django.db.models import Field
from django.utils import timezone

from kam.accounts.models import Account, AccountStatus
from kam.importing.account_rules import validate_accounts
from kam.importing.errors import ImportFileError
from kam.importing.pipeline import (
    ImportClock,
    Progress,
    Source,
    read_file,
    read_frame,
    result_of,
    storable,
    unchanged_result,
    unreadable,
)
from kam.importing.report import ImportOutcome, ImportResult
from kam.importing.validation import Checked
from kam.sales.models import ImportKind
from kam.sales.services import already_imported, import_allowed, record_committed, reject

# Columns of the file and the model fields they set (the parent is set in a second step,
# once every account of the file exists).
FIELDS = (
    "name",
    "sector",
    "country",
    "countries_of_operation",
    "employees",
    "market_share",
    "spend_potential",
    "strategic_fit",
    "status",
)
_DECIMALS = {"market_share": pl.Decimal(7, 6), "spend_potential": pl.Decimal(16, 2)}
_STORED_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "external_id": pl.String(),
    "parent_ext": pl.String(),
    "name": pl.String(),
    "sector": pl.String(),
    "country": pl.String(),
    "countries_of_operation": pl.List(pl.String),
    "employees": pl.Int64(),
    "market_share": pl.Float64(),
    "spend_potential": pl.Float64(),
    "strategic_fit": pl.Int64(),
    "status": pl.String(),
}


def accounts_import(
    *,
    path: Path,
    user: AbstractBaseUser | None,
    source_name: str | None = None,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update accounts from a file (CSV, XLSX or Parquet), matched by external
    id. A parent group may be defined anywhere in the file. By default a file with any
    error changes nothing; ``skip_invalid`` stores the valid rows. The same file with the
    same options is applied once (UNCHANGED afterwards)."""
    import_allowed(user)
    clock = ImportClock(progress)
    path = Path(path)
    name = source_name or path.name
    clock.stage("reading", 0.0)
    source, digest = read_file(
        path,
        name=name,
        kind=ImportKind.ACCOUNTS,
        options={"map": sorted((column_map or {}).items())},
    )
    return _ingest(
        source,
        digest=digest,
        name=name,
        user=user,
        column_map=column_map,
        skip_invalid=skip_invalid,
        clock=clock,
        dry_run=dry_run,
    )


def accounts_import_frame(
    *,
    frame: pl.DataFrame,
    source_name: str,
    user: AbstractBaseUser | None,
    skip_invalid: bool = False,
) -> ImportResult:
    """Create or update accounts given as a frame with the canonical column names (the
    demo generator): the same validation and storage as :func:`accounts_import`."""
    import_allowed(user)
    source, digest = read_frame(frame, kind=ImportKind.ACCOUNTS, options={"map": []})
    return _ingest(
        source,
        digest=digest,
        name=source_name,
        user=user,
        column_map=None,
        skip_invalid=skip_invalid,
        clock=ImportClock(None),
        dry_run=False,
    )


def _ingest(
    source: Source,
    *,
    digest: str,
    name: str,
    user: AbstractBaseUser | None,
    column_map: dict[str, str] | None,
    skip_invalid: bool,
    clock: ImportClock,
    dry_run: bool,
) -> ImportResult:
    kind = ImportKind.ACCOUNTS
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
    clock.stage("validating", 0.3)
    # Read, check and write in one transaction, so that the groups checked for cycles are
    # the groups written to (SQLite serialises write transactions from their start).
    with transaction.atomic():
        stored = _stored_accounts()
        checked = validate_accounts(
            source,
            column_map=column_map,
            skip_invalid=skip_invalid,
            existing=stored.select("external_id", pl.col("parent_ext").alias("parent_id")),
        )
        if storable(checked, skip_invalid) and not dry_run:
            clock.stage("writing", 0.6)
            created, updated = _upsert(checked, stored)
            clock.stage("committing", 0.9)
            batch = record_committed(
                kind, checked, name=name, digest=digest, user=user, clock=clock
            )
            result = result_of(kind, checked, name, ImportOutcome.COMMITTED, clock)
            result.batch_id, result.created, result.updated = batch.pk, created, updated
            return result
    if storable(checked, skip_invalid):  # a dry run
        return result_of(kind, checked, name, ImportOutcome.VALIDATED, clock)
    return reject(
        kind, checked, name=name, digest=digest, user=user, clock=clock, record=not dry_run
    )


def _stored_accounts() -> pl.DataFrame:
    """Every stored account's importable fields, in one query."""
    rows = Account.objects.values_list(
        "id",
        "external_id",
        "parent__external_id",
        "name",
        "sector",
        "country",
        "countries_of_operation",
        "employees",
        "market_share",
        "spend_potential",
        "strategic_fit",
        "status",
    )
    frame = pl.DataFrame(
        [[*r[:8], _float(r[8]), _float(r[9]), *r[10:]] for r in rows],
        schema=_STORED_SCHEMA,
        orient="row",
    )
    return frame


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _upsert(checked: Checked, stored: pl.DataFrame) -> tuple[int, int]:
    """Create the new accounts, update the changed ones, then set parents. Returns the
    numbers of accounts created and of existing accounts changed."""
    present = [f for f in FIELDS if f in checked.headers]
    incoming = _as_stored(checked.valid, present)
    new = incoming.join(stored.select("external_id"), on="external_id", how="anti")
    _insert_rows(new, present)
    old = incoming.join(stored, on="external_id", how="inner", suffix="_stored")
    if "status" in present:  # an empty status cell keeps the stored status
        old = old.with_columns(pl.col("status").fill_null(pl.col("status_stored")))
    changed = old.filter(
        pl.any_horizontal(
            [pl.col(f).ne_missing(pl.col(f"{f}_stored")) for f in present] or [pl.lit(False)]
        )
    )
    _update_rows(
        changed.with_columns(pl.lit(timezone.now()).alias("updated_at")), [*present, "updated_at"]
    )
    touched = set(changed["external_id"].to_list())
    if "parent_id" in checked.headers:
        reparented = _set_parents(incoming, stored)
        touched |= reparented & set(old["external_id"].to_list())
    return new.height, len(touched)


def _insert_rows(rows: pl.DataFrame, fields: list[str]) -> None:
    """Insert the new accounts in ``rows`` with the values of ``fields`` (an empty status
    is ``active``); every other column gets the model's default. One INSERT statement
    executed for every row: building 100,000 model objects for ``bulk_create`` costs
    more than the insert itself."""
    if rows.height == 0:
        return
    if "status" in fields:
        rows = rows.with_columns(pl.col("status").fill_null(pl.lit(AccountStatus.ACTIVE.value)))
    now = timezone.now()
    given = ["external_id", *fields]
    others = [f for f in _concrete().values() if not f.primary_key and f.name not in given]
    constants = [
        f.get_db_prep_save(
            now if f.name in ("created_at", "updated_at") else f.get_default(), connection
        )
        for f in others
    ]
    _execute_for_rows(
        "INSERT INTO {table} ({columns}) VALUES ({values})",
        rows.select(given),
        [_concrete()[n] for n in given],
        others,
        constants,
    )


def _update_rows(rows: pl.DataFrame, fields: list[str]) -> None:
    """Write ``fields`` of the accounts in ``rows`` (which has their ``id``): one UPDATE
    statement executed for every row. Django's ``bulk_update`` builds a CASE expression
    per row and field in Python, which takes minutes for 100,000 accounts; this takes
    seconds."""
    if rows.height == 0:
        return
    _execute_for_rows(
        "UPDATE {table} SET {assignments} WHERE {id} = %s",
        rows.select(*fields, "id"),
        [_concrete()[n] for n in fields],
        [],
        [],
    )


def _concrete() -> dict[str, Field[Any, Any]]:
    return {f.name: f for f in Account._meta.concrete_fields}


def _execute_for_rows(
    template: str,
    values: pl.DataFrame,
    fields: list[Field[Any, Any]],
    constant_fields: list[Field[Any, Any]],
    constants: list[Any],
) -> None:
    """Run ``template`` once per row of ``values`` (whose columns are ``fields``, the
    last one of an UPDATE being the id), then ``constants`` for ``constant_fields``.
    Every value goes through its field's own conversion for the database."""
    quote = connection.ops.quote_name
    columns = [quote(str(f.column)) for f in (*fields, *constant_fields)]
    sql = template.format(  # the names come from the model, never from the file
        table=quote(Account._meta.db_table),
        columns=", ".join(columns),
        values=", ".join(["%s"] * len(columns)),
        assignments=", ".join(f"{c} = %s" for c in columns),
        id=quote(str(_concrete()["id"].column)),
    )
    width = len(fields)
    db = connections[Account.objects.db]  # the connection itself, not the per-thread proxy
    params = [
        [f.get_db_prep_save(v, db) for f, v in zip(fields, row[:width], strict=True)]
        + list(row[width:])
        + constants
        for row in values.iter_rows()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _as_stored(valid: pl.DataFrame, present: list[str]) -> pl.DataFrame:
    """The valid rows in the stored representation: a cleared text is "", a cleared list
    is [], an empty status keeps the stored one (filled in later)."""
    columns = [pl.col("external_id")]
    if "parent_id" in valid.columns:
        columns.append(pl.col("parent_id"))
    for name in present:
        column = pl.col(name)
        if name in ("sector", "country"):
            column = column.fill_null("")
        elif name == "countries_of_operation":
            column = column.fill_null(pl.lit([], dtype=pl.List(pl.String)))
        elif name in ("employees", "strategic_fit"):
            column = column.cast(pl.Int64)
        elif name in _DECIMALS:
            column = column.round(_DECIMALS[name].scale or 0)
        columns.append(column.alias(name))
    return valid.select(columns)


def _set_parents(incoming: pl.DataFrame, stored: pl.DataFrame) -> set[str]:
    """Point each account of the file to its parent (by external id) where it changed;
    returns the external ids whose parent changed."""
    ids = pl.DataFrame(
        list(Account.objects.values_list("external_id", "id")),
        schema={"external_id": pl.String, "id": pl.Int64},
        orient="row",
    )
    wanted = (
        incoming.select("external_id", "parent_id")
        .join(stored.select("external_id", "parent_ext"), on="external_id", how="left")
        .filter(pl.col("parent_id").ne_missing(pl.col("parent_ext")))
        .join(ids, on="external_id")
        .join(ids.rename({"external_id": "parent_id", "id": "parent"}), on="parent_id", how="left")
    )
    _update_rows(wanted, ["parent"])
    return set(wanted["external_id"].to_list())
