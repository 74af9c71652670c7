"""The benchmark's input files, generated once and cached under the bench folder.

The files of one size live in ``data-a<accounts>-l<lines>-s<seed>/`` with a
``meta.json`` naming the generator version; they are regenerated when missing or when
the generator changed, and folders of other generator versions are removed (they are
large and can no longer be used).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kam.demo.generate import GENERATOR_VERSION, DemoSpec, demo_generate

# A fixed as-of date: the data, and so the results, do not drift with the calendar.
BENCH_AS_OF = date(2026, 1, 1)
META = "meta.json"


@dataclass(frozen=True)
class BenchFiles:
    """The cached input files of one benchmark size."""

    accounts_csv: Path
    sales_csv: Path
    generated: bool  # False when the cached files were reused
    generation_seconds: float
    meta: dict[str, Any]


def bench_files(directory: Path, *, accounts: int, lines: int, seed: int) -> BenchFiles:
    """The accounts and sales CSV files of this size, generated if needed."""
    folder = directory / f"data-a{accounts}-l{lines}-s{seed}"
    meta = {
        "generator_version": GENERATOR_VERSION,
        "accounts": accounts,
        "lines": lines,
        "seed": seed,
        "as_of": BENCH_AS_OF.isoformat(),
    }
    accounts_csv, sales_csv = folder / "accounts.csv", folder / "sales.csv"
    _remove_stale(directory)
    if _cached(folder, meta) and accounts_csv.exists() and sales_csv.exists():
        return BenchFiles(accounts_csv, sales_csv, False, 0.0, _read_meta(folder))

    started = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data = demo_generate(DemoSpec(as_of=BENCH_AS_OF, accounts=accounts, lines=lines, seed=seed))
    data.accounts.write_csv(accounts_csv)
    data.sales.write_csv(sales_csv)
    seconds = round(time.perf_counter() - started, 2)
    del data  # the frames of 10 M lines take gigabytes: free them before the children run
    meta.update(
        generation_seconds=seconds,
        accounts_csv_bytes=accounts_csv.stat().st_size,
        sales_csv_bytes=sales_csv.stat().st_size,
    )
    # meta.json is written last: an interrupted generation is never taken for a cache.
    (folder / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return BenchFiles(accounts_csv, sales_csv, True, seconds, meta)


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _cached(folder: Path, meta: dict[str, Any]) -> bool:
    found = _read_meta(folder)
    return all(found.get(key) == value for key, value in meta.items())


def _remove_stale(directory: Path) -> None:
    """Remove data folders written by another version of the generator (a folder with
    no meta.json yet may be one being written: it is left alone)."""
    if not directory.exists():
        return
    for folder in directory.glob("data-*"):
        version = _read_meta(folder).get("generator_version")
        if folder.is_dir() and version is not None and version != GENERATOR_VERSION:
            shutil.rmtree(folder, ignore_errors=True)
