"""The feature frame of every account for an as-of date: the Django side of scoring.

The sales features are one Ibis expression run by the ledger's engine
(:func:`kam.ledger.features.account_sales_features`); the account attributes come from
the database in one query; :func:`kam.domain.features.feature_frame` joins them. The
result is cached as Parquet under ``KAM_HOME/cache/`` per as-of date and per *fingerprint*
of the data (committed batches and accounts), so that a preview of new weights on
100,000 accounts reads a file instead of scanning the ledger again; any import, or any
change to an account, makes a new fingerprint and so a new file.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db.models import Count, Max

from kam.accounts.models import Account
from kam.sales.models import BatchStatus, ImportBatch
from kam.sales.selectors import ledger_table

# Bump when the cached frame's meaning changes in a way the source hash below misses.
CACHE_FORMAT = 1
# Deeper parent chains than this are taken for cycles (real groups have a few levels).
_MAX_GROUPS_DEPTH = 100

ATTRIBUTE_SCHEMA: dict[str, pl.DataType] = {
    "pk": pl.Int64(),
    "account_id": pl.String(),
    "name": pl.String(),
    "parent_pk": pl.Int64(),
    "sector": pl.String(),
    "country": pl.String(),
    "countries_of_operation": pl.List(pl.String()),
    "employees": pl.Int64(),
    "market_share": pl.Float64(),
    "spend_potential": pl.Float64(),
    "strategic_fit": pl.Int64(),
    "status": pl.String(),
}


@dataclass(frozen=True)
class AccountFeatures:
    """The feature frame of one as-of date, with how each account is found in the DB.

    ``frame`` has one row per account (``kam.domain.features.feature_frame``'s columns);
    ``ids`` maps each external id (``account_id``) to the account's primary key."""

    as_of: date
    fingerprint: str
    frame: pl.DataFrame
    ids: pl.DataFrame  # account_id (str), pk (int)
    from_cache: bool


def account_features(*, as_of: date, use_cache: bool = True) -> AccountFeatures:
    """Every account's features as of ``as_of`` (sales before that day), computed once
    per as-of date and state of the data, then read from the cache."""
    from kam.domain.features import feature_frame

    fingerprint = data_fingerprint()
    path = _cache_path(as_of, fingerprint)
    cached = _read_cache(path) if use_cache else None
    if cached is not None:
        return AccountFeatures(
            as_of=as_of,
            fingerprint=fingerprint,
            frame=cached.drop("pk"),
            ids=cached.select("account_id", "pk"),
            from_cache=True,
        )
    attributes = account_attributes()
    sales = sales_features(as_of=as_of)
    frame = feature_frame(sales, attributes.drop("pk"), as_of=as_of)
    ids = attributes.select("account_id", "pk")
    if use_cache:
        _write_cache(path, frame.join(ids, on="account_id", how="left"))
    return AccountFeatures(
        as_of=as_of, fingerprint=fingerprint, frame=frame, ids=ids, from_cache=False
    )


def sales_features(*, as_of: date) -> pl.DataFrame:
    """The per-account sales features of the committed ledger (one engine query)."""
    from kam.ledger.features import account_sales_features

    return account_sales_features(ledger_table(), as_of=as_of).to_polars()


def account_attributes() -> pl.DataFrame:
    """Every account's attributes, as ``kam.domain.features.ATTRIBUTE_COLUMNS`` wants
    them plus ``pk``, from one query; groups are found in Polars, not account by account."""
    rows = Account.objects.values_list(
        "pk",
        "external_id",
        "name",
        "parent_id",
        "sector",
        "country",
        "countries_of_operation",
        "employees",
        "market_share",
        "spend_potential",
        "strategic_fit",
        "status",
    )
    raw = pl.DataFrame(
        [
            (
                pk,
                ext,
                name,
                parent,
                sector,
                country,
                [c for c in ops if isinstance(c, str)] if isinstance(ops, list) else [],
                employees,
                _float(share),
                _float(potential),
                fit,
                status,
            )
            for (
                pk,
                ext,
                name,
                parent,
                sector,
                country,
                ops,
                employees,
                share,
                potential,
                fit,
                status,
            ) in rows
        ],
        schema=ATTRIBUTE_SCHEMA,
        orient="row",
    )
    return _with_groups(raw)


def _with_groups(raw: pl.DataFrame) -> pl.DataFrame:
    """Add ``parent_id`` and ``group_id`` (external ids) and ``countries`` (head office
    and countries of operation, upper-case, sorted, no blank)."""
    ext = raw.select(pl.col("pk"), pl.col("account_id").alias("parent_id"))
    top = raw.select("pk", pl.col("parent_pk").alias("up"), pl.col("pk").alias("top"))
    parents = raw.select(pl.col("pk").alias("up"), pl.col("parent_pk").alias("next"))
    # Move every account's "top" one level up per pass: a few passes for real groups.
    for _ in range(_MAX_GROUPS_DEPTH):
        if top["up"].null_count() == top.height:
            break
        top = (
            top.join(parents, on="up", how="left")
            .with_columns(
                top=pl.when(pl.col("up").is_not_null()).then(pl.col("up")).otherwise("top"),
                up=pl.col("next"),
            )
            .drop("next")
        )
    # A cycle (refused by the model, possible in a hand-edited database) never reaches
    # a top: such accounts stand alone rather than hang the run.
    top = top.with_columns(
        top=pl.when(pl.col("up").is_null()).then(pl.col("top")).otherwise(pl.col("pk"))
    )
    groups = top.join(ext.rename({"pk": "top", "parent_id": "group_id"}), on="top").select(
        "pk", "group_id"
    )
    countries = pl.concat_list(pl.col("country").fill_null(""), pl.col("countries_of_operation"))
    return (
        raw.join(ext.rename({"pk": "parent_pk"}), on="parent_pk", how="left")
        .join(groups, on="pk", how="left")
        .with_columns(
            countries=countries.list.eval(
                pl.element().str.strip_chars().str.to_uppercase().filter(pl.element() != "")
            )
            .list.unique()
            .list.sort(),
        )
        .select(
            "pk",
            "account_id",
            "name",
            "parent_id",
            "group_id",
            "sector",
            "country",
            "countries",
            "employees",
            "market_share",
            "spend_potential",
            "strategic_fit",
            "status",
        )
    )


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


# -- the cache -----------------------------------------------------------------------------


def data_fingerprint() -> str:
    """A digest of the state of everything the feature frame reads: the committed
    batches (sales and accounts: their ids, files and replaced periods) and the accounts
    (number, largest id, last change). Two queries, whatever the size of the data."""
    batches = list(
        ImportBatch.objects.filter(status=BatchStatus.COMMITTED)
        .order_by("pk")
        .values_list("pk", "kind", "file_name", "replaces_from", "replaces_to", "created_at")
    )
    accounts = Account.objects.aggregate(
        count=Count("pk"), last_pk=Max("pk"), changed=Max("updated_at")
    )
    state = {
        "format": CACHE_FORMAT,
        "code": _feature_code_digest(),
        "batches": batches,
        "accounts": accounts,
        "database": str(settings.DATABASES["default"].get("NAME")),
    }
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:20]


@cache
def _feature_code_digest() -> str:
    """The features' source code: a changed formula must not be served from the cache."""
    import kam.domain.features
    import kam.ledger.features

    digest = hashlib.sha256()
    for module in (kam.domain.features, kam.ledger.features):
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path:
    return Path(settings.KAM_HOME) / "cache"


def _cache_path(as_of: date, fingerprint: str) -> Path:
    return cache_dir() / f"features-{as_of.isoformat()}-{fingerprint}.parquet"


def _read_cache(path: Path) -> pl.DataFrame | None:
    """The cached frame, or None when there is none or it cannot be read (a damaged file
    is computed again, not trusted)."""
    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):
        path.unlink(missing_ok=True)
        return None


def _write_cache(path: Path, frame: pl.DataFrame) -> None:
    """Write atomically (a reader never sees half a file), then drop the files of the
    same as-of date made from older data: they can never be read again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written only costs time
        tmp.unlink(missing_ok=True)
        return
    prefix = path.name.rsplit("-", 1)[0]
    for old in path.parent.glob(f"{prefix}-*.parquet"):
        if old != path:
            old.unlink(missing_ok=True)
