"""`kam check`: orphan files are reported and cleaned; a lost batch file is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from kam.cli import main
from kam.sales.services import ledger_check, sales_import
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(tmp_path) -> str:
    """A committed sales batch; returns its file name."""
    AccountFactory(external_id="C1")
    path = tmp_path / "s.csv"
    path.write_text(
        "account_id,order_id,order_date,product,quantity,amount\nC1,F1,2024-03-31,P1,1,1\n",
        encoding="utf-8",
    )
    result = sales_import(path=path, user=None)
    return result_file(result.batch_id)


def result_file(batch_id: int | None) -> str:
    from kam.sales.models import ImportBatch

    return ImportBatch.objects.get(pk=batch_id).file_name


def ledger_dir() -> Path:
    return Path(settings.KAM_LEDGER_DIR)


def leave_orphans() -> list[str]:
    """What crashes leave: a half-written temporary file and a renamed, uncommitted one."""
    ledger_dir().mkdir(parents=True, exist_ok=True)
    (ledger_dir() / ".tmp-batch-dead.parquet").write_bytes(b"PAR1 half")
    (ledger_dir() / "batch-uncommitted.parquet").write_bytes(b"PAR1 whole")
    return [".tmp-batch-dead.parquet", "batch-uncommitted.parquet"]


def test_a_clean_ledger(committed, capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "ledger: 1 committed batch(es)" in out
    assert "0 orphan file(s) found, 0 missing file(s)" in out


def test_orphans_are_listed_then_removed(committed, capsys):
    # given the files two interrupted imports left
    orphans = leave_orphans()
    # when checked with --dry-run, then they are listed and kept
    assert main(["check", "--dry-run", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(report["orphan_files"]) == sorted(orphans)
    assert report["orphans_removed"] is False and report["ok"] is True
    assert all((ledger_dir() / name).exists() for name in orphans)
    # when checked for real, then they are gone and the committed file stays
    assert main(["check"]) == 0
    assert "2 orphan file(s) removed" in capsys.readouterr().out
    assert sorted(p.name for p in ledger_dir().iterdir() if p.name != ".lock") == [committed]


def test_a_committed_batch_without_its_file_is_serious(committed, capsys):
    (ledger_dir() / committed).unlink()
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert f"has lost its file {committed}" in captured.out
    assert "restore them from a backup" in captured.err
    assert ledger_check(clean=False).missing[0][1] == committed


def test_explanation_files_of_score_runs_are_checked(capsys, tmp_path):
    from kam.scoring.models import ScoreRun
    from kam.scoring.storage import contributions_path
    from tests.scoring.conftest import AS_OF, make_book

    # given a scored book (its run's explanations are in a file) and a stray file
    make_book()
    assert main(["score", "--as-of", AS_OF.isoformat()]) == 0
    run = ScoreRun.objects.get()
    explained = contributions_path(run)
    assert explained.is_file()
    stray = explained.parent / "run-999-1.parquet"
    stray.write_bytes(b"not ours")
    capsys.readouterr()
    # when checked: the stray file is an orphan, removed; the run's file is kept
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"orphan explanation file {stray.name}: removed" in out
    assert not stray.exists() and explained.is_file()
    # and a run whose file is lost is an error naming it
    explained.unlink()
    assert main(["check", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["explanations"]["missing_runs"] == [run.pk]
    assert "lost their explanation file" in captured.err


def test_a_score_run_left_running_by_a_stopped_process_is_marked_failed(capsys):
    from datetime import date, timedelta

    from django.utils import timezone

    from kam.scoring.models import RunStatus, Scorecard, ScoreRun

    card = Scorecard.objects.create(name="c", version=1, definition={})
    stale = ScoreRun.objects.create(scorecard=card, as_of=date(2026, 6, 15))
    fresh = ScoreRun.objects.create(scorecard=card, as_of=date(2026, 6, 15))
    ScoreRun.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=2))
    # a dry run changes nothing
    assert main(["check", "--dry-run"]) == 0
    assert ScoreRun.objects.get(pk=stale.pk).status == RunStatus.RUNNING
    capsys.readouterr()
    # a check marks only the old one failed, and says so
    assert main(["check"]) == 0
    assert f"score run #{stale.pk} was interrupted: marked failed" in capsys.readouterr().out
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED and "interrupted" in stale.error
    assert ScoreRun.objects.get(pk=fresh.pk).status == RunStatus.RUNNING
