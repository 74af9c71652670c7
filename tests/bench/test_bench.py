"""A fast smoke test of the benchmark code on a tiny data set (not the benchmark itself)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.data import META, bench_files
from bench.measure import kam_env, run_child


def test_a_child_is_measured_by_its_own_peak_memory_and_exit_code(tmp_path: Path):
    # given a child that touches 200 MiB and one that does nothing, started from this
    # (large) test process
    grow = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    env = dict(os.environ)
    # when both are measured
    big = run_child("big", [sys.executable, "-c", grow], env=env, logs=tmp_path)
    small = run_child(
        "small", [sys.executable, "-c", "raise SystemExit(3)"], env=env, logs=tmp_path
    )
    # then the peak memory is each child's own, not this process's
    assert 200 * 2**20 <= big.peak_rss_bytes < 400 * 2**20
    assert small.peak_rss_bytes < 100 * 2**20
    assert big.seconds > 0
    # and exit codes come through
    assert (big.returncode, small.returncode) == (0, 3)
    assert not small.ok


def test_kam_children_get_a_private_home_and_no_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # given an environment pointing at a real database
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@somewhere/production")
    monkeypatch.setenv("KAM_LEDGER_DIR", "/somewhere/else")
    # when the environment of a kam child is built
    env = kam_env(tmp_path)
    # then it names only the private home
    assert "DATABASE_URL" not in env and "KAM_LEDGER_DIR" not in env
    assert env["KAM_HOME"] == str(tmp_path)
    assert env["KAM_DEBUG"] == "0"


def test_bench_files_are_cached_and_regenerated_for_a_new_generator(tmp_path: Path):
    # given the files of a tiny size, generated once
    first = bench_files(tmp_path, accounts=20, lines=500, seed=1)
    written = first.sales_csv.stat().st_mtime_ns
    # when asked again
    again = bench_files(tmp_path, accounts=20, lines=500, seed=1)
    # then the cached files are reused
    assert first.generated and not again.generated
    assert again.sales_csv.stat().st_mtime_ns == written
    assert first.sales_csv.read_text().count("\n") == 501  # header + lines
    # when the files were written by another generator version
    meta = first.sales_csv.parent / META
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "generator_version": "0"}))
    # then they are generated anew
    assert bench_files(tmp_path, accounts=20, lines=500, seed=1).generated


def test_the_import_benchmark_runs_end_to_end_on_a_tiny_data_set(tmp_path: Path):
    # when the benchmark runs on a tiny data set, twice
    code = main(
        ["import", "--accounts", "50", "--lines", "2000", "--repeat", "2", "--dir", str(tmp_path)]
    )
    # then it writes its results: every step measured, the kam import compared with the
    # reference (on so small a file, start-up time dominates: the targets may fail)
    assert code in (0, 1)
    (results_file,) = tmp_path.glob("results-*.json")
    result = json.loads(results_file.read_text())["benchmarks"]["import"]
    assert "error" not in result
    assert result["setup"]["accounts_created"] == 50
    assert len(result["runs"]) == 2
    for pair in result["runs"]:
        assert pair["import"]["returncode"] == 0 and pair["reference"]["returncode"] == 0
        assert pair["import"]["peak_rss_bytes"] > 0
    assert result["ratios"]["time"] > 0
    assert result["passed"] == (result["passed_time"] and result["passed_memory"])
    # and the bulky outputs are removed, the logs kept
    home = Path(result["home"])
    assert not list(home.glob("run-*/ledger/*.parquet"))
    assert (home / "logs" / "import-sales-1.out").exists()


def test_an_unknown_benchmark_is_a_usage_error(tmp_path: Path):
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense", "--dir", str(tmp_path)])
    assert exit_info.value.code == 2


def test_the_assignment_benchmark_measures_time_gap_and_moves():
    from bench.assignment_timing import measure

    # 300 × 24: the rounded relaxation is within 1 % at once (no time-limited search)
    result = measure(300, 24)
    assert result["status"] in ("optimal", "feasible")
    assert 0 <= result["gap"] <= 0.01
    assert result["seconds"] > 0
    assert result["objective"] <= result["best_bound"] + 1e-3
    assert sum(result["moves"].values()) == 300
