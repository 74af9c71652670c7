"""Storing a run's rows fast, its explanations in a file, and reading back the run in
force for comparisons.

100,000 ``AccountScore`` rows must be stored in seconds. Django's ``bulk_create`` builds
a model object per row and compiles every batch (SQLite allows 999 parameters per
statement: batches of 60 rows), which takes half a minute; here the rows are built by
Polars and written by one ``executemany`` of a single-row INSERT (as
:mod:`kam.accounts.services` does for accounts), or by ``COPY`` on PostgreSQL. The values
are plain numbers and text, which both databases take as they are (the table and column
names come from the model, never from data). Rows go in the order of the accounts' keys,
which spares SQLite index work (see ``_by_account_key``); multi-row INSERT statements
were measured no faster than ``executemany`` (SQLite spends the time in the table's
indexes, not in the statements).

The explanation of every score (per criterion: the raw value, the weight applied and the
points) is not stored in the rows: it would be three quarters of their bytes, and as
JSON text, made, inserted and written twice (WAL, then database), it doubled the time
of storing 100,000 rows (0.8 s more). A run keeps it in one Parquet file under
``KAM_HOME/runs/`` (one row per account, three typed columns per criterion), written
before the run's rows are committed, so that a finished run always has it;
:func:`contributions_attach` puts it on the rows a page or the API reads. Rows stored by
an older kam keep theirs in the ``contributions`` column, which is read as it is when a
run has no file.

Comparing a draft with the run in force needs that run's ranks, tiers and revenue: a
copy is kept as Parquet in the cache folder, so that a preview reads a file rather than
100,000 rows of the database.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from kam.domain.scorecard import ScorecardDefinition
from kam.scoring.features import cache_dir
from kam.scoring.models import AccountScore, RunStatus, ScoreRun, TierOverride

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


# The stored columns, in the order of the INSERT, with how each is taken from the frame.
def _row_columns() -> dict[str, pl.Expr]:
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
        # The explanation is in the run's file (contributions_save): see the docstring.
        "contributions": pl.lit("[]"),
    }


def account_scores_insert(frame: pl.DataFrame, *, run_id: int, account_pks: pl.DataFrame) -> int:
    """Insert one ``AccountScore`` per row of a score frame (``account_pks``: external
    ``account_id`` → ``pk``), without its explanation (:func:`contributions_save`);
    returns the number of rows. The caller holds the transaction."""
    joined = _by_account_key(frame, account_pks).with_columns(
        _run_id=pl.lit(run_id, dtype=pl.Int64)
    )
    columns = _row_columns()
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


def _by_account_key(frame: pl.DataFrame, account_pks: pl.DataFrame) -> pl.DataFrame:
    """The rows of accounts the database knows, with their key ``pk``, in its order: two
    of the table's four indexes lead with the account (or the run, then the account), so
    each insert lands next to the last one instead of on a random page (measured: a
    third less time than in rank order once the table holds a few runs)."""
    return frame.join(account_pks, on="account_id", how="inner").sort("pk")


def _prepared_rows(
    frame: pl.DataFrame, columns: dict[str, pl.Expr]
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows to store, ``INSERT_CHUNK`` at a time, each chunk made on a helper thread
    while the database stores the one before (SQLite writes without holding the GIL)."""

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


# -- the explanation of every score, one file per run ---------------------------------------

_VALUE, _WEIGHT, _POINTS = "value__", "weight__", "points__"


def contributions_path(run: ScoreRun) -> Path:
    """Where a run's explanation file is: ``KAM_HOME/runs/run-<id>-<creation time>``
    (the time keeps the name unique where ids are reused, e.g. a database made anew)."""
    stamp = int(run.created_at.timestamp() * 1_000_000) if run.created_at else 0
    return Path(settings.KAM_HOME) / "runs" / f"run-{run.pk}-{stamp}.parquet"


def contributions_frame(
    frame: pl.DataFrame, definition: ScorecardDefinition, *, account_pks: pl.DataFrame
) -> pl.DataFrame:
    """A score frame's explanation as stored: ``account`` (the key) and, per criterion in
    the scorecard's order, ``value__<feature>`` (a float, or text for a categorical
    feature; null when missing), ``weight__<feature>`` (the weight applied to that
    account, in %: scaled up where an ``exclude`` criterion had no value) and
    ``points__<feature>``. NaN and infinities are stored as nulls (0 for points and
    weights), as in the rows."""
    joined = _by_account_key(frame, account_pks)
    columns: list[pl.Expr] = [pl.col("pk").cast(pl.Int64).alias("account")]
    for criterion in definition.criteria:
        feature = criterion.feature
        name = f"{_VALUE}{feature}"
        value = _finite(name) if joined.schema[name].is_numeric() else pl.col(name).cast(pl.String)
        weight = (
            _finite(f"{_WEIGHT}{feature}")
            if f"{_WEIGHT}{feature}" in joined.columns
            else pl.lit(float(criterion.weight))
        )
        columns += [
            value.alias(f"{_VALUE}{feature}"),
            weight.fill_null(0.0).alias(f"{_WEIGHT}{feature}"),
            _finite(f"{_POINTS}{feature}").fill_null(0.0).alias(f"{_POINTS}{feature}"),
        ]
    return joined.select(columns)


def contributions_save(
    run: ScoreRun,
    frame: pl.DataFrame,
    definition: ScorecardDefinition,
    *,
    account_pks: pl.DataFrame,
) -> Path:
    """Write the run's explanation file (:func:`contributions_frame`) for good: to a
    temporary name, synced, then renamed into place. Called before the run's rows are
    committed; :func:`contributions_remove` undoes it when they are not."""
    path = contributions_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    contributions_frame(frame, definition, account_pks=account_pks).write_parquet(
        tmp, compression="zstd"
    )
    _fsync(tmp)
    os.replace(tmp, path)
    _fsync(path.parent)
    return path


def contributions_remove(run: ScoreRun) -> None:
    """Remove a run's explanation file (a run whose rows were not committed)."""
    path = contributions_path(run)
    path.with_name(f".tmp-{path.name}").unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def run_contributions(
    run: ScoreRun, account_pks: Collection[int]
) -> dict[int, list[dict[str, Any]]]:
    """The explanation of these accounts' scores in ``run``: account key → one
    ``{feature, value, points, weight}`` per criterion, in the scorecard's order (the
    points sum to the score). Accounts without a score are absent. A run stored before
    explanations went to files has them in its rows; they are read from there."""
    wanted = sorted(set(account_pks))
    path = contributions_path(run)
    try:
        found = path.stat()
    except FileNotFoundError:
        rows = AccountScore.objects.filter(run=run, account_id__in=wanted).values_list(
            "account_id", "contributions"
        )
        return {pk: list(items or []) for pk, items in rows}
    stored = _explanation_file(path, found.st_size, found.st_mtime_ns)
    stored = stored.filter(pl.col("account").is_in(wanted))
    features = [name.removeprefix(_VALUE) for name in stored.columns if name.startswith(_VALUE)]
    return {
        row["account"]: [
            {
                "feature": feature,
                "value": row[f"{_VALUE}{feature}"],
                "points": row[f"{_POINTS}{feature}"],
                "weight": row[f"{_WEIGHT}{feature}"],
            }
            for feature in features
        ]
        for row in stored.iter_rows(named=True)
    }


@lru_cache(maxsize=2)
def _explanation_file(path: Path, size: int, mtime_ns: int) -> pl.DataFrame:
    """A run's explanation file, read whole and kept for the next page (a run's file
    never changes; its size and time are in the key all the same). Any set of accounts
    costs a filter in memory then, where Parquet row groups, in the order of the keys,
    would be read nearly all for a page of ranks: 100,000 accounts take ~20 MB."""
    return pl.read_parquet(path)


def contributions_attach(scores: Sequence[AccountScore]) -> None:
    """Set ``contributions`` on each of these scores from its run's file (one read per
    run; the rows' own column where a run has no file). Their runs are read in one
    query unless already loaded with them."""
    by_run: dict[int, list[AccountScore]] = {}
    for score in scores:
        by_run.setdefault(score.run_id, []).append(score)
    run_field = AccountScore._meta.get_field("run")
    loaded = {s.run_id: s.run for s in scores if run_field.is_cached(s)}
    missing = set(by_run) - set(loaded)
    if missing:
        loaded.update(ScoreRun.objects.only("pk", "created_at").in_bulk(missing))
    for run_id, members in by_run.items():
        run = loaded.get(run_id)
        if run is None or not contributions_path(run).is_file():
            continue  # stored by an older kam: the rows hold their explanation
        found = run_contributions(run, [s.account_id for s in members])
        for score in members:
            score.contributions = found.get(score.account_id, [])


@dataclass(frozen=True)
class ExplanationFiles:
    """What :func:`explanation_files_check` found: finished runs whose explanation file
    is missing (their scores can no longer be explained), and files under
    ``KAM_HOME/runs/`` that no finished run owns (a run that failed or was interrupted
    before its rows were committed; safe to remove)."""

    missing: list[ScoreRun]
    orphans: list[Path]


def explanation_files_check() -> ExplanationFiles:
    """Compare the finished runs with the explanation files (for ``kam check``). A run
    stored before explanations went to files has none and needs none."""
    owned: set[str] = set()
    missing: list[ScoreRun] = []
    for run in ScoreRun.objects.filter(status=RunStatus.DONE).only("pk", "created_at"):
        path = contributions_path(run)
        owned.add(path.name)
        if not path.is_file() and _explained_in_rows(run) is False:
            missing.append(run)
    folder = Path(settings.KAM_HOME) / "runs"
    orphans = sorted(p for p in folder.iterdir() if p.name not in owned) if folder.is_dir() else []
    return ExplanationFiles(missing=missing, orphans=orphans)


def _explained_in_rows(run: ScoreRun) -> bool | None:
    """Whether the run's rows hold their explanations (stored by an older kam); None
    when the run has no row."""
    first = AccountScore.objects.filter(run=run).values_list("contributions", flat=True)[:1]
    found = list(first)
    return bool(found[0]) if found else None


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
