"""Importing activities from a file (CSV, XLSX, Parquet) or a frame (the demo): the one
import path of kam (:mod:`kam.importing`), with its rules: row and column errors,
all-or-nothing unless ``skip_invalid``, dry runs, and the same file applied once.

Activities are upserted by external id: importing a corrected file again updates its
rows instead of doubling them. Imported activities have no author. One transaction, a
fixed number of queries per import (bulk inserts and updates).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from kam.accounts.models import Account, Contact
from kam.engagement.catalogue import seeded_label
from kam.engagement.models import Activity, Channel
from kam.importing.activity_rules import channel_key, validate_activities
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
from kam.sales.models import ImportKind
from kam.sales.services import already_imported, import_allowed, record_committed, reject

KIND = ImportKind.ACTIVITIES
STORED_FIELDS = (
    "account_id",
    "channel_id",
    "occurred_on",
    "subject",
    "outcome",
    "cost",
    "order_amount",
    "order_reference",
)
BULK_BATCH = 1000


def activities_import(
    *,
    path: Path,
    user: AbstractBaseUser | None,
    source_name: str | None = None,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
    date_format: str | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update activities from a file, matched by external id. By default a
    file with any error changes nothing; ``skip_invalid`` stores the valid rows. The
    same file with the same options is applied once (UNCHANGED afterwards)."""
    import_allowed(user)
    clock = ImportClock(progress)
    path = Path(path)
    name = source_name or path.name
    clock.stage("reading", 0.0)
    source, digest = read_file(
        path,
        name=name,
        kind=KIND,
        options={"map": sorted((column_map or {}).items()), "date_format": date_format},
    )
    return _ingest(
        source,
        digest=digest,
        name=name,
        user=user,
        column_map=column_map,
        skip_invalid=skip_invalid,
        date_format=date_format,
        clock=clock,
        dry_run=dry_run,
    )


def activities_import_frame(
    *,
    frame: pl.DataFrame,
    source_name: str,
    user: AbstractBaseUser | None,
    skip_invalid: bool = False,
) -> ImportResult:
    """Create or update activities given as a frame with the canonical column names (the
    demo generator): the same validation and storage as :func:`activities_import`."""
    import_allowed(user)
    source, digest = read_frame(frame, kind=KIND, options={"map": [], "date_format": None})
    return _ingest(
        source,
        digest=digest,
        name=source_name,
        user=user,
        column_map=None,
        skip_invalid=skip_invalid,
        date_format=None,
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
    date_format: str | None,
    clock: ImportClock,
    dry_run: bool,
) -> ImportResult:
    batch_id = already_imported(KIND, digest)
    if batch_id is not None:
        return unchanged_result(KIND, name, batch_id, clock)
    if isinstance(source, ImportFileError):
        return reject(
            KIND,
            unreadable(source),
            name=name,
            digest=digest,
            user=user,
            clock=clock,
            record=not dry_run,
        )
    clock.stage("validating", 0.3)
    with transaction.atomic():
        checked = validate_activities(
            source,
            known_accounts=_known_accounts(),
            known_channels=_known_channels(),
            known_contacts=_known_contacts(),
            column_map=column_map,
            date_format=date_format,
            today=timezone.localdate(),
        )
        if storable(checked, skip_invalid) and not dry_run:
            clock.stage("writing", 0.6)
            created, updated = _upsert(checked.valid)
            clock.stage("committing", 0.9)
            batch = record_committed(
                KIND,
                checked,
                name=name,
                digest=digest,
                user=user,
                clock=clock,
                period=_period(checked.valid),
            )
            result = result_of(KIND, checked, name, ImportOutcome.COMMITTED, clock)
            result.batch_id, result.created, result.updated = batch.pk, created, updated
            return result
    if storable(checked, skip_invalid):  # a dry run
        return result_of(KIND, checked, name, ImportOutcome.VALIDATED, clock)
    return reject(
        KIND, checked, name=name, digest=digest, user=user, clock=clock, record=not dry_run
    )


def _period(valid: pl.DataFrame) -> tuple[date | None, date | None]:
    column = pl.col("occurred_on")
    first, last = valid.select(column.min().alias("first"), column.max().alias("last")).row(0)
    return first, last


# -- what the file refers to, one query each --------------------------------------------------


def _known_accounts() -> pl.DataFrame:
    return pl.DataFrame(
        list(Account.objects.values_list("external_id", "id")),
        schema={"external_id": pl.String, "account_id": pl.Int64},
        orient="row",
    )


def _known_channels() -> pl.DataFrame:
    """Every channel under its code and its name, and a seeded channel also under its
    name in every language of kam ("Visite" finds the visits)."""
    from django.conf import settings

    codes: list[tuple[str, int, float]] = []
    names: list[tuple[str, int, float]] = []
    for code, name, pk, cost in Channel.objects.values_list("code", "name", "id", "unit_cost"):
        codes.append((code, pk, float(cost)))
        shown = {name}
        for language, _label in settings.LANGUAGES:
            with override(language):
                shown.add(seeded_label(code, name) or name)
        names += [(n, pk, float(cost)) for n in sorted(shown)]
    frame = pl.DataFrame(
        codes + names,
        schema={"key": pl.String, "channel_id": pl.Int64, "unit_cost": pl.Float64},
        orient="row",
    )
    # Codes first, so that a code wins over another channel's name that reads the same.
    return frame.select(channel_key(pl.col("key")).alias("key"), "channel_id", "unit_cost")


def _known_contacts() -> pl.DataFrame:
    return pl.DataFrame(
        list(
            Contact.objects.exclude(external_id="").values_list("account_id", "external_id", "id")
        ),
        schema={"account_id": pl.Int64, "external_id": pl.String, "contact_id": pl.Int64},
        orient="row",
    )


# -- storage --------------------------------------------------------------------------------------


def _upsert(valid: pl.DataFrame) -> tuple[int, int]:
    """Create the new activities and update the ones already imported (by external id);
    the contacts of every row of the file are set to the file's. Returns the numbers of
    activities created and updated."""
    ids = list(valid["external_id"])
    existing: dict[str | None, int] = {}
    for chunk in _chunks(ids):
        existing.update(
            Activity.objects.filter(external_id__in=chunk).values_list("external_id", "id")
        )
    now = timezone.now()
    new: list[Activity] = []
    old: list[Activity] = []
    for row in valid.iter_rows(named=True):
        values = _model_values(row)
        pk = existing.get(row["external_id"])
        if pk is None:
            new.append(Activity(external_id=row["external_id"], created_at=now, **values))
        else:
            old.append(Activity(pk=pk, external_id=row["external_id"], **values))
    Activity.objects.bulk_create(new, batch_size=BULK_BATCH)
    if any(a.pk is None for a in new):  # a database that does not return new ids
        for chunk in _chunks([a.external_id for a in new]):
            found = dict(
                Activity.objects.filter(external_id__in=chunk).values_list("external_id", "id")
            )
            for activity in new:
                activity.pk = activity.pk or found.get(activity.external_id)
    Activity.objects.bulk_update(old, list(STORED_FIELDS), batch_size=BULK_BATCH)
    _set_contacts(valid, {a.external_id: a.pk for a in [*new, *old]}, replace=bool(old))
    return len(new), len(old)


def _model_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": row["account_id"],
        "channel_id": row["channel_id"],
        "occurred_on": row["occurred_on"],
        "subject": row["subject"],
        "outcome": row["outcome"],
        "cost": _money(row["cost"]),
        "order_amount": _money(row["order_amount"]),
        "order_reference": row["order_reference"],
    }


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(round(value, 2))).quantize(Decimal("0.01"))


def _set_contacts(valid: pl.DataFrame, pks: dict[str | None, int | None], *, replace: bool) -> None:
    through = Activity.contacts.through
    pairs = valid.select("external_id", "contact_ids").explode("contact_ids").drop_nulls()
    if replace:
        for chunk in _chunks([pk for pk in pks.values() if pk is not None]):
            through.objects.filter(activity_id__in=chunk).delete()
    rows = [
        through(activity_id=pks[external_id], contact_id=contact_id)
        for external_id, contact_id in pairs.iter_rows()
    ]
    through.objects.bulk_create(rows, batch_size=BULK_BATCH)


def _chunks(values: list[Any], size: int = 900) -> list[list[Any]]:
    """Lists short enough for one IN (...) on every database."""
    return [values[i : i + size] for i in range(0, len(values), size)]
