"""Benchmark: `kam import sales` against a plain Polars read_csv + write_parquet.

The reference is the least any CSV import must do: parse the file and write Parquet.
kam also validates every line, checks accounts and duplicates, hashes the file, writes
the ledger batch safely and commits it. Targets: at most 2× the reference's time, at
most 4 GiB of peak memory. Each pair (reference, kam) runs in fresh homes, interleaved
(the order alternates), so both see the same machine state; the median is reported.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.data import bench_files
from bench.measure import ChildRun, kam_argv, kam_env, run_child
from bench.options import BenchOptions

NAME = "import"
DESCRIPTION = "kam import sales vs polars read_csv + write_parquet of the same CSV"
TIME_RATIO_TARGET = 2.0
PEAK_MEMORY_TARGET = 4 * 2**30
REFERENCE_CODE = "import sys, polars as pl; pl.read_csv(sys.argv[1]).write_parquet(sys.argv[2])"


class BenchFailed(Exception):
    """A step of the benchmark failed: there is nothing meaningful to compare."""


def run(options: BenchOptions, out: Console) -> dict[str, Any]:
    """Run the import benchmark and return its results (JSON-ready)."""
    files = bench_files(
        options.directory, accounts=options.accounts, lines=options.lines, seed=options.seed
    )
    out.print(
        f"data: {files.sales_csv.parent} "
        + (f"(generated in {files.generation_seconds:.1f} s)" if files.generated else "(cached)")
    )
    logs = options.home / "logs"
    base = options.home / "base"
    base.mkdir(parents=True, exist_ok=True)
    migrate = checked(run_child("migrate", kam_argv("migrate"), env=kam_env(base), logs=logs))
    accounts = checked(
        run_child(
            "import-accounts",
            kam_argv("import", "accounts", str(files.accounts_csv), "--format", "json"),
            env=kam_env(base),
            logs=logs,
        )
    )
    accounts_result = import_result(accounts)
    read_through(files.sales_csv)  # both sides then start from a warm page cache

    pairs: list[dict[str, Any]] = []
    for number in range(1, options.repeat + 1):
        home = options.home / f"run-{number}"
        copy_database(base, home)
        steps = [
            (
                "reference",
                f"reference-{number}",
                (
                    sys.executable,
                    "-c",
                    REFERENCE_CODE,
                    str(files.sales_csv),
                    str(home / "reference.parquet"),
                ),
            ),
            (
                "import",
                f"import-sales-{number}",
                kam_argv("import", "sales", str(files.sales_csv), "--format", "json"),
            ),
        ]
        if number % 2 == 0:  # alternate who goes first
            steps.reverse()
        runs = {
            kind: checked(run_child(name, argv, env=kam_env(home), logs=logs))
            for kind, name, argv in steps
        }
        stored = import_result(runs["import"]).get("rows_stored")
        if stored != options.lines:
            raise BenchFailed(f"kam import sales stored {stored} lines, not {options.lines}")
        pairs.append({kind: child.as_dict() for kind, child in runs.items()})
        if not options.keep:
            (home / "reference.parquet").unlink(missing_ok=True)
            shutil.rmtree(home / "ledger", ignore_errors=True)

    results = _summary(pairs)
    results.update(
        benchmark=NAME,
        accounts=options.accounts,
        lines=options.lines,
        data=files.meta,
        data_generated=files.generated,
        home=str(options.home),
        setup={
            "migrate": migrate.as_dict(),
            "import_accounts": accounts.as_dict(),
            "accounts_created": accounts_result.get("created"),
        },
        runs=pairs,
    )
    _print(results, migrate, accounts, pairs, out)
    return results


def checked(child: ChildRun) -> ChildRun:
    """The child, if it succeeded; else :class:`BenchFailed` with the end of its error
    output and where its logs are."""
    if not child.ok:
        raise BenchFailed(
            f"{child.name} exited with {child.returncode}: {child.stderr_tail() or '(no output)'}"
            f" — logs in {Path(child.stderr_path).parent}"
        )
    return child


def import_result(child: ChildRun) -> dict[str, Any]:
    """The ImportResult a `kam import --format json` child printed."""
    text = Path(child.stdout_path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        raise BenchFailed(f"{child.name} did not print a JSON result: {text[:200]!r}") from None
    if not isinstance(data, dict) or data.get("outcome") != "committed":
        raise BenchFailed(f"{child.name} stored nothing: {text[:300]}")
    return data


def copy_database(base: Path, home: Path) -> None:
    """A fresh home holding a consistent copy of the base database (SQLite's backup
    API, so a write-ahead log is folded in), with an empty ledger."""
    home.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(base / "kam.sqlite3")
    target = sqlite3.connect(home / "kam.sqlite3")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def read_through(path: Path) -> None:
    """Read a file to the end, so that the page cache holds it for the measured runs."""
    with open(path, "rb") as handle:
        while handle.read(16 * 2**20):
            pass


def _summary(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    def median(kind: str, key: str) -> float:
        return float(statistics.median(pair[kind][key] for pair in pairs))

    reference_seconds = median("reference", "seconds")
    import_seconds = median("import", "seconds")
    reference_rss = median("reference", "peak_rss_bytes")
    import_rss = median("import", "peak_rss_bytes")
    time_ratio = import_seconds / reference_seconds if reference_seconds else float("inf")
    passed_time = time_ratio <= TIME_RATIO_TARGET
    passed_memory = import_rss <= PEAK_MEMORY_TARGET
    return {
        "median": {
            "reference_seconds": reference_seconds,
            "import_seconds": import_seconds,
            "reference_peak_rss_bytes": int(reference_rss),
            "import_peak_rss_bytes": int(import_rss),
        },
        "ratios": {
            "time": round(time_ratio, 3),
            "memory": round(import_rss / reference_rss, 3) if reference_rss else None,
        },
        "targets": {
            "time_ratio_max": TIME_RATIO_TARGET,
            "peak_memory_max_bytes": PEAK_MEMORY_TARGET,
        },
        "passed_time": passed_time,
        "passed_memory": passed_memory,
        "passed": passed_time and passed_memory,
    }


def _print(
    results: dict[str, Any],
    migrate: ChildRun,
    accounts: ChildRun,
    pairs: list[dict[str, Any]],
    out: Console,
) -> None:
    table = Table(
        title=f"{DESCRIPTION} — {results['lines']:,} lines, {results['accounts']:,} accounts"
    )
    for column, justify in (("step", "left"), ("seconds", "right"), ("peak RSS (MiB)", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_row("kam migrate", f"{migrate.seconds:.2f}", _mib(migrate.peak_rss_bytes))
    table.add_row("kam import accounts", f"{accounts.seconds:.2f}", _mib(accounts.peak_rss_bytes))
    for number, pair in enumerate(pairs, start=1):
        for kind, label in (
            ("reference", "reference read_csv+write_parquet"),
            ("import", "kam import sales"),
        ):
            run = pair[kind]
            table.add_row(
                f"{label} #{number}", f"{run['seconds']:.2f}", _mib(run["peak_rss_bytes"])
            )
    out.print(table)
    median, ratios = results["median"], results["ratios"]
    verdict = {True: "[green]PASS[/green]", False: "[red]FAIL[/red]"}
    out.print(
        f"median time: kam {median['import_seconds']:.2f} s / reference "
        f"{median['reference_seconds']:.2f} s = {ratios['time']:.2f}× "
        f"(target ≤ {TIME_RATIO_TARGET:.1f}×) {verdict[results['passed_time']]}"
    )
    out.print(
        f"median peak memory: kam {_mib(median['import_peak_rss_bytes'])} MiB / reference "
        f"{_mib(median['reference_peak_rss_bytes'])} MiB = {ratios['memory']:.2f}× "
        f"(target ≤ {PEAK_MEMORY_TARGET / 2**30:.0f} GiB) {verdict[results['passed_memory']]}"
    )


def _mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"
