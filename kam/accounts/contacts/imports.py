"""Importing contacts from a file (CSV, XLSX or Parquet) through the shared import path:
the same reading, header matching (French and English), row-level errors, all-or-nothing
unless ``skip_invalid``, dry runs, and "the same file twice is stored once".

Contacts are upserted by (account, external id). An absent column leaves the stored
values alone; an empty cell clears the value, except the attitude and the do-not-mail
flag, which an empty cell leaves as they are (neutral and mailable for a new contact): a
consent is never given back by a blank cell.

Imports are recorded in the shared import register (``ImportBatch`` of kind
``contacts``), committed or rejected, as accounts, sales and activities are: its content
hash makes a second import of the same file a no-op, and the imports page lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl
from django.db import transaction
from django.utils import timezone

from kam.accounts.models import Account, Attitude, Contact
from kam.importing.contact_rules import validate_contacts
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

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from kam.importing.validation import Checked

KIND = ImportKind.CONTACTS
# Columns that set a model field of the same name, as they come out of the validator.
TEXT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "buying_role")
KEPT_WHEN_EMPTY = {"attitude": Attitude.NEUTRAL.value, "do_not_mail": False}
OTHER_FIELDS = ("influence", "attitude", "do_not_mail", "left_on")
CHUNK = 5000  # ids per IN (...) list: SQLite allows 32,766 parameters per statement
_T = TypeVar("_T")


def contacts_import(
    *,
    path: Path,
    user: AbstractBaseUser | None,
    source_name: str | None = None,
    column_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Create or update contacts from a file, matched by account and external id. A boss
    (``reports_to_external_id``) may be defined anywhere in the file or already be in
    kam. Only directors (or kam itself, ``user=None``) import."""
    import_allowed(user)
    clock = ImportClock(progress)
    path = Path(path)
    name = source_name or path.name
    clock.stage("reading", 0.0)
    options: dict[str, object] = {"map": sorted((column_map or {}).items())}
    source, digest = read_file(path, name=name, kind=KIND, options=options)
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


def contacts_import_frame(
    *,
    frame: pl.DataFrame,
    source_name: str,
    user: AbstractBaseUser | None,
    skip_invalid: bool = False,
) -> ImportResult:
    """Contacts given as a frame with the canonical column names (the demo generator),
    validated and stored as :func:`contacts_import` does."""
    import_allowed(user)
    source, digest = read_frame(frame, kind=KIND, options={"map": []})
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
    # Read, check and write in one transaction: the reporting lines checked for cycles
    # are the ones written to.
    with transaction.atomic():
        checked = validate_contacts(
            source,
            accounts=pl.Series(
                "external_id", list(Account.objects.values_list("external_id", flat=True))
            ),
            existing=_stored_links(),
            today=timezone.localdate(),
            column_map=column_map,
            skip_invalid=skip_invalid,
        )
        if storable(checked, skip_invalid) and not dry_run:
            clock.stage("writing", 0.6)
            created, updated = _upsert(checked)
            clock.stage("committing", 0.9)
            batch = record_committed(
                KIND, checked, name=name, digest=digest, user=user, clock=clock
            )
            result = result_of(KIND, checked, name, ImportOutcome.COMMITTED, clock)
            result.batch_id, result.created, result.updated = batch.pk, created, updated
            return result
    if storable(checked, skip_invalid):  # a dry run
        return result_of(KIND, checked, name, ImportOutcome.VALIDATED, clock)
    return reject(
        KIND, checked, name=name, digest=digest, user=user, clock=clock, record=not dry_run
    )


def _stored_links() -> pl.DataFrame:
    """Every stored contact's identity and boss, in one query."""
    rows = Contact.objects.values_list("id", "account__external_id", "external_id", "reports_to_id")
    return pl.DataFrame(
        [(pk, account, ext or None, boss) for pk, account, ext, boss in rows],
        schema={
            "id": pl.Int64,
            "account_external_id": pl.String,
            "external_id": pl.String,
            "reports_to_id": pl.Int64,
        },
        orient="row",
    )


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _upsert(checked: Checked) -> tuple[int, int]:
    """Create the new contacts, update the changed ones, then set the bosses. Returns the
    numbers of contacts created and of existing contacts changed. Queries: a few per
    5,000 rows."""
    valid = checked.valid
    present = [f for f in (*TEXT_FIELDS, *OTHER_FIELDS) if f in checked.headers]
    account_ids = valid["account_external_id"].unique().to_list()
    account_pk: dict[str, int] = {}
    for chunk in _chunks(account_ids):
        found = Account.objects.filter(external_id__in=chunk).values_list("external_id", "pk")
        account_pk.update(found)
    stored: dict[tuple[int, str], Contact] = {}
    for chunk in _chunks(list(account_pk.values())):
        for contact in Contact.objects.filter(account_id__in=chunk).exclude(external_id=""):
            stored[(contact.account_id, contact.external_id)] = contact
    now = timezone.now()
    new: list[Contact] = []
    changed: dict[int, Contact] = {}
    rows = valid.select("account_external_id", "external_id", *present).iter_rows(named=True)
    for row in rows:
        key = (account_pk[row["account_external_id"]], row["external_id"])
        values = _field_values(row, present)
        known = stored.get(key)
        if known is None:
            created = Contact(account_id=key[0], external_id=key[1], **KEPT_WHEN_EMPTY)
            _set(created, values)
            created.created_at = created.updated_at = now
            new.append(created)
            stored[key] = created
        elif _set(known, values):
            known.updated_at = now
            changed[known.pk] = known
    Contact.objects.bulk_create(new, batch_size=1000)
    if changed:
        Contact.objects.bulk_update(
            list(changed.values()), [*present, "updated_at"], batch_size=500
        )
    if "reports_to_external_id" in valid.columns:
        new_ids = {c.pk for c in new}
        moved = _set_bosses(valid, account_pk, stored, now)
        changed.update({c.pk: c for c in moved if c.pk not in new_ids})
    return len(new), len(changed)


def _field_values(row: dict[str, Any], present: list[str]) -> dict[str, Any]:
    """The row's values as the model stores them (see the module's rules for blanks)."""
    values: dict[str, Any] = {}
    for name in present:
        value = row[name]
        if name in TEXT_FIELDS:
            value = value or ""
        elif name == "influence":
            value = None if value is None else int(value)
        elif name in KEPT_WHEN_EMPTY and value is None:
            continue
        values[name] = value
    return values


def _set(contact: Contact, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``contact``; whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    return changed


def _set_bosses(
    valid: pl.DataFrame,
    account_pk: dict[str, int],
    stored: dict[tuple[int, str], Contact],
    now: Any,
) -> list[Contact]:
    """Point each contact of the file to its boss where it changed (all exist by now);
    returns the contacts whose boss changed."""
    moved: list[Contact] = []
    for account, external_id, boss in valid.select(
        "account_external_id", "external_id", "reports_to_external_id"
    ).iter_rows():
        pk = account_pk[account]
        contact = stored[(pk, external_id)]
        boss_id = None if boss is None else stored[(pk, boss)].pk
        if contact.reports_to_id != boss_id:
            contact.reports_to_id = boss_id
            contact.updated_at = now
            moved.append(contact)
    if moved:
        Contact.objects.bulk_update(moved, ["reports_to", "updated_at"], batch_size=500)
    return moved
