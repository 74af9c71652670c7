"""`kam demo`, run in-process."""

from __future__ import annotations

import json

import pytest

from kam.accounts.models import Account
from kam.cli import main
from kam.demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

SMALL = ["demo", "--accounts", "60", "--lines", "3000", "--seed", "3", "--as-of", "2026-06-15"]


def test_kam_demo_loads_the_data_and_prints_a_summary_and_the_logins(capsys):
    # when `kam demo` runs on an empty database
    code = main(SMALL)
    out = capsys.readouterr().out
    # then it succeeds, stores the accounts and prints the summary and the logins
    assert code == 0
    assert Account.objects.count() == 60
    assert "Demo data loaded" in out and "3,000" in out
    assert "Demo logins" in out
    assert "sophie.keller" in out and DEMO_PASSWORD in out
    # and the data was scored: the run in force and its key tier are named
    from kam.scoring.selectors import run_in_force

    run = run_in_force()
    assert run is not None
    assert f"#{run.pk}" in out
    assert "accounts in the key tier" in out


def test_kam_demo_if_empty_does_nothing_the_second_time(capsys):
    # given the demo loaded once
    assert main(SMALL) == 0
    capsys.readouterr()
    # when it runs again with --if-empty
    code = main([*SMALL, "--if-empty"])
    out = capsys.readouterr().out
    # then it succeeds without loading anything
    assert code == 0
    assert "already has 60 account(s): demo data not loaded" in out
    assert Account.objects.count() == 60
    # and it reminds the demo logins, as `make run` prints them at every start
    assert "demo logins (password 'kam-demo-2026'" in out
    assert "director" in out and "claire.dubois" in out


def test_kam_demo_refuses_a_database_with_accounts_in_one_line(capsys):
    # given the demo loaded once
    assert main(SMALL) == 0
    capsys.readouterr()
    # when it runs again without --if-empty
    code = main(SMALL)
    err = capsys.readouterr().err
    # then it fails with one line naming the reason
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("kam demo: the database already has 60 account(s)")


def test_kam_demo_json_output(capsys):
    # when `kam demo --format json` runs
    code = main([*SMALL, "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    # then the summary is plain data
    assert code == 0
    assert data["loaded"] is True
    assert (data["accounts"], data["lines"]) == (60, 3000)
    assert data["period_start"] == "2023-06-01" and data["period_end"] == "2026-05-31"
    assert {login["role"] for login in data["logins"]} == {
        "director",
        "analyst",
        "marketing",
        "kam",
        "gam",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--accounts", "5"], "--accounts must be between 10 and"),
        (["--lines", "99999999999"], "--lines must be between 100 and"),
        (["--seed", "-3"], "--seed must be zero or"),
        (["--as-of", "2999-01-01"], "--as-of must be between 1993-02-01 and today"),
    ],
)
def test_kam_demo_rejects_impossible_options_before_touching_the_database(capsys, options, message):
    # when `kam demo` gets an impossible option
    code = main(["demo", *options])
    err = capsys.readouterr().err
    # then it fails with a one-line message naming the option, and stores nothing
    assert code == 1
    assert message in err
    assert not Account.objects.exists()


def test_kam_demo_rejects_a_malformed_date_as_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--as-of", "15/06/2026"])
    assert exit_info.value.code == 2
    assert "not a date (YYYY-MM-DD)" in capsys.readouterr().err
