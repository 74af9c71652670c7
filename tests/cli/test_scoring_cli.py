"""`kam score` and `kam scorecard`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kam.cli import main
from kam.scoring.models import Scorecard, ScoreRun
from tests.scoring.conftest import SIMPLE, Book, make_book

pytestmark = pytest.mark.django_db

AS_OF = ["--as-of", "2026-06-15"]


@pytest.fixture
def book(db) -> Book:
    return make_book()


@pytest.fixture
def simple_file(tmp_path: Path) -> Path:
    path = tmp_path / "simple.json"
    path.write_text(json.dumps(SIMPLE))
    return path


def test_kam_score_stores_applies_and_summarises(capsys, book):
    # when `kam score` runs on a database with no scorecard
    code = main(["score", *AS_OF])
    out = capsys.readouterr().out
    # then the seed scorecard scored the four accounts and the run is in force
    assert code == 0
    run = ScoreRun.objects.get()
    assert run.in_force and run.accounts_scored == 4
    assert f"Score run #{run.pk} stored and put in force: scorecard seed v1" in out
    assert "accounts scored  4" in out


def test_kam_score_json_and_a_dry_run_comparing_with_the_run_in_force(capsys, book, simple_file):
    # given the simple scorecard created, and the seed's run in force
    assert main(["scorecard", "create", "simple", str(simple_file)]) == 0
    assert main(["score", *AS_OF]) == 0
    capsys.readouterr()
    # when a dry run of the simple scorecard is asked for, as JSON
    code = main(["score", "--scorecard", "simple:1", *AS_OF, "--dry-run", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    # then nothing is stored, and the report has the tiers and the changes
    assert code == 0 and ScoreRun.objects.count() == 1
    assert report["run"] is None and report["dry_run"] is True and report["applied"] is False
    assert report["scorecard"] == {"name": "simple", "version": 1, "level": "account"}
    assert report["tiers"] == {"strategic": 2, "key": 1, "standard": 1}
    assert report["accounts_scored"] == 4 and report["revenue_total"] == 2600.0
    assert set(report["changes"]["tiers"]) >= {"key", "standard"}
    assert report["changes"]["tiers"]["key"]["count_after"] == 1


def test_kam_score_no_apply_leaves_the_run_in_force(capsys, book):
    assert main(["score", *AS_OF]) == 0
    capsys.readouterr()
    assert main(["score", *AS_OF, "--no-apply", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    first, second = ScoreRun.objects.order_by("pk")
    assert first.in_force and not second.in_force and not second.applied
    assert report["run"] == second.pk and report["applied"] is False


def test_a_kam_acting_as_themselves_gets_a_one_line_refusal(capsys, book, kam_user):
    code = main(["score", *AS_OF, "--as", "kim"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == "kam score: Only directors may store score runs.\n"
    assert not ScoreRun.objects.exists()


def test_a_director_acting_as_themselves_may_score(capsys, book, director):
    assert main(["score", *AS_OF, "--as", "dora"]) == 0
    assert ScoreRun.objects.get().created_by == director


def test_an_unknown_user_or_scorecard_is_named(capsys, book):
    assert main(["score", "--as", "ghost"]) == 1
    assert "--as: no active user named 'ghost'" in capsys.readouterr().err
    assert main(["score", "--scorecard", "nope"]) == 1
    assert "no scorecard 'nope' (there is none yet)" in capsys.readouterr().err


def test_scorecard_validate_prints_every_problem(capsys, tmp_path: Path):
    # given a definition with two mistakes
    bad = {
        **SIMPLE,
        "criteria": [
            {"feature": "revnue_12m", "weight": 50, "normalisation": "minmax"},
            {"feature": "orders_12m", "weight": 40, "normalisation": "minmax"},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    # when it is validated
    code = main(["scorecard", "validate", str(path)])
    err = capsys.readouterr().err.splitlines()
    # then each problem is one line naming the file and the field
    assert code == 1
    assert f"kam scorecard validate: {path}: weights: must sum to 100 % (got 90 %)" in err
    assert any("criteria[0].feature: unknown feature 'revnue_12m'" in line for line in err)


def test_scorecard_validate_accepts_a_good_file_and_names_a_broken_one(
    capsys, tmp_path, simple_file
):
    assert main(["scorecard", "validate", str(simple_file)]) == 0
    assert capsys.readouterr().out == f"{simple_file}: valid\n"
    broken = tmp_path / "broken.json"
    broken.write_text('{"criteria": [\n  {"feature": }\n]}')
    assert main(["scorecard", "validate", str(broken)]) == 1
    assert "broken.json: not JSON (line 2, column" in capsys.readouterr().err


def test_scorecard_create_list_show_and_revise(capsys, simple_file):
    assert main(["scorecard", "create", "simple", str(simple_file)]) == 0
    assert capsys.readouterr().out == "created scorecard simple v1 (draft)\n"
    assert main(["scorecard", "revise", "simple", str(simple_file)]) == 0
    assert capsys.readouterr().out == "created scorecard simple v2 (draft)\n"
    # the list shows both versions
    assert main(["scorecard", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["version"], c["status"]) for c in listed] == [
        ("simple", 2, "draft"),
        ("simple", 1, "draft"),
    ]
    # and show prints the definition that create reads back
    assert main(["scorecard", "show", "simple:1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == Scorecard.objects.get(version=1).definition
    assert main(["scorecard", "show", "simple", "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "simple v2 (draft, account level)" in table and "revenue_12m" in table


def test_a_kam_cannot_create_a_scorecard_from_the_command_line(capsys, simple_file, kam_user):
    code = main(["scorecard", "create", "mine", str(simple_file), "--as", "kim"])
    assert code == 1
    assert capsys.readouterr().err == "kam scorecard: Only directors may edit scorecards.\n"
    assert not Scorecard.objects.exists()


def test_kam_backtest_compares_the_key_accounts_of_a_past_date(capsys, book, simple_file):
    # given the simple scorecard: as of 15 June 2025 only C had bought (300), so C is key
    assert main(["scorecard", "create", "simple", str(simple_file)]) == 0
    capsys.readouterr()
    # when the backtest of that date runs
    code = main(["backtest", "--as-of", "2025-06-15", "--scorecard", "simple", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    # then C (300 before, 100 after) is the key cohort; A, B, D bought nothing before
    assert code == 0
    key, others = report["key"], report["others"]
    assert (key["accounts"], key["revenue_before"], key["revenue_after"]) == (1, 300.0, 100.0)
    assert key["growth"] == pytest.approx(-2 / 3) and key["retention"] == 1.0
    assert (others["accounts"], others["revenue_after"], others["growth"]) == (3, 2500.0, None)
    assert others["buying_after"] == pytest.approx(2 / 3)
    # and nothing was stored
    assert not ScoreRun.objects.exists()
    # and the table form says the same
    assert main(["backtest", "--as-of", "2025-06-15", "--scorecard", "simple"]) == 0
    out = capsys.readouterr().out
    assert "key accounts  1" in out and "-66.7 %" in out


def test_kam_backtest_refuses_a_date_less_than_a_year_ago(capsys, book):
    assert main(["backtest", "--as-of", "2099-01-01"]) == 1
    assert "as_of: Must be at least a year ago" in capsys.readouterr().err
