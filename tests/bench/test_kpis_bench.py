"""A fast smoke test of the KPI benchmark on a tiny data set (not the benchmark itself):
every step runs, and the reference Polars computation gives kam's figures."""

from __future__ import annotations

import json
from pathlib import Path

from bench.__main__ import main
from bench.kpis import agreement, summary


def test_the_kpi_benchmark_runs_end_to_end_and_agrees_with_the_reference(tmp_path: Path):
    # when the benchmark runs on a tiny data set
    code = main(
        ["kpis", "--accounts", "80", "--lines", "4000", "--repeat", "1", "--dir", str(tmp_path)]
    )
    # then it writes its results (on so small a set, start-up dominates: targets may fail)
    assert code in (0, 1)
    (results_file,) = tmp_path.glob("results-*.json")
    result = json.loads(results_file.read_text())["benchmarks"]["kpis"]
    assert "error" not in result, result.get("error")
    (pair,) = result["runs"]
    for kind in ("kam", "reference"):
        assert pair[kind]["returncode"] == 0
        assert pair[kind]["compute_seconds"] > 0
    # and both sides computed the same figures, with key accounts and a DiD
    figures = result["figures"]
    assert figures["agree"], figures["differing"]
    assert figures["kam"]["key_accounts"] > 0
    assert figures["kam"]["accounts"] == 80
    assert figures["kam"]["did"] is not None
    # and the dashboard page was requested through Django once cached
    assert len(result["dashboard"]["seconds"]) == 5
    assert result["dashboard"]["bytes"] > 1000


def test_figures_that_differ_fail_the_benchmark():
    kam = {"revenue": 100.0, "did": 1.0, "did_ci_low": 0.5, "did_ci_high": None}
    same = agreement({"kam": kam, "reference": dict(kam)})
    assert same["agree"]
    other = agreement({"kam": kam, "reference": {**kam, "revenue": 100.1}})
    assert other["differing"] == {"revenue": (100.0, 100.1)}
    pair = {
        kind: {"compute_seconds": s, "seconds": s + 1, "peak_rss_bytes": 1}
        for kind, s in (("kam", 1.4), ("reference", 1.0))
    }
    verdict = summary([pair], {"seconds": [0.1, 0.2, 0.1]}, {"kam": kam, "reference": kam})
    assert verdict["ratios"]["compute"] == 1.4
    assert verdict["passed"]
    slow = summary([pair], {"seconds": [0.4, 0.5, 0.4]}, {"kam": kam, "reference": kam})
    assert not slow["passed_dashboard"] and not slow["passed"]
    wrong = summary([pair], {"seconds": [0.1]}, {"kam": kam, "reference": {**kam, "did": 2.0}})
    assert not wrong["passed"]
