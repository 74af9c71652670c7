"""`kam import accounts|sales`: exit codes, error tables, JSON, options; in-process and as
a real `kam` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from kam.cli import main
from kam.sales.models import BatchStatus, ImportBatch
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

KAM = Path(sys.executable).with_name("kam")
HEADER = "Client;Commande;Date;Produit;Qté;Montant\n"


@pytest.fixture
def accounts() -> None:
    AccountFactory(external_id="C1")


def sales_file(folder: Path, body: str, name: str = "ventes.csv", header: str = HEADER) -> str:
    path = folder / name
    path.write_text(header + body, encoding="utf-8")
    return str(path)


def test_a_valid_file_exits_0_with_a_summary(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "C1;F1;31/03/2024;P1;2;10,5\n")
    assert main(["import", "sales", path]) == 0
    out = capsys.readouterr().out
    assert "ventes.csv: 1 rows read, 1 stored, 0 rejected" in out


def test_errors_exit_1_with_a_capped_table_and_a_full_errors_file(tmp_path, accounts, capsys):
    # given 60 lines with an unknown account
    path = sales_file(tmp_path, "".join(f"C9;F{i};2024-03-31;P1;1;1\n" for i in range(60)))
    errors_out = tmp_path / "errors.csv"
    # when imported
    code = main(["import", "sales", path, "--errors-out", str(errors_out)])
    # then nothing is stored, 50 rows are shown, the file has all 60
    out = capsys.readouterr().out
    assert code == 1
    assert "60 error(s) in ventes.csv" in out and "… and 10 more" in out
    assert "unknown account" in out
    written = pl.read_csv(errors_out, infer_schema=False)
    assert written.height == 60 and written.columns == ["row", "column", "value", "reason"]
    assert written["row"].to_list()[:2] == ["2", "3"]
    assert ImportBatch.objects.get().status == BatchStatus.REJECTED


def test_errors_out_as_xlsx_defuses_formulas(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "=1+1;F1;2024-03-31;P1;1;1\n")
    errors_out = tmp_path / "errors.xlsx"
    assert main(["import", "sales", path, "--errors-out", str(errors_out)]) == 1
    written = pl.read_excel(errors_out)
    assert written["value"].to_list() == ["'=1+1"]


def test_skip_invalid_exits_0_and_reports_the_skipped_rows(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "C1;F1;2024-03-31;P1;1;1\nC9;F2;2024-03-31;P1;1;1\n")
    assert main(["import", "sales", path, "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "1 stored, 1 rejected" in out and "unknown account" in out


def test_json_output_and_a_second_import_is_unchanged(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "C1;F1;2024-03-31;P1;1;1\n")
    assert main(["import", "sales", path, "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["outcome"] == "committed" and first["rows_stored"] == 1
    assert main(["import", "sales", path]) == 0
    assert f"already imported as batch #{first['batch_id']}" in capsys.readouterr().out


def test_map_reads_another_layout(tmp_path, accounts, capsys):
    path = sales_file(
        tmp_path, "C1|F1|2024-03-31|P1|1|1\n".replace("|", ","), header="cust,doc,when,item,n,net\n"
    )
    args = [
        "import",
        "sales",
        path,
        "--map",
        "account_id=cust",
        "--map",
        "order_id=doc",
        "--map",
        "order_date=when",
        "--map",
        "product=item",
        "--map",
        "quantity=n",
        "--map",
        "amount=net",
    ]
    assert main(args) == 0
    assert "1 stored" in capsys.readouterr().out


def test_a_missing_column_is_named(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "C1;1\n", header="Client;Montant\n")
    assert main(["import", "sales", path]) == 1
    assert "missing required column order_id" in capsys.readouterr().out


@pytest.mark.parametrize(
    "option",
    [
        ["--replace-period", "2024-03-31:2024-03-01"],
        ["--replace-period", "march"],
        ["--map", "amount"],
        ["--date-format", "dd/mm"],
    ],
)
def test_bad_options_are_usage_errors(tmp_path, option, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["import", "sales", str(tmp_path / "x.csv"), *option])
    assert exited.value.code == 2


def test_a_missing_file_and_a_user_who_may_not_import(tmp_path, accounts, kam_user, capsys):
    assert main(["import", "sales", str(tmp_path / "nope.csv")]) == 1
    assert "no such file" in capsys.readouterr().err
    path = sales_file(tmp_path, "C1;F1;2024-03-31;P1;1;1\n")
    assert main(["import", "sales", path, "--as", kam_user.username]) == 1
    assert "Only directors may import" in capsys.readouterr().err


def test_dry_run_and_progress(tmp_path, accounts, capsys):
    path = sales_file(tmp_path, "C1;F1;2024-03-31;P1;1;1\n")
    assert main(["import", "sales", path, "--dry-run", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "dry run: nothing stored" in captured.out
    assert "done" in captured.err  # the progress bar's last stage, on stderr
    assert not ImportBatch.objects.exists()


def test_import_accounts(tmp_path, capsys):
    path = tmp_path / "comptes.csv"
    path.write_text("Code client;Raison sociale;Groupe\nS;Sub;G\nG;Group;\n", encoding="utf-8")
    assert main(["import", "accounts", str(path)]) == 0
    assert "(2 new, 0 changed)" in capsys.readouterr().out


def child_environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", KAM_TEST_HOME=str(home))
    return env


def test_the_real_command_imports_accounts_then_sales(tmp_path):
    # given a fresh instance
    home = tmp_path / "home"
    env = child_environment(home)
    subprocess.run([KAM, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    accounts = tmp_path / "comptes.csv"
    accounts.write_text("external_id,name\nC1,One\n", encoding="utf-8")
    sales = sales_file(tmp_path, "C1;F1;2024-03-31;P1;1;1\nC2;F2;2024-03-31;P1;1;1\n")

    def kam(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KAM, "import", *args], env=env, capture_output=True, text=True, timeout=120
        )

    # when accounts then sales are imported, the sales file with an unknown account
    done = kam("accounts", str(accounts))
    rejected = kam("sales", sales, "--format", "json")
    skipped = kam("sales", sales, "--skip-invalid")
    # then the exit codes and outputs say what happened, without a traceback
    assert done.returncode == 0, done.stderr
    assert rejected.returncode == 1 and "Traceback" not in rejected.stderr
    assert json.loads(rejected.stdout)["errors"][0]["reason"].startswith("unknown account")
    assert skipped.returncode == 0 and "1 stored, 1 rejected" in skipped.stdout
    assert len(list((home / "ledger").glob("batch-*.parquet"))) == 1
