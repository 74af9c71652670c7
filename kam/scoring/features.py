"""The feature frame of every account for an as-of date: the Django side of scoring.

The sales features are one Ibis expression run by the ledger's engine
(:func:`kam.ledger.features.account_sales_features`); the account attributes come from
the database in one query; :func:`kam.domain.features.feature_frame` joins them. The
result is cached as Parquet under ``KAM_HOME/cache/`` per as-of date and per *fingerprint*
of the data (committed batches and accounts), so that a preview of new weights on
100,000 accounts reads a file instead of scanning the ledger again; any import, or any
change to an account, makes a new fingerprint and so a new file.

Computing the frame is the first half of ``kam score`` (100,000 accounts, 10 million
order lines): the engine scans the ledger on a thread of its own while the accounts are
read by one plain cursor query straight into Polars; their groups and countries are
found with whole-column operations, never account by account.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from kam.accounts.models import Account
from kam.ledger import LedgerBatch
from kam.sales.models import BatchStatus, ImportBatch
from kam.sales.selectors import committed_ledger_batches, ledger

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


def account_features(
    *, as_of: date, use_cache: bool = True, background: Executor | None = None
) -> AccountFeatures:
    """Every account's features as of ``as_of`` (sales before that day), computed once
    per as-of date and state of the data, then read from the cache. With ``background``,
    the cache file is written there while the caller goes on (the caller waits for the
    executor before it ends: ``kam score`` scores and stores meanwhile)."""
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
    # The ledger's engine scans the order lines on a thread of its own (DuckDB releases
    # the GIL) while this one reads the accounts. The batches are read here, on this
    # thread's database connection (a test's transaction is only visible there). Should
    # the accounts fail, leaving the block waits for the scan, whose result is dropped.
    batches = committed_ledger_batches()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-sales-features") as pool:
        sales_job = pool.submit(_sales_features_of, batches, as_of)
        attributes = account_attributes()
        sales = sales_job.result()
    frame = feature_frame(sales, attributes.drop("pk"), as_of=as_of)
    ids = attributes.select("account_id", "pk")
    if use_cache:
        cached_frame = frame.join(ids, on="account_id", how="left")
        if background is None:
            _write_cache(path, cached_frame)
        else:
            background.submit(_write_cache, path, cached_frame)
    return AccountFeatures(
        as_of=as_of, fingerprint=fingerprint, frame=frame, ids=ids, from_cache=False
    )


def sales_features(*, as_of: date) -> pl.DataFrame:
    """The per-account sales features of the committed ledger (one engine query)."""
    return _sales_features_of(committed_ledger_batches(), as_of)


def _sales_features_of(batches: list[LedgerBatch], as_of: date) -> pl.DataFrame:
    """The sales features of these committed batches; touches no Django model, so that
    it may run on another thread. The ledger's DuckDB runs the feature expression's
    compiled SQL (:func:`kam.ledger.features.duckdb_sales_features`): the scan starts
    at once, without the half second Ibis takes to import and build the expression."""
    from kam.ledger.features import duckdb_sales_features

    connection = ledger().connect(batches)
    try:
        return duckdb_sales_features(connection, as_of=as_of)
    finally:
        connection.close()


def account_attributes() -> pl.DataFrame:
    """Every account's attributes, as ``kam.domain.features.ATTRIBUTE_COLUMNS`` wants
    them plus ``pk``, from one query; groups are found in Polars, not account by account.

    The rows are read with a plain cursor straight into Polars (no model instance, no
    per-value converter): 100,000 accounts in a few tenths of a second. The casts make
    both databases give plain floats and JSON text."""
    meta = Account._meta
    quote = connection.ops.quote_name

    def column(field: str, cast: str = "") -> str:
        name = quote(str(meta.get_field(field).column))  # type: ignore[union-attr]
        return f"CAST({name} AS {cast})" if cast else name

    selected = ", ".join(
        [
            column("id"),
            column("external_id"),
            column("name"),
            column("parent"),
            column("sector"),
            column("country"),
            column("countries_of_operation", "TEXT"),
            column("employees"),
            column("market_share", "DOUBLE PRECISION"),
            column("spend_potential", "DOUBLE PRECISION"),
            column("strategic_fit"),
            column("status"),
        ]
    )
    with connection.cursor() as cursor:
        # In the order of the keys: the same frame whatever the engine's storage order.
        cursor.execute(f"SELECT {selected} FROM {quote(meta.db_table)} ORDER BY {column('id')}")
        rows = cursor.fetchall()
    raw = pl.DataFrame(rows, schema=_ROW_SCHEMA, orient="row")
    return _with_groups(raw.with_columns(countries_of_operation=_countries_of_operation(raw)))


# The columns of the attribute query, as the cursor gives them (the countries of
# operation are JSON text).
_ROW_SCHEMA: dict[str, pl.DataType] = {
    **ATTRIBUTE_SCHEMA,
    "countries_of_operation": pl.String(),
}
# A JSON array of strings and nothing else: such text is decoded by Polars at once.
_STRING_ARRAY = r'^\s*\[\s*(?:"(?:[^"\\]|\\.)*"\s*(?:,\s*"(?:[^"\\]|\\.)*"\s*)*)?\]\s*$'


def _countries_of_operation(raw: pl.DataFrame) -> pl.Series:
    """The JSON text of the countries of operation as lists of strings. Arrays of
    strings (what kam stores) are decoded by Polars; anything else (possible in a
    hand-edited database) is decoded here, keeping only its strings, or taken as
    empty when it is not a list or not JSON."""
    text = raw["countries_of_operation"]
    plain = text.str.contains(_STRING_ARRAY).fill_null(False)
    decoded = (
        pl.select(pl.when(plain).then(text).otherwise(pl.lit("[]")))
        .to_series()
        .str.json_decode(pl.List(pl.String()))
    )
    if bool(plain.all()):
        return decoded.alias("countries_of_operation")
    odd = (~plain).arg_true()
    values = decoded.to_list()
    for index in odd.to_list():
        values[index] = _strings_of_json(text[index])
    return pl.Series("countries_of_operation", values, dtype=pl.List(pl.String()))


def _strings_of_json(text: str | None) -> list[str]:
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


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
    return (
        raw.join(ext.rename({"pk": "parent_pk"}), on="parent_pk", how="left")
        .join(groups, on="pk", how="left")
        .join(_countries(raw), on="pk", how="left")
        .with_columns(pl.col("countries").fill_null([]))
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


def _countries(raw: pl.DataFrame) -> pl.DataFrame:
    """``pk, countries``: head office and countries of operation, trimmed, upper-case,
    sorted, without blanks or repeats (accounts with none are absent). One long frame
    rather than an expression per list: 100,000 small lists cost ten times less."""
    return (
        raw.select(
            "pk",
            country=pl.concat_list(
                pl.col("country").fill_null(""), pl.col("countries_of_operation")
            ),
        )
        .explode("country")
        .with_columns(pl.col("country").str.strip_chars().str.to_uppercase())
        .filter(pl.col("country") != "")
        .unique()
        .sort("pk", "country")
        .group_by("pk", maintain_order=True)
        .agg(countries="country")
    )


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
