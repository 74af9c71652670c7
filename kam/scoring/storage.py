"""Storing a run's rows fast, and reading back the run in force for comparisons.

100,000 ``AccountScore`` rows must be stored in seconds. Django's ``bulk_create`` builds
a model object per row and compiles every batch (SQLite allows 999 parameters per
statement: batches of 60 rows), which takes half a minute; here the rows, their JSON
contributions included, are built by Polars and written by one ``executemany`` of a
single-row INSERT (as :mod:`kam.accounts.services` does for accounts), or by ``COPY`` on
PostgreSQL. The values are plain numbers, text and JSON text, which both databases take
as they are (the table and column names come from the model, never from data). Rows go
in the order of the accounts' keys, which halves SQLite's index work (see below);
multi-row INSERT statements were measured no faster than ``executemany`` (SQLite spends
the time in the table's indexes, not in the statements).

Comparing a draft with the run in force needs that run's ranks, tiers and revenue: a
copy is kept as Parquet in the cache folder, so that a preview reads a file rather than
100,000 rows of the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

from kam.domain.scorecard import ScorecardDefinition
from kam.scoring.features import cache_dir
from kam.scoring.models import AccountScore, ScoreRun, TierOverride

# Rows per executemany call: bounds the memory of the parameter lists.
INSERT_CHUNK = 10_000

COMPARISON_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "rank": pl.Int64(),
    "tier": pl.String(),
    "revenue_12m": pl.Float64(),
}


def _finite(name: str) -> pl.Expr:
    """A float column with NaN and infinities as nulls (neither the database nor JSON
    holds them)."""
    value = pl.col(name).cast(pl.Float64)
    return pl.when(value.is_finite()).then(value).otherwise(None)


def contributions_json(frame: pl.DataFrame, definition: ScorecardDefinition) -> pl.Expr:
    """Each row's ``[{feature, value, points, weight}, …]`` as JSON text, one object per
    criterion in the scorecard's order; ``weight`` is the weight applied to that account
    (scaled up where an ``exclude`` criterion had no value)."""
    objects = []
    for criterion in definition.criteria:
        feature = criterion.feature
        value = pl.col(f"value__{feature}")
        if frame.schema[f"value__{feature}"].is_numeric():
            value = _finite(f"value__{feature}")
        weight = (
            _finite(f"weight__{feature}")
            if f"weight__{feature}" in frame.columns
            else pl.lit(float(criterion.weight))
        )
        objects.append(
            pl.struct(
                feature=pl.lit(feature),
                value=value,
                points=_finite(f"points__{feature}").fill_null(0.0),
                weight=weight.fill_null(0.0),
            ).struct.json_encode()
        )
    return pl.concat_str([pl.lit("["), pl.concat_str(objects, separator=","), pl.lit("]")])


# The stored columns, in the order of the INSERT, with how each is taken from the frame.
def _row_columns(frame: pl.DataFrame, definition: ScorecardDefinition) -> dict[str, pl.Expr]:
    return {
        "run_id": pl.col("_run_id"),
        "account_id": pl.col("pk"),
        "score": _finite("score").fill_null(0.0),
        "rank": pl.col("rank").cast(pl.Int64),
        "abc": pl.col("abc").fill_null("C"),
        "cum_revenue_share": _finite("cum_revenue_share").fill_null(0.0),
        "tier": pl.col("tier"),
        "computed_tier": pl.col("computed_tier"),
        "revenue_12m": _finite("revenue_12m").fill_null(0.0),
        "revenue_prev_12m": _finite("revenue_prev_12m").fill_null(0.0),
        "growth": _finite("growth"),
        "attractiveness": _finite("attractiveness"),
        "strength": _finite("strength"),
        "quadrant": pl.col("quadrant").fill_null(""),
        "contributions": contributions_json(frame, definition),
    }


def account_scores_insert(
    frame: pl.DataFrame,
    definition: ScorecardDefinition,
    *,
    run_id: int,
    account_pks: pl.DataFrame,
) -> int:
    """Insert one ``AccountScore`` per row of a score frame (``account_pks``: external
    ``account_id`` → ``pk``); returns the number of rows. The caller holds the
    transaction."""
    # In the order of the accounts' keys: four of the table's six indexes lead with the
    # account (or the run, then the account), so each insert lands next to the last one
    # instead of on a random page: half the time of inserting in rank order.
    joined = (
        frame.join(account_pks, on="account_id", how="inner")
        .sort("pk")
        .with_columns(_run_id=pl.lit(run_id, dtype=pl.Int64))
    )
    columns = _row_columns(joined, definition)
    meta = AccountScore._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(str(meta.get_field(name).column)) for name in columns)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of 100,000 statements (10 s → under a second).
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for rows in _prepared_rows(joined, columns):
                    for row in rows:
                        copy.write_row(row)
            return joined.height
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        for rows in _prepared_rows(joined, columns):
            cursor.executemany(sql, rows)
    return joined.height


def _prepared_rows(
    frame: pl.DataFrame, columns: dict[str, pl.Expr]
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows to store, ``INSERT_CHUNK`` at a time, each chunk made on a helper thread
    while the database stores the one before: Polars builds the JSON without holding the
    GIL and SQLite writes without it, so the two overlap (a tenth off the time)."""

    def prepare(part: pl.DataFrame) -> list[tuple[Any, ...]]:
        return part.select(**columns).rows()

    parts = list(frame.iter_slices(INSERT_CHUNK))
    if not parts:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kam-score-rows") as pool:
        pending = pool.submit(prepare, parts[0])
        for following in parts[1:]:
            ready = pending.result()
            pending = pool.submit(prepare, following)
            yield ready
        yield pending.result()


# -- the run in force, for comparisons -----------------------------------------------------


def _run_file(run: ScoreRun) -> Path:
    # The creation time makes the name unique even where ids are reused (test databases).
    stamp = int(run.created_at.timestamp() * 1_000_000) if run.created_at else 0
    return cache_dir() / f"run-{run.pk}-{stamp}.parquet"


def run_frame_save(run: ScoreRun, frame: pl.DataFrame) -> None:
    """Keep a run's computed ranks, tiers and revenue as Parquet (a cache: losing it
    only costs one read of the database)."""
    path = _run_file(run)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}")
        frame.select(
            pl.col("account_id").cast(pl.String),
            pl.col("rank").cast(pl.Int64),
            pl.col("computed_tier").cast(pl.String).alias("tier"),
            pl.col("revenue_12m").cast(pl.Float64),
        ).write_parquet(tmp)
        tmp.replace(path)
    except OSError:
        return


def run_files_prune(*, keep: list[ScoreRun]) -> None:
    """Remove the cached copies of runs other than ``keep`` (the new run and the run in
    force: the only ones a preview compares with; another is read from the database)."""
    kept = {_run_file(run).name for run in keep}
    for path in cache_dir().glob("run-*.parquet"):
        if path.name not in kept:
            path.unlink(missing_ok=True)


def run_comparison_frame(run: ScoreRun) -> pl.DataFrame:
    """A run as :func:`kam.domain.preview.compare_runs` wants it (``account_id, rank,
    tier, revenue_12m``), with the tiers in force: the computed ones, except where an
    override is active (which is what the run in force holds)."""
    path = _run_file(run)
    frame: pl.DataFrame | None = None
    if path.is_file():
        try:
            frame = pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError):
            frame = None
    if frame is None:
        rows = AccountScore.objects.filter(run=run).values_list(
            "account__external_id", "rank", "computed_tier", "revenue_12m"
        )
        frame = pl.DataFrame(list(rows), schema=COMPARISON_SCHEMA, orient="row")
        run_frame_save(run, frame.rename({"tier": "computed_tier"}))
    forced = active_overrides()
    overrides = pl.DataFrame(
        {"account_id": list(forced), "_forced": list(forced.values())},
        schema={"account_id": pl.String, "_forced": pl.String},
    )
    return (
        frame.join(overrides, on="account_id", how="left")
        .with_columns(tier=pl.coalesce("_forced", "tier"))
        .select(list(COMPARISON_SCHEMA))
    )


def active_overrides() -> dict[str, str]:
    """External id → tier of every active override (one query; overrides are few)."""
    rows: Any = TierOverride.objects.filter(removed_at__isnull=True).values_list(
        "account__external_id", "tier"
    )
    return dict(rows)
