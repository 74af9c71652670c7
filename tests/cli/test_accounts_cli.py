"""`kam accounts list` and `kam accounts explain`, run in-process."""

from __future__ import annotations

import csv
import io
import json

import pytest

from kam.cli import main
from kam.scoring.services import score_run_apply, score_run_create, scorecard_create
from tests.factories import assign
from tests.scoring.conftest import AS_OF, SIMPLE, Book, make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(db) -> Book:
    """The four accounts, scored with the simple scorecard, run in force; B is Kim's."""
    book = make_book()
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    score_run_apply(run=run, user=None)
    return book


def test_list_the_key_accounts_as_json(capsys, scored, kam_user):
    # given A led by Kim
    assign(scored.a, kam_user)
    # when the key accounts are listed as JSON
    code = main(["accounts", "list", "--tier", "key", "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    # then each record has the documented keys
    assert code == 0
    assert records == [
        {
            "external_id": "A",
            "name": "Alpha",
            "score": 100.0,
            "rank": 1,
            "abc": "A",
            "tier": "key",
            "computed_tier": "key",
            "revenue_12m": 1500.0,
            "growth": None,
            "manager": "kim",
        }
    ]


def test_list_every_account_as_csv_and_as_a_table(capsys, scored):
    assert main(["accounts", "list", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["external_id"] for r in rows] == ["A", "B", "C", "D"]
    assert rows[2]["growth"] == str(round(-2 / 3, 6)) and rows[2]["tier"] == "strategic"
    assert main(["accounts", "list"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split() == [
        "RANK",
        "ID",
        "NAME",
        "SCORE",
        "ABC",
        "TIER",
        "REVENUE",
        "12M",
        "GROWTH",
        "MANAGER",
    ]
    assert lines[3].split()[:6] == ["3", "C", "Charlie", "40.0", "C", "strategic"]
    assert "-66.7 %" in lines[3]
    assert "4 account(s)" in captured.err


def test_a_kam_acting_as_themselves_lists_only_their_portfolio(capsys, scored, kam_user):
    assign(scored.b, kam_user)
    assert main(["accounts", "list", "--format", "json", "--as", "kim"]) == 0
    assert [r["external_id"] for r in json.loads(capsys.readouterr().out)] == ["B"]


def test_list_as_of_a_day_reads_the_run_that_held_then(capsys, scored):
    assert main(["accounts", "list", "--as-of", "2026-06-20", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 4
    assert main(["accounts", "list", "--as-of", "2026-01-01"]) == 1
    err = capsys.readouterr().err
    assert "no finished score run as of 2026-01-01 or before" in err
    assert "kam score --as-of 2026-01-01" in err


def test_list_without_a_run_in_force_says_what_to_do(capsys, db):
    assert main(["accounts", "list"]) == 1
    assert capsys.readouterr().err == (
        "kam accounts: no score run is in force yet; run `kam score`\n"
    )


def test_explain_shows_the_points_of_each_criterion(capsys, scored):
    # when B's score is explained
    code = main(["accounts", "explain", "B"])
    out = capsys.readouterr().out
    # then each criterion is a row with its value, weight and points, and the total
    assert code == 0
    assert out.startswith("Bravo (B): score 60.00, rank 2, ABC C, tier strategic\n")
    lines = out.splitlines()
    assert lines[2].split() == ["CRITERION", "VALUE", "WEIGHT", "POINTS"]
    assert lines[3].split()[-4:] == ["1,000.00", "60", "%", "40.00"]
    assert lines[-1].split() == ["TOTAL", "100", "%", "60.00"]


def test_explain_as_json_sums_to_the_score(capsys, scored):
    assert main(["accounts", "explain", "C", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["external_id"] == "C" and report["rank"] == 3
    assert [c["feature"] for c in report["contributions"]] == ["revenue_12m", "orders_12m"]
    assert report["contributions"][0]["label"] == "Revenue, last 12 months"
    assert sum(c["points"] for c in report["contributions"]) == pytest.approx(report["score"])


def test_explain_refuses_an_account_the_kam_may_not_see(capsys, scored, kam_user):
    assert main(["accounts", "explain", "A", "--as", "kim"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kam accounts: no score for account 'A' in run #")
    assert err.count("\n") == 1


def test_explain_in_a_run_that_does_not_exist(capsys, scored):
    assert main(["accounts", "explain", "A", "--run", "999"]) == 1
    assert "--run: no score run #999" in capsys.readouterr().err
