"""Crash safety, for real: an import killed (SIGKILL) after its batch file is in place but
before the DB commit leaves the ledger as it was, and `kam check` cleans what it left.

The child pauses at that moment through ``KAM_IMPORT_PAUSE_FILE`` (see
``kam.sales.services``); the earlier moment (the temporary file exists) is simulated by
writing the file an interrupted write leaves, since the write itself is one library call.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

KAM = Path(sys.executable).with_name("kam")
HEADER = "account_id,order_id,order_date,product,quantity,amount\n"

SETUP = """
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pathlib import Path
from kam.accounts.services import accounts_import
from kam.sales.services import sales_import
accounts_import(path=Path(sys.argv[1]), user=None)
print(sales_import(path=Path(sys.argv[2]), user=None).outcome)
"""

STATE = """
import django, json, sys
django.setup()
from pathlib import Path
from kam.sales.models import ImportBatch
from kam.sales.selectors import ledger_table
state = {"lines": sorted(ledger_table().to_polars()["order_id"].to_list()),
         "committed": ImportBatch.objects.filter(status="committed", kind="sales").count()}
if len(sys.argv) > 1:
    from kam.sales.services import sales_import
    state["reimport"] = sales_import(path=Path(sys.argv[1]), user=None).outcome.value
print(json.dumps(state))
"""


def child_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", KAM_TEST_HOME=str(home))
    return env


def python(code: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_for(path: Path, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, "the import ended before its pause point"
        assert time.monotonic() < deadline, "the import never reached its pause point"
        time.sleep(0.05)


def test_an_import_killed_before_its_commit_leaves_the_ledger_as_it_was(tmp_path):
    # given an instance with one committed batch (line F1)
    home = tmp_path / "home"
    env = child_environment(home)
    accounts, first, second = tmp_path / "a.csv", tmp_path / "s1.csv", tmp_path / "s2.csv"
    accounts.write_text("external_id,name\nC1,One\n", encoding="utf-8")
    first.write_text(HEADER + "C1,F1,2024-03-31,P1,1,10\n", encoding="utf-8")
    second.write_text(HEADER + "C1,F2,2024-04-01,P1,1,20\n", encoding="utf-8")
    assert python(SETUP, str(accounts), str(first), env=env).strip() == "committed"
    ledger = home / "ledger"
    committed_file = {p.name for p in ledger.glob("batch-*.parquet")}

    # when a second import is killed after writing its batch file, before the commit
    marker = tmp_path / "paused"
    child = subprocess.Popen(
        [KAM, "import", "sales", str(second)],
        env={**env, "KAM_IMPORT_PAUSE_FILE": str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(marker, child)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    orphan = marker.read_text()
    # and an earlier crash left a half-written temporary file
    (ledger / ".tmp-batch-interrupted.parquet").write_bytes(b"PAR1\x00half")

    # then the killed batch's file is there, yet the ledger reads as before
    assert (ledger / orphan).is_file() and orphan not in committed_file
    assert json.loads(python(STATE, env=env)) == {"lines": ["F1"], "committed": 1}

    # when kam check runs, then it reports both leftovers and removes them
    check = subprocess.run(
        [KAM, "check", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    report = json.loads(check.stdout)
    assert sorted(report["orphan_files"]) == sorted([orphan, ".tmp-batch-interrupted.parquet"])
    assert {p.name for p in ledger.iterdir() if p.name != ".lock"} == committed_file

    # and the interrupted file can simply be imported again
    assert json.loads(python(STATE, str(second), env=env)) == {
        "lines": ["F1"],
        "committed": 1,
        "reimport": "committed",
    }
