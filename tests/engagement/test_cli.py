"""`kam channels`, `kam plan` and `kam import activities`, run in-process."""

from __future__ import annotations

import json

import pytest

from kam.cli import main
from kam.engagement.models import Activity, ChannelPlan
from kam.engagement.services import activity_log
from tests.engagement.conftest import channel


def test_channels_list_as_json_and_table(capsys, db):
    assert main(["channels", "list", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0] == {
        "code": "emailing",
        "name": "Emailing",
        "kind": "emailing",
        "unit_cost": "1.50",
        "active": True,
    }
    assert main(["channels", "list"]) == 0
    assert "Mailing with offers" in capsys.readouterr().out


def test_plan_set_then_show(capsys, portfolio):
    assert main(["plan", "set", "A", "visit:4/year", "emailing:1/month"]) == 0
    assert "channel plan #" in capsys.readouterr().out
    assert main(["plan", "show", "A", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(c["channel"], c["times"], c["period"]) for c in shown["channels"]] == [
        ("visit", 4, "year"),
        ("emailing", 1, "month"),
    ]
    assert main(["plan", "show", "A"]) == 0
    assert "4/year" in capsys.readouterr().out


def test_a_fourth_channel_is_refused_with_the_same_message(capsys, portfolio):
    code = main(
        [
            "plan",
            "set",
            "A",
            "visit:4/year",
            "emailing:1/month",
            "phone:1/month",
            "webinar:1/quarter",
        ]
    )
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "kam plan: channels: a key account has at most 3 channels (got 4)"
    )
    assert not ChannelPlan.objects.exists()


def test_a_malformed_item_is_a_usage_error(capsys, portfolio):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "set", "A", "visit-4-year"])
    assert exc.value.code == 2
    assert "expected CHANNEL:TIMES/PERIOD" in capsys.readouterr().err


def test_as_a_kam_only_their_accounts(capsys, portfolio, kam_user, other_kam):
    assert main(["plan", "set", "B", "visit:1/quarter", "--as", "kim"]) == 1
    assert "no account 'B'" in capsys.readouterr().err
    assert main(["plan", "set", "A", "visit:1/quarter", "--as", "kim"]) == 0


def test_recommend_one_account_and_every_key_account(capsys, scored):
    activity_log(account=scored.alpha, channel=channel("visit"), outcome="order", user=None)
    assert main(["plan", "recommend", "A", "--format", "json"]) == 0
    (one,) = json.loads(capsys.readouterr().out)
    assert one["suggested_plan"] == [{"channel": "visit", "times": 1, "period": "quarter"}]
    assert main(["plan", "recommend", "--all-key"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A Alpha: suggested visit:1/quarter\n")
    assert "B Bravo: suggested" in out
    assert " *1. Visit: replies to 100 % of contacts (1 of 1)" in out


def test_missing_plans(capsys, scored):
    assert main(["plan", "missing", "--format", "json"]) == 0
    assert [r["external_id"] for r in json.loads(capsys.readouterr().out)] == ["A", "B"]
    main(["plan", "set", "B", "phone:2/month"])
    capsys.readouterr()
    assert main(["plan", "missing", "--format", "json"]) == 0
    assert [r["external_id"] for r in json.loads(capsys.readouterr().out)] == ["A"]


def test_import_activities(capsys, portfolio, tmp_path):
    path = tmp_path / "actions.csv"
    path.write_text(
        "Identifiant;Client;Canal;Date;Résultat\nX1;A;Visit;2025-03-01;rdv\nX2;Z;visit;2025-03-01;\n",
        encoding="utf-8",
    )
    assert main(["import", "activities", str(path)]) == 1
    captured = capsys.readouterr()
    assert "unknown account" in captured.out and not Activity.objects.exists()
    assert main(["import", "activities", str(path), "--skip-invalid"]) == 0
    assert "(1 new, 0 changed)" in capsys.readouterr().out
    assert Activity.objects.get().outcome == "meeting"
