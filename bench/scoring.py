"""Benchmark: `kam score` against a plain Polars pipeline, and the scorecard preview.

The reference is the least a scoring must do: read the sales from Parquet, compute the
same per-account features (trailing and previous 12 months' revenue, orders, quantity,
margin, breadth, active months, recency), join the account attributes, give each account
a percentile-rank score over the seed scorecard's criteria and write the result to
Parquet. `kam score` also reads the accounts from the database, tiers, ranks, computes the
Pareto/ABC classes and the portfolio matrix, stores every account's score and
contributions (checked after each run) and puts the run in force. Targets: at most 1.5×
the reference's time and 3 GiB of peak memory; a preview of new weights (features
cached) under a second.

Each measured pair runs in a fresh home holding a copy of the same database (accounts and
sales imported once, not timed against the reference) and the same ledger, interleaved
(the order alternates); the median is reported. The reference also runs on its own:
``python -m bench.scoring reference SALES.parquet ACCOUNTS.csv CRITERIA.json OUT AS_OF``
(this module imports only the standard library at the top, so that the child measured
as the reference loads nothing but Polars).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from bench.data import BenchFiles
    from bench.measure import ChildRun
    from bench.options import BenchOptions

NAME = "scoring"
DESCRIPTION = "kam score vs a Polars pipeline of the same features and a percentile-rank score"
TIME_RATIO_TARGET = 1.5
PEAK_MEMORY_TARGET = 3 * 2**30
PREVIEW_SECONDS_TARGET = 1.0
# The features both sides compute, compared account by account after the runs.
COMPARED_FEATURES = (
    "revenue_12m",
    "revenue_prev_12m",
    "margin_12m",
    "quantity_12m",
    "orders_12m",
    "product_breadth",
    "category_breadth",
    "active_months_12m",
    "recency_days",
)
_ROOT = Path(__file__).resolve().parent.parent

# A preview with new weights, timed inside a child set up like the web app (Django and
# the bench home): three calls, the features read from the cache `kam score` wrote.
PREVIEW_CODE = """
import dataclasses, json, sys, time
from datetime import date
import django
django.setup()
from kam.domain.scorecard import SEED_SCORECARD
from kam.scoring.services import scorecard_preview
weights = json.loads(sys.argv[2])
criteria = tuple(
    dataclasses.replace(c, weight=weights.get(c.feature, c.weight))
    for c in SEED_SCORECARD.criteria
)
definition = dataclasses.replace(SEED_SCORECARD, criteria=criteria)
seconds = []
for _ in range(3):
    started = time.perf_counter()
    comparison = scorecard_preview(
        definition=definition, as_of=date.fromisoformat(sys.argv[1]), user=None
    )
    seconds.append(time.perf_counter() - started)
key = comparison.movement("key")
print(json.dumps({
    "seconds": seconds,
    "key_entering": len(key.entering),
    "key_leaving": len(key.leaving),
    "rank_changes": comparison.rank_changes.height,
}))
"""
# The weight change previewed: order volume counts more, revenue less (sum still 100).
PREVIEW_WEIGHTS = {"revenue_12m": 20.0, "orders_12m": 25.0}


def run(options: BenchOptions, out: Console) -> dict[str, Any]:
    """Run the scoring benchmark and return its results (JSON-ready)."""
    from bench.data import BENCH_AS_OF, bench_files
    from bench.imports import checked, copy_database, import_result, read_through
    from bench.measure import kam_argv, kam_env, run_child

    files = bench_files(
        options.directory, accounts=options.accounts, lines=options.lines, seed=options.seed
    )
    out.print(
        f"data: {files.sales_csv.parent} "
        + (f"(generated in {files.generation_seconds:.1f} s)" if files.generated else "(cached)")
    )
    home = options.home / NAME
    logs, base = home / "logs", home / "base"
    base.mkdir(parents=True, exist_ok=True)
    setup: dict[str, ChildRun] = {}
    setup["sales_parquet"], sales_parquet = _sales_parquet(files, logs)
    criteria_path = home / "criteria.json"
    criteria_path.write_text(json.dumps(seed_criteria()), encoding="utf-8")
    steps = (
        ("migrate", kam_argv("migrate")),
        (
            "import_accounts",
            kam_argv("import", "accounts", str(files.accounts_csv), "--format", "json"),
        ),
        ("import_sales", kam_argv("import", "sales", str(files.sales_csv), "--format", "json")),
    )
    for key, argv in steps:
        setup[key] = checked(run_child(key, argv, env=kam_env(base), logs=logs))
    created = import_result(setup["import_accounts"]).get("created")
    if created != options.accounts:
        raise RuntimeError(
            f"kam import accounts created {created} accounts, not {options.accounts}"
        )
    stored = import_result(setup["import_sales"]).get("rows_stored")
    if stored != options.lines:
        raise RuntimeError(f"kam import sales stored {stored} lines, not {options.lines}")
    read_through(sales_parquet)  # both sides then start from a warm page cache
    for batch in (base / "ledger").glob("*.parquet"):
        read_through(batch)

    as_of = BENCH_AS_OF.isoformat()
    pairs: list[dict[str, Any]] = []
    agreement: dict[str, Any] | None = None
    for number in range(1, options.repeat + 1):
        run_home = home / f"run-{number}"
        copy_database(base, run_home)
        (run_home / "ledger").symlink_to(base / "ledger", target_is_directory=True)
        reference_out = run_home / "reference-scores.parquet"
        children = [
            (
                "reference",
                f"reference-{number}",
                reference_argv(
                    sales_parquet, files.accounts_csv, criteria_path, reference_out, as_of
                ),
            ),
            (
                "kam",
                f"kam-score-{number}",
                kam_argv("score", "--as-of", as_of, "--format", "json"),
            ),
        ]
        if number % 2 == 0:  # alternate who goes first
            children.reverse()
        runs = {
            kind: checked(run_child(name, argv, env=kam_env(run_home), logs=logs, cwd=_ROOT))
            for kind, name, argv in children
        }
        scored = _json_output(runs["kam"]).get("accounts_scored")
        if not scored:
            raise RuntimeError(f"kam score scored no account (printed {scored!r})")
        explained = explained_accounts(run_home)
        if explained != scored:
            raise RuntimeError(
                f"kam score scored {scored} accounts but explained {explained} in runs/"
            )
        pairs.append({kind: measured(child) for kind, child in runs.items()})
        agreement = features_agreement(reference_out, run_home / "cache")

    preview_child = checked(
        run_child(
            "preview",
            (sys.executable, "-c", PREVIEW_CODE, as_of, json.dumps(PREVIEW_WEIGHTS)),
            env=kam_env(home / f"run-{options.repeat}"),
            logs=logs,
            cwd=_ROOT,
        )
    )
    preview = _json_output(preview_child)
    if not options.keep:
        shutil.rmtree(base / "ledger", ignore_errors=True)
        for run_home in home.glob("run-*"):
            shutil.rmtree(run_home / "cache", ignore_errors=True)
            shutil.rmtree(run_home / "runs", ignore_errors=True)
            for bulky in ("reference-scores.parquet", "kam.sqlite3"):
                (run_home / bulky).unlink(missing_ok=True)

    results = summary(pairs, preview, agreement)
    results.update(
        benchmark=NAME,
        accounts=options.accounts,
        lines=options.lines,
        as_of=as_of,
        data=files.meta,
        data_generated=files.generated,
        home=str(home),
        setup={key: measured(child) for key, child in setup.items()},
        runs=pairs,
        preview_run=measured(preview_child),
    )
    _print(results, setup, pairs, out)
    return results


def reference_argv(
    sales: Path, accounts: Path, criteria: Path, out: Path, as_of: str
) -> tuple[str, ...]:
    """The reference pipeline's command (run from the repository's root)."""
    return (
        sys.executable,
        "-m",
        "bench.scoring",
        "reference",
        str(sales),
        str(accounts),
        str(criteria),
        str(out),
        as_of,
    )


def seed_criteria() -> list[dict[str, Any]]:
    """The seed scorecard's criteria as the reference reads them: every numeric one
    scored by percentile rank, the categorical ones by their value → points map."""
    from kam.domain.features import FEATURES
    from kam.domain.scorecard import SEED_SCORECARD

    return [
        {
            "feature": c.feature,
            "weight": c.weight,
            "categories": dict(c.categories) if FEATURES[c.feature].kind == "categorical" else None,
        }
        for c in SEED_SCORECARD.criteria
    ]


def _sales_parquet(files: BenchFiles, logs: Path) -> tuple[ChildRun, Path]:
    """A Parquet copy of the sales CSV, next to it (regenerated with it), written once
    by a child process; the measurement of that child (zero seconds when cached)."""
    from bench.imports import checked
    from bench.measure import ChildRun, run_child

    path = files.sales_csv.with_suffix(".parquet")
    if path.exists() and path.stat().st_mtime >= files.sales_csv.stat().st_mtime:
        return ChildRun("sales-parquet", (), 0.0, 0, 0, "", ""), path
    tmp = path.with_name(f".tmp-{path.name}")
    code = (
        "import sys, polars as pl; pl.scan_csv(sys.argv[1], schema=dict("
        "account_id=pl.String, order_id=pl.String, order_date=pl.Date, product=pl.String, "
        "category=pl.String, quantity=pl.Float64, amount=pl.Float64, margin=pl.Float64))"
        ".sink_parquet(sys.argv[2], compression='zstd')"
    )
    argv = (sys.executable, "-c", code, str(files.sales_csv), str(tmp))
    child = checked(run_child("sales-parquet", argv, env=dict(os.environ), logs=logs))
    os.replace(tmp, path)
    return child, path


def measured(child: ChildRun) -> dict[str, Any]:
    """A child's measurement as JSON, with the CPU time it used (``cpu_seconds``, user +
    system: see :func:`cpu_seconds`)."""
    return {**child.as_dict(), "cpu_seconds": cpu_seconds(child)}


def cpu_seconds(child: ChildRun) -> float | None:
    """The CPU time (user + system, every thread) of a measured child, as
    :mod:`bench.launch` recorded it beside the wall time; None when it is not known (a
    step that was not run, or a launcher that does not record it)."""
    known = getattr(child, "cpu_seconds", None)
    if known is not None:
        return float(known)
    if not child.stdout_path:
        return None
    result = Path(child.stdout_path).with_name(f"{child.name}.measure.json")
    try:
        value = json.loads(result.read_text(encoding="utf-8")).get("cpu_seconds")
    except (OSError, ValueError):
        return None
    return round(float(value), 3) if isinstance(value, int | float) else None


def _json_output(child: ChildRun) -> dict[str, Any]:
    text = Path(child.stdout_path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        raise RuntimeError(f"{child.name} did not print JSON: {text[:200]!r}") from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{child.name} printed {text[:200]!r}, not a JSON object")
    return data


def explained_accounts(home: Path) -> int:
    """How many accounts the run stored in ``home`` explained: the rows of its
    explanation file under ``runs/`` (kam stores every score's contributions there), so
    that a faster `kam score` cannot be one that stores less."""
    import polars as pl

    files = sorted((home / "runs").glob("run-*.parquet"))
    if len(files) != 1:
        raise RuntimeError(f"{home / 'runs'} holds {len(files)} run files, not 1")
    return int(pl.scan_parquet(files[0]).select(pl.len()).collect().item())


def features_agreement(reference_out: Path, cache: Path) -> dict[str, Any] | None:
    """How far kam's cached features are from the reference's, account by account: the
    largest absolute difference per feature. None when kam left no feature cache."""
    import polars as pl

    cached = sorted(cache.glob("features-*.parquet")) if cache.is_dir() else []
    if not cached or not reference_out.exists():
        return None
    kam = pl.read_parquet(cached[-1], columns=["account_id", *COMPARED_FEATURES])
    reference = pl.read_parquet(reference_out, columns=["account_id", *COMPARED_FEATURES])
    joined = kam.join(reference, on="account_id", how="full", suffix="_ref", coalesce=True)
    differences, relative, null_mismatches = {}, {}, {}
    for name in COMPARED_FEATURES:
        ours, theirs = pl.col(name).cast(pl.Float64), pl.col(f"{name}_ref").cast(pl.Float64)
        row = joined.select(
            difference=(ours - theirs).abs().max(),
            relative=((ours - theirs).abs() / pl.max_horizontal(theirs.abs(), 1.0)).max(),
            nulls=(ours.is_null() != theirs.is_null()).sum(),
        ).row(0)
        differences[name], relative[name] = row[0] or 0.0, row[1] or 0.0
        null_mismatches[name] = row[2]
    # Sums of many floats, added in another order, may differ in the last bits.
    agree = (
        kam.height == reference.height == joined.height
        and all(r < 1e-9 for r in relative.values())
        and not any(null_mismatches.values())
    )
    return {
        "accounts_kam": kam.height,
        "accounts_reference": reference.height,
        "max_abs_difference": differences,
        "null_mismatches": null_mismatches,
        "agree": agree,
    }


def summary(
    pairs: list[dict[str, Any]], preview: dict[str, Any], agreement: dict[str, Any] | None
) -> dict[str, Any]:
    """Medians, ratios and verdicts of the measured runs."""

    def median(kind: str, key: str) -> float:
        return float(statistics.median(pair[kind][key] for pair in pairs))

    def median_cpu(kind: str) -> float | None:
        values = [pair[kind].get("cpu_seconds") for pair in pairs]
        known = [float(v) for v in values if v is not None]
        return float(statistics.median(known)) if known and len(known) == len(values) else None

    reference_seconds, kam_seconds = median("reference", "seconds"), median("kam", "seconds")
    # CPU time is reported beside the wall time (steadier on a shared machine); the
    # verdict stays on wall time, what a user waits for.
    reference_cpu, kam_cpu = median_cpu("reference"), median_cpu("kam")
    reference_rss, kam_rss = median("reference", "peak_rss_bytes"), median("kam", "peak_rss_bytes")
    time_ratio = kam_seconds / reference_seconds if reference_seconds else float("inf")
    preview_seconds = [float(s) for s in preview.get("seconds", [])]
    preview_median = statistics.median(preview_seconds) if preview_seconds else float("inf")
    passed_time = time_ratio <= TIME_RATIO_TARGET
    passed_memory = kam_rss <= PEAK_MEMORY_TARGET
    passed_preview = preview_median < PREVIEW_SECONDS_TARGET
    # A reference that computes something else makes the ratio meaningless.
    features_agree = agreement is None or bool(agreement["agree"])
    return {
        "median": {
            "reference_seconds": reference_seconds,
            "kam_seconds": kam_seconds,
            "reference_cpu_seconds": reference_cpu,
            "kam_cpu_seconds": kam_cpu,
            "reference_peak_rss_bytes": int(reference_rss),
            "kam_peak_rss_bytes": int(kam_rss),
        },
        "ratios": {
            "time": round(time_ratio, 3),
            "cpu": round(kam_cpu / reference_cpu, 3) if kam_cpu and reference_cpu else None,
            "memory": round(kam_rss / reference_rss, 3) if reference_rss else None,
        },
        "preview": {**preview, "median_seconds": preview_median},
        "features_agreement": agreement,
        "targets": {
            "time_ratio_max": TIME_RATIO_TARGET,
            "peak_memory_max_bytes": PEAK_MEMORY_TARGET,
            "preview_seconds_max": PREVIEW_SECONDS_TARGET,
        },
        "passed_time": passed_time,
        "passed_memory": passed_memory,
        "passed_preview": passed_preview,
        "features_agree": features_agree,
        "passed": passed_time and passed_memory and passed_preview and features_agree,
    }


def _print(
    results: dict[str, Any],
    setup: dict[str, ChildRun],
    pairs: list[dict[str, Any]],
    out: Console,
) -> None:
    from rich.table import Table

    table = Table(
        title=f"{DESCRIPTION} — {results['lines']:,} lines, {results['accounts']:,} accounts"
    )
    columns = (
        ("step", "left"),
        ("seconds", "right"),
        ("CPU seconds", "right"),
        ("peak RSS (MiB)", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for key, child in setup.items():
        table.add_row(
            f"setup: {key.replace('_', ' ')}",
            f"{child.seconds:.2f}",
            _seconds(cpu_seconds(child)),
            _mib(child),
        )
    for number, pair in enumerate(pairs, start=1):
        for kind, label in (("reference", "reference Polars pipeline"), ("kam", "kam score")):
            run = pair[kind]
            table.add_row(
                f"{label} #{number}",
                f"{run['seconds']:.2f}",
                _seconds(run.get("cpu_seconds")),
                _mib(run["peak_rss_bytes"]),
            )
    out.print(table)
    median, ratios, preview = results["median"], results["ratios"], results["preview"]
    verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]"}
    out.print(
        f"median time: kam {median['kam_seconds']:.2f} s / reference "
        f"{median['reference_seconds']:.2f} s = {ratios['time']:.2f}× "
        f"(target ≤ {TIME_RATIO_TARGET:.1f}×) {verdict[results['passed_time']]}"
    )
    if ratios["cpu"] is not None:
        out.print(
            f"median CPU time: kam {median['kam_cpu_seconds']:.2f} s / reference "
            f"{median['reference_cpu_seconds']:.2f} s = {ratios['cpu']:.2f}× (for "
            "information: steadier than wall time on a shared machine; the target is on "
            "wall time)"
        )
    out.print(
        f"median peak memory: kam {_mib(median['kam_peak_rss_bytes'])} MiB / reference "
        f"{_mib(median['reference_peak_rss_bytes'])} MiB "
        f"(target ≤ {PEAK_MEMORY_TARGET / 2**30:.0f} GiB) {verdict[results['passed_memory']]}"
    )
    calls = ", ".join(f"{s:.3f}" for s in preview.get("seconds", []))
    out.print(
        f"preview of new weights: {calls} s (median {preview['median_seconds']:.3f} s, "
        f"target < {PREVIEW_SECONDS_TARGET:.0f} s) {verdict[results['passed_preview']]}"
    )
    agreement = results["features_agreement"]
    if agreement is None:
        out.print("features: kam left no feature cache to compare with the reference")
    else:
        worst = max(agreement["max_abs_difference"].items(), key=lambda kv: kv[1] or 0.0)
        out.print(
            f"features: kam and the reference agree on {agreement['accounts_kam']:,} accounts "
            f"(largest difference {worst[1]} on {worst[0]}) {verdict[results['features_agree']]}"
        )


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _mib(value: float | ChildRun) -> str:
    number = value if isinstance(value, int | float) else value.peak_rss_bytes
    return f"{number / 2**20:,.0f}"


# -- the reference pipeline (run as a child: only Polars is imported) -----------------------


def reference_scores(
    sales: Path, accounts: Path, criteria: list[dict[str, Any]], out: Path, as_of: date
) -> int:
    """Compute every account's features and percentile-rank score with Polars, write
    them to ``out`` (Parquet) and return the number of accounts."""
    import polars as pl

    t12, p12 = _years_before(as_of, 1), _years_before(as_of, 2)
    lines = pl.scan_parquet(sales).filter(pl.col("order_date") < as_of)
    day, amount = pl.col("order_date"), pl.col("amount")
    in_t12 = day >= t12
    in_p12 = (day >= p12) & (day < t12)
    bought = in_t12 & (amount > 0)
    month = day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32)
    per_account = lines.group_by("account_id").agg(
        revenue_12m=amount.filter(in_t12).sum(),
        revenue_prev_12m=amount.filter(in_p12).sum(),
        # like kam: unknown (null) when T12 lines carry no margin, 0 without T12 lines
        margin_12m=pl.when(~in_t12.any())
        .then(0.0)
        .when(pl.col("margin").filter(in_t12).is_not_null().any())
        .then(pl.col("margin").filter(in_t12).sum()),
        quantity_12m=pl.col("quantity").filter(in_t12).sum(),
        orders_12m=pl.col("order_id").filter(bought).n_unique(),
        product_breadth=pl.col("product").filter(bought).n_unique(),
        category_breadth=pl.col("category").filter(bought).drop_nulls().n_unique(),
        active_months_12m=month.filter(bought).n_unique(),
        last_order_date=day.max(),
    )
    countries = (
        pl.concat_list(
            pl.col("country").fill_null(""),
            pl.col("countries_of_operation").fill_null("").str.split("|"),
        )
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.unique()
    )
    attributes = pl.scan_csv(accounts, infer_schema_length=0).select(
        account_id=pl.col("external_id"),
        sector=pl.col("sector"),
        employees=pl.col("employees").cast(pl.Float64),
        market_share=pl.col("market_share").cast(pl.Float64),
        countries_count=countries.list.len(),
    )
    features = (
        attributes.join(per_account, on="account_id", how="left")
        .with_columns(
            pl.col("revenue_12m", "revenue_prev_12m", "quantity_12m").fill_null(0.0),
            # accounts that never bought (no last order date) made no margin
            pl.when(pl.col("last_order_date").is_null())
            .then(0.0)
            .otherwise(pl.col("margin_12m"))
            .alias("margin_12m"),
            pl.col("orders_12m", "product_breadth", "category_breadth", "active_months_12m")
            .fill_null(0)
            .cast(pl.Int64),
            recency_days=(pl.lit(as_of) - pl.col("last_order_date")).dt.total_days(),
        )
        .with_columns(avg_monthly_revenue=pl.col("revenue_12m") / 12)
    )
    points = [_reference_points(c) * (c["weight"]) for c in criteria]
    scored = features.with_columns(score=pl.sum_horizontal(points)).with_columns(
        rank=pl.col("score").rank("ordinal", descending=True)
    )
    frame = scored.collect()
    frame.write_parquet(out)
    return frame.height


def _reference_points(criterion: dict[str, Any]) -> Any:
    """A criterion's normalised value in [0, 1]: the category's points / 100, or the
    percentile rank (average method; missing values count 0)."""
    import polars as pl

    value = pl.col(criterion["feature"])
    if criterion["categories"] is not None:
        mapping = {k.lower(): v / 100 for k, v in criterion["categories"].items()}
        other = mapping.pop("*", 0.0)
        return (
            value.str.to_lowercase()
            .replace_strict(mapping, default=other, return_dtype=pl.Float64)
            .fill_null(0.0)
        )
    count = value.count()
    rank = (value.rank("average") - 1) / pl.when(count > 1).then(count - 1).otherwise(1)
    return pl.when(count == 1).then(1.0).otherwise(rank).fill_null(0.0)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def main(argv: list[str]) -> int:
    """``reference SALES.parquet ACCOUNTS.csv CRITERIA.json OUT.parquet AS_OF``."""
    if len(argv) != 6 or argv[0] != "reference":
        print(main.__doc__, file=sys.stderr)
        return 2
    _, sales, accounts, criteria, out, as_of = argv
    rows = reference_scores(
        Path(sales),
        Path(accounts),
        json.loads(Path(criteria).read_text(encoding="utf-8")),
        Path(out),
        date.fromisoformat(as_of),
    )
    print(json.dumps({"accounts": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
