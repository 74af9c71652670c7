"""`kam assign`, run in-process: the dry run prints the diff, --save keeps it, --apply
applies it; infeasible cases fail with the explanation."""

from __future__ import annotations

import json

import pytest

from kam.assignments.models import AccountAssignment, Proposal, ProposalState
from kam.cli import main
from tests.assignments.conftest import run_in_force_with
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(db):
    make_user("kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"])
    make_user("kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"])
    accounts = [
        AccountFactory(external_id="F1", name="Food One", sector="Food", employees=300),
        AccountFactory(external_id="A1", name="Auto One", sector="Auto", employees=300),
    ]
    run_in_force_with([(a, "key", 100.0) for a in accounts])
    return accounts


def test_a_dry_run_prints_the_diff_and_stores_nothing(capsys, portfolio):
    assert main(["assign", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing stored" in out
    assert "F1 Food One: new - → fiona" in out
    assert "A1 Auto One: new - → arno" in out
    assert "0 kept, 0 moved, 2 new, 0 unassigned" in out
    assert not Proposal.objects.exists() and not AccountAssignment.objects.exists()


def test_apply_then_a_second_run_moves_nothing(capsys, portfolio):
    assert main(["assign", "--apply", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["applied"] and report["stored"]
    assert Proposal.objects.get(pk=report["proposal"]).state == ProposalState.APPLIED
    leads = dict(
        AccountAssignment.objects.filter(ended_at__isnull=True).values_list(
            "account__external_id", "manager__username"
        )
    )
    assert leads == {"F1": "fiona", "A1": "arno"}
    assert main(["assign", "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["counts"] == {"kept": 2, "moved": 0, "new": 0, "unassigned": 0}
    assert again["proposal"] is None
    assert main(["assign"]) == 0
    assert "No change: every key account keeps its lead." in capsys.readouterr().out


def test_save_keeps_it_for_review(capsys, portfolio):
    assert main(["assign", "--save"]) == 0
    proposal = Proposal.objects.get()
    assert proposal.state == ProposalState.OPEN
    assert f"/assignments/proposals/{proposal.pk}/" in capsys.readouterr().out
    assert not AccountAssignment.objects.exists()


def test_not_enough_capacity_fails_with_the_explanation(capsys, portfolio):
    more = [AccountFactory(external_id=f"X{i}", employees=300) for i in range(3)]
    run_in_force_with([(a, "key", 100.0) for a in [*portfolio, *more]])
    assert main(["assign"]) == 1
    captured = capsys.readouterr()
    assert "missing capacity (any manager): 1" in captured.out
    assert "cannot place" in captured.out
    assert "not enough capacity" in captured.err


def test_only_a_director_may_act(capsys, portfolio):
    make_user("kam", "kim")
    assert main(["assign", "--as", "kim"]) == 1
    assert "only a director" in capsys.readouterr().err
    make_user("director", "dora")
    assert main(["assign", "--as", "dora", "--apply"]) == 0
    assert Proposal.objects.get().created_by.username == "dora"


def test_without_a_run_in_force_it_says_what_to_do(capsys, db):
    assert main(["assign"]) == 1
    assert "score the accounts first" in capsys.readouterr().err
