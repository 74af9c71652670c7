"""`kam status`: counts and places, in-process and as a real `kam` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.db import connection

from kam.cli import main
from kam.cli.status import STATUS_HELP
from kam.sales.models import BatchStatus, ImportBatch, ImportKind
from kam.sales.selectors import ledger
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db

KAM = Path(sys.executable).with_name("kam")


def status_json(capsys) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert main(["status", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def commit_sales_batch(lines: int, content_hash: str) -> ImportBatch:
    """A committed sales batch of ``lines`` order lines, written to the real ledger."""
    frame = pl.DataFrame(
        {
            "account_id": ["ACC1"] * lines,
            "order_id": [f"O{i}" for i in range(lines)],
            "order_date": [date(2024, 1, 1 + i % 28) for i in range(lines)],
            "amount": [10.0] * lines,
        }
    )
    file_name = ledger().write_batch(frame)
    return ImportBatch.objects.create(
        kind=ImportKind.SALES,
        source_name="sales.csv",
        content_hash=content_hash,
        status=BatchStatus.COMMITTED,
        file_name=file_name,
        rows_read=lines,
        rows_stored=lines,
    )


def test_status_of_an_empty_instance(capsys):
    # when the status of a fresh instance is read
    report = status_json(capsys)
    # then everything is zero and the places are this instance's (pytest-django swaps the
    # database for a test one: its name is checked by the real-process test below)
    assert report.pop("database")["engine"] == connection.vendor  # sqlite, or PostgreSQL in CI
    assert report == {
        "kam_home": str(settings.KAM_HOME),
        "ledger": {"path": str(settings.KAM_LEDGER_DIR), "order_lines": 0, "error": None},
        "accounts": 0,
        "groups": 0,
        "import_batches": {"committed": 0, "rejected": 0},
        "users": {"total": 0, "director": 0, "kam": 0, "gam": 0, "marketing": 0, "analyst": 0},
    }


def test_status_counts_everything(capsys, director, kam_user, gam_user, analyst):
    # given two groups (one with two subsidiaries), a lone account, order lines in two
    # committed batches, a rejected import, and users of several roles
    group_a, group_b = AccountFactory(), AccountFactory()
    AccountFactory(parent=group_a), AccountFactory(parent=group_a)
    AccountFactory(parent=group_b)
    AccountFactory()
    commit_sales_batch(5, "a" * 64)
    commit_sales_batch(7, "b" * 64)
    ImportBatch.objects.create(
        kind=ImportKind.SALES,
        source_name="bad.csv",
        content_hash="c" * 64,
        status=BatchStatus.REJECTED,
    )
    make_user("kam", "kim2")
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "", "pw-Root-123")  # no role at all
    # when the status is read
    report = status_json(capsys)
    # then each count is right
    assert report["accounts"] == 6
    assert report["groups"] == 2
    assert report["ledger"] == {
        "path": str(settings.KAM_LEDGER_DIR),
        "order_lines": 12,
        "error": None,
    }
    assert report["import_batches"] == {"committed": 2, "rejected": 1}
    assert report["users"] == {
        "total": 6,
        "director": 1,
        "kam": 2,
        "gam": 1,
        "marketing": 0,
        "analyst": 1,
    }


def test_a_missing_ledger_file_does_not_hide_the_rest(capsys, director):
    # given a committed batch whose file has disappeared
    batch = commit_sales_batch(3, "d" * 64)
    ledger().path(batch.file_name).unlink()
    AccountFactory()
    # when the status is read as JSON and as a table
    report = status_json(capsys)
    assert main(["status"]) == 0
    table = capsys.readouterr().out
    # then the order lines are unknown with the reason, and the other counts are there
    assert report["ledger"]["order_lines"] is None
    assert report["ledger"]["error"]
    assert "\n" not in report["ledger"]["error"]
    assert report["accounts"] == 1
    assert "unreadable" in table and "kam check" in table


def test_status_table(capsys, director, kam_user):
    # given an account and two users
    AccountFactory()
    # when the status is shown as a table
    assert main(["status"]) == 0
    lines = dict(
        line.split(None, 1)
        if not line.startswith("order lines")
        else ("order lines", line.removeprefix("order lines").strip())
        for line in capsys.readouterr().out.splitlines()
    )
    # then each line has its label and value
    assert lines["home"].strip() == str(settings.KAM_HOME)
    assert lines["accounts"].strip() == "1"
    assert lines["order lines"] == "0"
    assert lines["imports"].strip() == "0 committed, 0 rejected"
    assert lines["users"].strip().startswith("2 (1 director, 1 kam, 0 gam")
    assert lines["database"].startswith(connection.vendor)


def test_every_json_key_is_documented_in_the_help(capsys):
    # the JSON keys are a contract for scripts: each top-level and nested key is in --help
    report = status_json(capsys)
    keys = set(report) | {k for v in report.values() if isinstance(v, dict) for k in v}
    assert keys
    assert [k for k in keys if k not in STATUS_HELP] == []


def _child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.test", "KAM_TEST_HOME": str(home)}
    env.pop("KAM_HOME", None)
    env.pop("KAM_LEDGER_DIR", None)
    return env


def test_kam_status_as_a_real_process(tmp_path):
    # given a fresh instance home, migrated by `kam migrate`
    env = _child_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    migrate = subprocess.run(
        [str(KAM), "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    # when `kam status --format json` runs
    run = subprocess.run(
        [str(KAM), "status", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it reports that home, its SQLite file and an empty instance
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["kam_home"] == str(tmp_path / "home")
    assert report["database"] == {
        "engine": "sqlite",
        "name": str(tmp_path / "home" / "kam.sqlite3"),
    }
    assert report["ledger"] == {
        "path": str(tmp_path / "home" / "ledger"),
        "order_lines": 0,
        "error": None,
    }
    assert report["accounts"] == 0 and report["users"]["total"] == 0


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # given a migrated instance and `kam status` piped into a reader that leaves at once
    env = _child_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    subprocess.run([str(KAM), "migrate"], env=env, capture_output=True, timeout=120, check=True)
    child = subprocess.Popen(
        [str(KAM), "status", "--format", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert child.stdout is not None and child.stderr is not None
    # when the reader closes the pipe before kam writes (Django takes a while to start)
    child.stdout.close()
    err = child.stderr.read().decode()
    code = child.wait(timeout=60)
    # then kam exits quietly with the status of a broken pipe, as `head` expects
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == 141


def test_kam_status_before_migrate_says_what_to_do(tmp_path):
    # given an instance home where `kam migrate` has not run
    (tmp_path / "home").mkdir()
    run = subprocess.run(
        [str(KAM), "status"],
        env=_child_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then one line says the database cannot be read and hints at `kam migrate`
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("kam status: cannot read the database")
    assert "kam migrate" in run.stderr
