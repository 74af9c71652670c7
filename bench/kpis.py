"""Benchmark: the company KPI set of one period computed by kam against a reference Polars
computation of the same numbers, and the KPI dashboard's response time once cached.

The data: the bench data set imported into a private home (accounts and sales), scored
as of the start of the period P = [2025-01-01, 2025-12-31] and put in force, so that its
key tier is the key-account list at the start (and, no later run existing, at the end)
of P. Both lists are exported to Parquet for the reference (not timed).

Measured, side by side and interleaved (the order alternates; medians reported):

- kam: a child that sets Django up, then calls :func:`kam.kpis.selectors.kpi_report`
  for the company — one ledger aggregate by DuckDB, the runs, key accounts, leads,
  activities, managers and targets from the database, every KPI with the difference in
  differences and its 1,000-resample bootstrap;
- the reference: a child that reads the Parquet copy of the sales, the accounts CSV and
  the key lists with Polars and computes the same figures (the same matching and the
  same bootstrap, seeded alike).

Each child times its computation itself (``compute_seconds``: after its imports and
Django's set-up, what a running server pays) and is timed as a whole by the launcher;
the target, ≤ 1.5×, is on the computation. The figures of both sides are compared.

Then the dashboard page (``/kpis/``) is requested with Django's test client in a child:
once to compute and cache its numbers, then 5 times; target: the median under 300 ms.

The reference runs on its own too:
``python -m bench.kpis reference SALES.parquet ACCOUNTS.csv KEYS.parquet FROM TO``
(only the standard library is imported at the top of this module).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from bench.measure import ChildRun
    from bench.options import BenchOptions

NAME = "kpis"
DESCRIPTION = "kam's company KPIs of a period vs a Polars computation; the cached dashboard"
TIME_RATIO_TARGET = 1.5
DASHBOARD_SECONDS_TARGET = 0.3
PERIOD_FROM, PERIOD_TO = date(2025, 1, 1), date(2025, 12, 31)
DASHBOARD_REQUESTS = 5
# The figures compared between kam and the reference.
COMPARED = (
    "accounts",
    "revenue",
    "revenue_previous",
    "key_accounts",
    "increased",
    "key_revenue",
    "uplift_total",
    "uplift_mean",
    "uplift_median",
    "uplift_pct",
    "key_revenue_share",
    "retained",
    "new_key_accounts",
    "did",
    "did_ci_low",
    "did_ci_high",
)
_ROOT = Path(__file__).resolve().parent.parent

# kam's side: Django set up, then the company KPIs of the period (timed inside).
KAM_CODE = """
import json, sys, time
from datetime import date
import django
django.setup()
from kam.kpis.selectors import kpi_report
started = time.perf_counter()
view = kpi_report(user=None, date_from=date.fromisoformat(sys.argv[1]),
                  date_to=date.fromisoformat(sys.argv[2]))
seconds = time.perf_counter() - started
s = view.summary
did = s.did
print(json.dumps({
    "compute_seconds": seconds,
    "figures": {
        "accounts": s.accounts, "revenue": s.revenue, "revenue_previous": s.revenue_previous,
        "key_accounts": s.key_accounts, "increased": s.increased,
        "key_revenue": s.key_revenue, "uplift_total": s.uplift_total,
        "uplift_mean": s.uplift_mean, "uplift_median": s.uplift_median,
        "uplift_pct": s.uplift_pct, "key_revenue_share": s.key_revenue_share,
        "retained": s.retained,
        "new_key_accounts": s.new_key_accounts.count if s.new_key_accounts else None,
        "did": did.estimate if did else None,
        "did_ci_low": did.ci_low if did else None,
        "did_ci_high": did.ci_high if did else None,
    },
}))
"""

# The key-account lists at the start and end of P, exported for the reference.
EXPORT_CODE = """
import sys
from datetime import date
import django
django.setup()
import polars as pl
from kam.domain.tiers import KEY
from kam.kpis.selectors import key_list_on
from kam.scoring.models import AccountScore
rows = []
for side, day in (("start", sys.argv[2]), ("end", sys.argv[3])):
    found = key_list_on(date.fromisoformat(day))
    if found is None:
        raise SystemExit(f"no key-account list in force on {day}")
    ids = AccountScore.objects.filter(run_id=found.run_id, tier=KEY).values_list(
        "account__external_id", flat=True)
    rows += [(side, i) for i in ids]
pl.DataFrame(rows, schema={"side": pl.String, "account_id": pl.String}, orient="row"
             ).write_parquet(sys.argv[1])
print(len(rows))
"""

# The dashboard page through Django's test client, as a director.
DASHBOARD_CODE = """
import json, sys, time
import django
django.setup()
from django.test import Client
from kam.core.services import user_create
from django.contrib.auth import get_user_model
user = get_user_model().objects.filter(username="bench-director").first()
if user is None:
    user, _ = user_create(username="bench-director", role="director", password="bench-Pw-123")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
url = f"/kpis/?from={sys.argv[1]}&to={sys.argv[2]}"
started = time.perf_counter()
first = client.get(url)
cold = time.perf_counter() - started
assert first.status_code == 200, first.status_code
seconds = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    response = client.get(url)
    seconds.append(time.perf_counter() - started)
    assert response.status_code == 200, response.status_code
print(json.dumps({"cold_seconds": cold, "seconds": seconds, "bytes": len(response.content)}))
"""


def run(options: BenchOptions, out: Console) -> dict[str, Any]:
    """Run the KPI benchmark and return its results (JSON-ready)."""
    from bench.data import bench_files
    from bench.imports import checked, copy_database, import_result, read_through
    from bench.measure import kam_argv, kam_env, run_child
    from bench.scoring import _sales_parquet, measured

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
    keys_path = home / "keys.parquet"
    steps = (
        ("migrate", kam_argv("migrate")),
        (
            "import_accounts",
            kam_argv("import", "accounts", str(files.accounts_csv), "--format", "json"),
        ),
        ("import_sales", kam_argv("import", "sales", str(files.sales_csv), "--format", "json")),
        (
            "score",
            kam_argv("score", "--as-of", PERIOD_FROM.isoformat(), "--apply", "--format", "json"),
        ),
        (
            "export_keys",
            (
                sys.executable,
                "-c",
                EXPORT_CODE,
                str(keys_path),
                PERIOD_FROM.isoformat(),
                PERIOD_TO.isoformat(),
            ),
        ),
    )
    for key, argv in steps:
        setup[key] = checked(run_child(key, argv, env=kam_env(base), logs=logs, cwd=_ROOT))
    stored = import_result(setup["import_sales"]).get("rows_stored")
    if stored != options.lines:
        raise RuntimeError(f"kam import sales stored {stored} lines, not {options.lines}")
    read_through(sales_parquet)  # both sides then start from a warm page cache
    for batch in (base / "ledger").glob("*.parquet"):
        read_through(batch)

    period = (PERIOD_FROM.isoformat(), PERIOD_TO.isoformat())
    pairs: list[dict[str, Any]] = []
    figures: dict[str, dict[str, Any]] = {}
    run_home = home / "run"
    copy_database(base, run_home)
    (run_home / "ledger").symlink_to(base / "ledger", target_is_directory=True)
    for number in range(1, options.repeat + 1):
        children = [
            (
                "reference",
                f"reference-{number}",
                reference_argv(sales_parquet, files.accounts_csv, keys_path, *period),
            ),
            ("kam", f"kam-kpis-{number}", (sys.executable, "-c", KAM_CODE, *period)),
        ]
        if number % 2 == 0:  # alternate who goes first
            children.reverse()
        runs = {
            kind: checked(run_child(name, argv, env=kam_env(run_home), logs=logs, cwd=_ROOT))
            for kind, name, argv in children
        }
        outputs = {kind: _json_output(child) for kind, child in runs.items()}
        pairs.append(
            {
                kind: {**measured(child), "compute_seconds": outputs[kind]["compute_seconds"]}
                for kind, child in runs.items()
            }
        )
        figures = {kind: outputs[kind]["figures"] for kind in outputs}

    dashboard_child = checked(
        run_child(
            "dashboard",
            (sys.executable, "-c", DASHBOARD_CODE, *period, str(DASHBOARD_REQUESTS)),
            env=kam_env(run_home),
            logs=logs,
            cwd=_ROOT,
        )
    )
    dashboard = _json_output(dashboard_child)
    if not options.keep:
        import shutil

        shutil.rmtree(base / "ledger", ignore_errors=True)
        (run_home / "kam.sqlite3").unlink(missing_ok=True)

    results = summary(pairs, dashboard, figures)
    results.update(
        benchmark=NAME,
        accounts=options.accounts,
        lines=options.lines,
        period={"from": period[0], "to": period[1]},
        data=files.meta,
        data_generated=files.generated,
        home=str(home),
        setup={key: measured(child) for key, child in setup.items()},
        runs=pairs,
        dashboard_run=measured(dashboard_child),
    )
    _print(results, out)
    return results


def _json_output(child: ChildRun) -> dict[str, Any]:
    """The JSON object a child printed on its last line of standard output."""
    text = Path(child.stdout_path).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"{child.name} did not print JSON: {text[-200:]!r}") from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{child.name} printed {text[-200:]!r}, not a JSON object")
    return data


def reference_argv(
    sales: Path, accounts: Path, keys: Path, date_from: str, date_to: str
) -> tuple[str, ...]:
    return (
        sys.executable,
        "-m",
        "bench.kpis",
        "reference",
        str(sales),
        str(accounts),
        str(keys),
        date_from,
        date_to,
    )


def agreement(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures of both sides, and whether they agree (relative 1e-9; the bootstrap
    interval 1e-6)."""
    kam, reference = figures.get("kam", {}), figures.get("reference", {})
    differing = {}
    for name in COMPARED:
        ours, theirs = kam.get(name), reference.get(name)
        if ours is None or theirs is None:
            if ours is not theirs:
                differing[name] = (ours, theirs)
            continue
        tolerance = 1e-6 if name.startswith("did_ci") else 1e-9
        if abs(ours - theirs) > tolerance * max(abs(theirs), 1.0):
            differing[name] = (ours, theirs)
    return {"kam": kam, "reference": reference, "differing": differing, "agree": not differing}


def summary(
    pairs: list[dict[str, Any]], dashboard: dict[str, Any], figures: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Medians, ratios and verdicts."""

    def median(kind: str, key: str) -> float:
        return float(statistics.median(pair[kind][key] for pair in pairs))

    kam_compute, reference_compute = (
        median("kam", "compute_seconds"),
        median("reference", "compute_seconds"),
    )
    kam_child, reference_child = median("kam", "seconds"), median("reference", "seconds")
    ratio = kam_compute / reference_compute if reference_compute else float("inf")
    page = [float(s) for s in dashboard.get("seconds", [])]
    page_median = statistics.median(page) if page else float("inf")
    agreed = agreement(figures)
    passed_time = ratio <= TIME_RATIO_TARGET
    passed_dashboard = page_median < DASHBOARD_SECONDS_TARGET
    return {
        "median": {
            "kam_compute_seconds": kam_compute,
            "reference_compute_seconds": reference_compute,
            "kam_child_seconds": kam_child,
            "reference_child_seconds": reference_child,
            "kam_peak_rss_bytes": int(median("kam", "peak_rss_bytes")),
            "reference_peak_rss_bytes": int(median("reference", "peak_rss_bytes")),
        },
        "ratios": {
            "compute": round(ratio, 3),
            "child": round(kam_child / reference_child, 3) if reference_child else None,
        },
        "dashboard": {**dashboard, "median_seconds": page_median},
        "figures": agreed,
        "targets": {
            "time_ratio_max": TIME_RATIO_TARGET,
            "dashboard_seconds_max": DASHBOARD_SECONDS_TARGET,
        },
        "passed_time": passed_time,
        "passed_dashboard": passed_dashboard,
        "figures_agree": agreed["agree"],
        "passed": passed_time and passed_dashboard and agreed["agree"],
    }


def _print(results: dict[str, Any], out: Console) -> None:
    from rich.table import Table

    table = Table(
        title=f"{DESCRIPTION} — {results['lines']:,} lines, {results['accounts']:,} accounts"
    )
    for column in ("step", "compute s", "child s", "peak RSS (MiB)"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for key, child in results["setup"].items():
        table.add_row(
            f"setup: {key.replace('_', ' ')}",
            "",
            f"{child['seconds']:.2f}",
            f"{child['peak_rss_bytes'] / 2**20:,.0f}",
        )
    for number, pair in enumerate(results["runs"], start=1):
        for kind, label in (("reference", "reference Polars"), ("kam", "kam kpi_report")):
            run = pair[kind]
            table.add_row(
                f"{label} #{number}",
                f"{run['compute_seconds']:.2f}",
                f"{run['seconds']:.2f}",
                f"{run['peak_rss_bytes'] / 2**20:,.0f}",
            )
    out.print(table)
    median, ratios, page = results["median"], results["ratios"], results["dashboard"]
    verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]"}
    out.print(
        f"median computation: kam {median['kam_compute_seconds']:.2f} s / reference "
        f"{median['reference_compute_seconds']:.2f} s = {ratios['compute']:.2f}× "
        f"(target ≤ {TIME_RATIO_TARGET:.1f}×) {verdict[results['passed_time']]}"
    )
    out.print(
        f"median child (with start-up): kam {median['kam_child_seconds']:.2f} s / reference "
        f"{median['reference_child_seconds']:.2f} s = {ratios['child']}× (for information)"
    )
    calls = ", ".join(f"{s * 1000:.0f}" for s in page.get("seconds", []))
    out.print(
        f"dashboard once cached: {calls} ms (median {page['median_seconds'] * 1000:.0f} ms, "
        f"first request {page.get('cold_seconds', 0):.2f} s; target < "
        f"{DASHBOARD_SECONDS_TARGET * 1000:.0f} ms) {verdict[results['passed_dashboard']]}"
    )
    differing = results["figures"]["differing"]
    out.print(
        "figures: kam and the reference agree " + verdict[True]
        if not differing
        else f"figures differ: {differing} {verdict[False]}"
    )


# -- the reference computation (run as a child: only Polars and NumPy are imported) --------

MATCHES = 3
RESAMPLES = 1_000
BOOTSTRAP_SEED = 20_240_601


def reference_kpis(
    sales: Path, accounts: Path, keys: Path, date_from: date, date_to: date
) -> dict[str, Any]:
    """The company KPIs of [date_from, date_to] from the Parquet sales, the accounts CSV
    and the key lists, with Polars (and NumPy for the bootstrap's resampling)."""
    import numpy as np
    import polars as pl

    days = (date_to - date_from).days + 1
    previous_from = date_from - timedelta(days=days)
    day, amount = pl.col("order_date"), pl.col("amount")
    revenue = (
        pl.scan_parquet(sales)
        .filter(day <= date_to)
        .group_by("account_id")
        .agg(
            revenue=amount.filter(day >= date_from).sum(),
            revenue_previous=amount.filter((day >= previous_from) & (day < date_from)).sum(),
            bought_before=((day < date_from) & (amount > 0)).any(),
        )
    )
    key_lists = pl.read_parquet(keys)
    start = key_lists.filter(pl.col("side") == "start")["account_id"].implode()
    end = key_lists.filter(pl.col("side") == "end")["account_id"].implode()
    frame = (
        pl.scan_csv(accounts, infer_schema_length=0)
        .select(account_id="external_id", sector="sector")
        .join(revenue, on="account_id", how="left")
        .with_columns(
            pl.col("revenue", "revenue_previous").fill_null(0.0),
            pl.col("bought_before").fill_null(False),
            is_key=pl.col("account_id").is_in(start),
            key_at_end=pl.col("account_id").is_in(end),
        )
        .with_columns(uplift=pl.col("revenue") - pl.col("revenue_previous"))
        .sort("account_id")
        .collect()
    )
    key = pl.col("is_key")
    row = frame.select(
        accounts=pl.len(),
        revenue=pl.col("revenue").sum(),
        revenue_previous=pl.col("revenue_previous").sum(),
        key_accounts=key.sum(),
        increased=(key & (pl.col("revenue") > pl.col("revenue_previous"))).sum(),
        key_revenue=pl.col("revenue").filter(key).sum(),
        key_revenue_previous=pl.col("revenue_previous").filter(key).sum(),
        uplift_total=pl.col("uplift").filter(key).sum(),
        uplift_mean=pl.col("uplift").filter(key).mean(),
        uplift_median=pl.col("uplift").filter(key).median(),
        retained=(key & (pl.col("revenue") > 0)).sum(),
        new_key_accounts=(pl.col("key_at_end") & ~key).sum(),
    ).row(0, named=True)
    row["uplift_pct"] = (
        row["uplift_total"] / row["key_revenue_previous"]
        if row["key_revenue_previous"] > 0
        else None
    )
    row["key_revenue_share"] = row["key_revenue"] / row["revenue"] if row["revenue"] > 0 else None
    differences = _reference_differences(frame)
    if differences is None:
        row.update(did=None, did_ci_low=None, did_ci_high=None)
    else:
        row["did"] = float(differences.mean())
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        n = differences.size
        chunk = max(1, 2_000_000 // n)
        means = np.empty(RESAMPLES)
        for first in range(0, RESAMPLES, chunk):
            count = min(chunk, RESAMPLES - first)
            means[first : first + count] = differences[rng.integers(0, n, size=(count, n))].mean(
                axis=1
            )
        low, high = np.percentile(means, [2.5, 97.5])
        row["did_ci_low"], row["did_ci_high"] = float(low), float(high)
    del row["key_revenue_previous"]
    return row


def _reference_differences(frame: Any) -> Any:
    """Each key account's uplift minus the mean uplift of its 3 comparisons: the non-key
    accounts of its sector with the nearest log(1 + max(revenue(P'), 0)), ties by account
    id; across every sector when its sector has fewer than 3 or it has none. Found with
    one sort and a window of 3 places on either side of each key account's place."""
    import numpy as np
    import polars as pl

    data = frame.with_row_index("row").with_columns(
        size=pl.col("revenue_previous").clip(lower_bound=0.0).log1p(),
        sector=pl.col("sector").fill_null("").str.strip_chars(),
    )
    pool = data.filter(~pl.col("is_key"))
    keys = data.filter(pl.col("is_key"))
    if keys.is_empty() or pool.height < MATCHES:
        return None
    per_sector = pool.group_by("sector").len()
    keys = keys.join(per_sector, on="sector", how="left").with_columns(
        everywhere=(pl.col("sector") == "") | (pl.col("len").fill_null(0) < MATCHES)
    )
    chosen = pl.concat(
        [
            _nearest(keys.filter(~pl.col("everywhere")), pool, by_sector=True),
            _nearest(keys.filter(pl.col("everywhere")), pool, by_sector=False),
        ]
    )
    compared = (
        chosen.join(data.select("row", comparison_uplift="uplift"), left_on="match", right_on="row")
        .group_by("key_row")
        .agg(pl.col("comparison_uplift").mean())
        .join(data.select(key_row="row", uplift="uplift"), on="key_row")
        .sort("key_row")
    )
    return np.asarray(compared["uplift"] - compared["comparison_uplift"], dtype=float)


def _nearest(keys: Any, pool: Any, *, by_sector: bool) -> Any:
    """(key_row, match): the 3 nearest pool rows of each key row (see above)."""
    import polars as pl

    if keys.is_empty():
        return pl.DataFrame(schema={"key_row": pl.UInt32, "match": pl.UInt32})
    group = pl.col("sector") if by_sector else pl.lit("")
    columns = ["row", "size", group.alias("group")]
    both = pl.concat(
        [
            pool.select(*columns, is_pool=pl.lit(True)),
            keys.select(*columns, is_pool=pl.lit(False)),
        ]
    )
    # An exact integer sort key: (group, rank of the size).
    stride = both.height + 1
    both = both.with_columns(
        code=pl.col("group").rank("dense").cast(pl.Int64),
        place=pl.col("group").rank("dense").cast(pl.Int64) * stride
        + pl.col("size").rank("dense").cast(pl.Int64),
    )
    pool_placed = both.filter(pl.col("is_pool"))
    key_placed = both.filter(~pl.col("is_pool"))
    above = pool_placed.sort(["place", "row"])
    below = pool_placed.sort(["place", "row"], descending=[False, True])
    start = above["place"].search_sorted(key_placed["place"], side="left")
    offsets = list(range(-MATCHES, MATCHES))
    candidates = (
        key_placed.select(key_row="row", key_code="code", key_size="size")
        .with_columns(start=start, offset=pl.lit(offsets))
        .explode("offset")
        .with_columns(position=pl.col("start") + pl.col("offset"))
        .filter((pl.col("position") >= 0) & (pl.col("position") < above.height))
    )
    below_rows = below.select("row", "code", "size").with_row_index("position")
    above_rows = above.select("row", "code", "size").with_row_index("position")
    cast = pl.col("position").cast(pl.UInt32)
    found = pl.concat(
        [
            candidates.filter(pl.col("offset") < 0)
            .with_columns(cast)
            .join(below_rows, on="position"),
            candidates.filter(pl.col("offset") >= 0)
            .with_columns(cast)
            .join(above_rows, on="position"),
        ]
    )
    return (
        found.filter(pl.col("code") == pl.col("key_code"))
        .with_columns(distance=(pl.col("size") - pl.col("key_size")).abs())
        .sort(["key_row", "distance", "row"])
        .group_by("key_row", maintain_order=True)
        .head(MATCHES)
        .select("key_row", match="row")
    )


def main(argv: list[str]) -> int:
    """``reference SALES.parquet ACCOUNTS.csv KEYS.parquet FROM TO``."""
    if len(argv) != 6 or argv[0] != "reference":
        print(main.__doc__, file=sys.stderr)
        return 2
    _, sales, accounts, keys, date_from, date_to = argv
    import numpy  # noqa: F401  (imported before the clock starts, like Django on kam's side)
    import polars  # noqa: F401

    started = time.perf_counter()
    figures = reference_kpis(
        Path(sales),
        Path(accounts),
        Path(keys),
        date.fromisoformat(date_from),
        date.fromisoformat(date_to),
    )
    seconds = time.perf_counter() - started
    print(json.dumps({"compute_seconds": seconds, "figures": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
