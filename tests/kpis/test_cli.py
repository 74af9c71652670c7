"""`kam kpis`, run in-process: table, JSON and an Excel workbook with the same figures."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from kam.cli import main

pytestmark = pytest.mark.django_db

PERIOD = ["--period", "2025-01-01:2025-12-31"]


def test_the_company_table(capsys, kpi_book):
    code = main(["kpis", *PERIOD])
    out = capsys.readouterr().out
    assert code == 0
    assert "KPIs of 2025-01-01 to 2025-12-31 against 2024-01-02 to 2024-12-31 (365 days)" in out
    assert f"key accounts of run #{kpi_book.start_run.pk} (as of 2025-01-01)" in out
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "66.7 %" in lines["Key-account retention"]
    assert "-2.38" in lines["ROI of actions"]
    assert "The 3 key accounts changed their purchases by -37 each" in out


def test_the_table_per_account_shows_undefined_roi_as_a_dash(capsys, kpi_book):
    assert main(["kpis", *PERIOD, "--group", "account"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert rows["K3"].split()[-2:] == ["—", "yes"]  # no activity: ROI undefined
    assert "(no lead)" in rows["K3"]


def test_json_per_kam_as_a_kam_is_their_portfolio(capsys, kpi_book):
    assert main(["kpis", *PERIOD, "--group", "kam", "--format", "json", "--as", "kim"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scope"] == "portfolio"
    assert [(r["lead"], r["accounts"]) for r in data["rows"]] == [("kim", 2)]


def test_the_workbook_has_a_sheet_per_group_with_numbers(tmp_path, capsys, kpi_book):
    path = tmp_path / "out" / "kpis.xlsx"
    assert main(["kpis", *PERIOD, "--format", "xlsx", "--out", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    book = load_workbook(path)
    assert book.sheetnames == ["company", "kam", "account", "channel", "targets"]
    company = {row[0]: row for row in book["company"].iter_rows(min_row=2, values_only=True)}
    assert company["retention"][2] == pytest.approx(2 / 3)
    assert company["roi"][2] == pytest.approx(-2.375)
    assert company["did"][2] == pytest.approx(-30.0)
    header = [c.value for c in book["account"][1]]
    k3 = next(r for r in book["account"].iter_rows(min_row=2, values_only=True) if r[0] == "K3")
    assert k3[header.index("revenue")] == 40.0
    assert k3[header.index("roi")] is None  # undefined: an empty cell
    # the JSON gives the same numbers
    main(["kpis", *PERIOD, "--format", "json"])
    rows = {r["kpi"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["roi"]["value"] == company["roi"][2]


def test_json_to_a_file(tmp_path, capsys, kpi_book):
    path = tmp_path / "kpis.json"
    assert (
        main(["kpis", *PERIOD, "--format", "json", "--group", "channel", "--out", str(path)]) == 0
    )
    assert [r["channel"] for r in json.loads(path.read_text())["rows"]] == [
        "emailing",
        "phone",
        "visit",
    ]


def test_without_a_key_list_it_says_so(capsys, db):
    assert main(["kpis", *PERIOD]) == 0
    out = capsys.readouterr().out
    assert "no key-account list at the start" in out
    assert "! No key-account list at the start of the period" in out


@pytest.mark.parametrize("period", ["2025-01-01", "2025-01-01:someday", "2025-02-30:2025-03-01"])
def test_a_bad_period_is_a_usage_error(capsys, db, period):
    with pytest.raises(SystemExit) as exited:
        main(["kpis", "--period", period])
    assert exited.value.code == 2
    assert "expected FROM:TO" in capsys.readouterr().err


def test_a_reversed_period_fails_naming_the_option(capsys, db):
    assert main(["kpis", "--period", "2025-12-31:2025-01-01"]) == 1
    assert "kam kpis: --period: 2025-01-01 is before 2025-12-31" in capsys.readouterr().err
