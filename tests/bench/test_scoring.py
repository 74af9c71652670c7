"""A fast smoke test of the scoring benchmark's reference pipeline and verdicts, on a tiny
data set (not the benchmark itself: `python -m bench scoring` runs `kam score`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bench.data import BENCH_AS_OF, bench_files
from bench.measure import run_child
from bench.scoring import (
    COMPARED_FEATURES,
    _sales_parquet,
    explained_accounts,
    features_agreement,
    reference_argv,
    reference_scores,
    seed_criteria,
    summary,
)
from kam.domain.features import feature_frame
from kam.ledger import LedgerBatch, ParquetLedger
from kam.ledger.features import account_sales_features

ROOT = Path(__file__).resolve().parents[2]


def _kam_features(sales: Path, accounts: Path) -> pl.DataFrame:
    """kam's feature frame of the same files, without Django: the ledger expression on
    the Parquet copy, joined with the accounts as the Django side would give them."""
    table = ParquetLedger(sales.parent).table([LedgerBatch(1, sales.name)])
    sold = account_sales_features(table, as_of=BENCH_AS_OF).to_polars()
    raw = pl.read_csv(accounts, infer_schema_length=0)
    attributes = raw.select(
        account_id="external_id",
        name="name",
        parent_id="parent_id",
        group_id=pl.lit(None, dtype=pl.String),
        sector="sector",
        country="country",
        countries=pl.col("countries_of_operation").str.split("|"),
        employees=pl.col("employees").cast(pl.Int64),
        market_share=pl.col("market_share").cast(pl.Float64),
        spend_potential=pl.col("spend_potential").cast(pl.Float64),
        strategic_fit=pl.col("strategic_fit").cast(pl.Int64),
        status="status",
    )
    return feature_frame(sold, attributes, as_of=BENCH_AS_OF)


def test_the_reference_computes_kams_features_and_a_score(tmp_path: Path):
    # given a tiny data set and its Parquet copy
    files = bench_files(tmp_path, accounts=40, lines=3000, seed=5)
    _, sales = _sales_parquet(files, tmp_path / "logs")
    out = tmp_path / "reference.parquet"
    # when the reference pipeline runs
    rows = reference_scores(sales, files.accounts_csv, seed_criteria(), out, BENCH_AS_OF)
    # then every account has a score between 0 and 100 and a distinct rank
    scores = pl.read_parquet(out)
    assert rows == scores.height == 40
    assert scores["score"].is_between(0, 100).all()
    assert sorted(scores["rank"].cast(pl.Int64)) == list(range(1, 41))
    assert scores.sort("rank")["score"].is_sorted(descending=True)
    # and its features are kam's, account by account
    cache = tmp_path / "cache"
    cache.mkdir()
    _kam_features(sales, files.accounts_csv).write_parquet(cache / "features-x.parquet")
    agreement = features_agreement(out, cache)
    assert agreement is not None and agreement["agree"], agreement
    assert scores["revenue_12m"].sum() > 0


def test_a_disagreeing_feature_is_reported(tmp_path: Path):
    # given kam's features and a reference that counts one order too many somewhere
    kam = pl.DataFrame({"account_id": ["A", "B"], **{n: [1.0, 2.0] for n in COMPARED_FEATURES}})
    cache = tmp_path / "cache"
    cache.mkdir()
    kam.write_parquet(cache / "features-2026-01-01-abc.parquet")
    reference = kam.with_columns(orders_12m=pl.Series([1.0, 3.0]))
    reference.write_parquet(tmp_path / "reference.parquet")
    # when compared
    agreement = features_agreement(tmp_path / "reference.parquet", cache)
    # then the difference is found and named
    assert agreement is not None and not agreement["agree"]
    assert agreement["max_abs_difference"]["orders_12m"] == 1.0
    # and with no feature cache there is nothing to compare
    assert features_agreement(tmp_path / "reference.parquet", tmp_path / "none") is None


def test_the_reference_runs_as_a_lean_child(tmp_path: Path):
    # given a tiny data set
    files = bench_files(tmp_path, accounts=20, lines=800, seed=2)
    _, sales = _sales_parquet(files, tmp_path / "logs")
    criteria = tmp_path / "criteria.json"
    criteria.write_text(json.dumps(seed_criteria()))
    out = tmp_path / "out.parquet"
    argv = reference_argv(sales, files.accounts_csv, criteria, out, BENCH_AS_OF.isoformat())
    probe = "import sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    probe += "('kam', 'django', 'ibis', 'rich')))"
    # when it runs as the benchmark runs it
    child = run_child("reference", argv, env=dict(os.environ), logs=tmp_path / "logs", cwd=ROOT)
    # then it succeeds and says how many accounts it scored
    assert child.ok, child.stderr_tail()
    assert json.loads(Path(child.stdout_path).read_text()) == {"accounts": 20}
    assert pl.read_parquet(out).height == 20
    # and importing the module loads neither kam, Django, Ibis nor rich
    lean = run_child(
        "probe",
        [sys.executable, "-c", f"import bench.scoring; {probe}"],
        env=dict(os.environ),
        logs=tmp_path / "logs",
        cwd=ROOT,
    )
    assert Path(lean.stdout_path).read_text().strip() == "[]"


def test_a_wrong_reference_call_is_a_usage_error(tmp_path: Path):
    child = run_child(
        "usage",
        [sys.executable, "-m", "bench.scoring", "nonsense"],
        env=dict(os.environ),
        logs=tmp_path,
        cwd=ROOT,
    )
    assert child.returncode == 2


def _pair(reference: float, kam: float, kam_rss: int = 2**30) -> dict[str, Any]:
    return {
        "reference": {"seconds": reference, "peak_rss_bytes": 2**30},
        "kam": {"seconds": kam, "peak_rss_bytes": kam_rss},
    }


def test_the_verdict_needs_every_target_met():
    fast_preview = {"seconds": [0.3, 0.2, 0.2]}
    agreed = {"agree": True}
    # a run within every target passes
    ok = summary([_pair(10.0, 14.0)], fast_preview, agreed)
    assert ok["passed"] and ok["ratios"]["time"] == 1.4
    # too slow, too big, a slow preview, or features that disagree: each fails it
    assert not summary([_pair(10.0, 16.0)], fast_preview, agreed)["passed_time"]
    assert not summary([_pair(10.0, 12.0, 4 * 2**30)], fast_preview, agreed)["passed"]
    slow = summary([_pair(10.0, 12.0)], {"seconds": [1.5, 1.2, 0.9]}, agreed)
    assert not slow["passed_preview"] and not slow["passed"]
    assert not summary([_pair(10.0, 12.0)], fast_preview, {"agree": False})["passed"]
    # the median of interleaved pairs is compared
    median = summary([_pair(10.0, 30.0), _pair(10.0, 12.0), _pair(10.0, 13.0)], fast_preview, None)
    assert median["median"]["kam_seconds"] == 13.0 and median["passed"]


def test_the_accounts_a_run_explained_are_counted_from_its_file(tmp_path: Path):
    # given a home whose run left an explanation file of three accounts
    runs = tmp_path / "runs"
    runs.mkdir()
    pl.DataFrame({"account": [1, 2, 3], "points__revenue_12m": [1.0, 2.0, 3.0]}).write_parquet(
        runs / "run-1-123.parquet"
    )
    # then three accounts were explained
    assert explained_accounts(tmp_path) == 3
    # and a home with no run file (or two) is refused: the run stored less than it must
    (runs / "run-1-123.parquet").rename(runs / "other.parquet")
    with pytest.raises(RuntimeError, match="0 run files"):
        explained_accounts(tmp_path)
