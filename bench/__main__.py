"""``python -m bench [NAME ...]``: run kam's benchmarks and write their results as JSON.

Exit code 0 when every benchmark met its targets, 1 when one missed them or failed,
2 on a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import BENCHMARKS
from bench.options import (
    DEFAULT_ACCOUNTS,
    DEFAULT_DIRECTORY,
    DEFAULT_LINES,
    DEFAULT_SEED,
    BenchOptions,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run kam's benchmarks (all of them when no name is given). Input data "
        "is generated once and cached; each measured step is a child process with a "
        "private KAM_HOME; results are written to DIR/results-<timestamp>.json.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--accounts",
        type=_positive,
        default=DEFAULT_ACCOUNTS,
        metavar="N",
        help=f"accounts in the data set (default {DEFAULT_ACCOUNTS:,})",
    )
    parser.add_argument(
        "--lines",
        type=_positive,
        default=DEFAULT_LINES,
        metavar="N",
        help=f"order lines in the data set (default {DEFAULT_LINES:,})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S")
    parser.add_argument(
        "--repeat",
        type=_positive,
        default=1,
        metavar="N",
        help="measured repetitions, interleaved; the median is reported",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIRECTORY,
        dest="directory",
        help=f"where data, homes and results go (default {DEFAULT_DIRECTORY})",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the bulky outputs (ledger files, reference Parquet)",
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def main(argv: Sequence[str] | None = None, out: Console | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; one of {', '.join(BENCHMARKS)}")
    if args.seed < 0:
        parser.error("--seed must be zero or positive")
    out = out or Console()
    options = BenchOptions(
        directory=args.directory.resolve(),
        stamp=time.strftime("%Y%m%d-%H%M%S"),
        accounts=args.accounts,
        lines=args.lines,
        seed=args.seed,
        repeat=args.repeat,
        keep=args.keep,
    )
    options.directory.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "stamp": options.stamp,
        "machine": _machine(),
        "options": {
            "accounts": options.accounts,
            "lines": options.lines,
            "seed": options.seed,
            "repeat": options.repeat,
        },
        "benchmarks": {},
    }
    passed = True
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        out.rule(f"{name}: {module.DESCRIPTION}")
        try:
            result = module.run(options, out)
        except Exception as exc:  # a failed step: record it, keep the other benchmarks
            out.print(f"{name}: failed: {exc}", style="red")
            result = {"benchmark": name, "error": str(exc), "passed": False}
        report["benchmarks"][name] = result
        passed = passed and bool(result.get("passed"))
    path = options.directory / f"results-{options.stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out.print(f"results: {path}")
    return 0 if passed else 1


def _machine() -> dict[str, Any]:
    """What the numbers depend on besides kam's code."""
    machine: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    for package in ("kam", "polars", "duckdb", "ibis-framework", "numpy", "Django"):
        try:
            machine[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            machine[package] = None
    return machine


if __name__ == "__main__":
    sys.exit(main())
