"""A director's manual reassign and pin: the GAM rule and capacity checked with the
policy's workloads, history and audit kept, and a pin that proposals then respect."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.assignments.models import AccountAssignment
from kam.assignments.proposals import proposal_create
from kam.assignments.services import account_assign, account_reassign, assignment_pin
from kam.core.models import AuditEvent
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    return {
        "food": make_user("kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"]),
        "auto": make_user("kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"]),
        "gam": make_user("gam", "gus", capacity=3, sectors=["Food"], languages=["en"]),
    }


def current(account) -> list[tuple[str, str, bool]]:
    rows = AccountAssignment.objects.filter(account=account, ended_at__isnull=True)
    return sorted((r.manager.username, r.role, r.pinned) for r in rows)


def test_a_director_reassigns_with_a_reason_kept_in_history_and_audit(team, key_run, director):
    account = AccountFactory(sector="Food", employees=300, external_id="R1")
    account_assign(account=account, manager=team["food"], reason="first")
    key_run([(account, "key", 100.0)])
    # when the director gives it to arno, pinned
    account_reassign(
        account=account, manager=team["auto"], user=director, reason="knows the buyer", pinned=True
    )
    # then arno leads it, pinned, and fiona's row ended with the reason
    assert current(account) == [("arno", "lead", True)]
    ended = AccountAssignment.objects.get(account=account, manager=team["food"])
    assert (ended.end_reason, ended.ended_by) == ("knows the buyer", director)
    new = AccountAssignment.objects.get(account=account, ended_at__isnull=True)
    assert (new.reason, new.created_by) == ("knows the buyer", director)
    event = AuditEvent.objects.get(action="assignment.reassign")
    assert event.details == {
        "from": "fiona",
        "to": "arno",
        "pinned": True,
        "reason": "knows the buyer",
    }


def test_a_reason_is_required(team, director):
    account = AccountFactory()
    with pytest.raises(ValidationError) as caught:
        account_reassign(account=account, manager=team["food"], user=director, reason="  ")
    assert "reason" in caught.value.message_dict
    assert current(account) == []


def test_only_directors_reassign_and_pin(team, kam_user, analyst):
    account = AccountFactory()
    account_assign(account=account, manager=team["food"])
    for user in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            account_reassign(account=account, manager=team["auto"], user=user, reason="x")
        with pytest.raises(PermissionDenied):
            assignment_pin(account=account, user=user, pinned=True)
    assert current(account) == [("fiona", "lead", False)]


def test_a_kam_is_refused_an_international_account(team, key_run, director):
    account = AccountFactory(country="FR", countries_of_operation=["BE", "DE"], external_id="INT")
    key_run([(account, "key", 100.0)])
    with pytest.raises(ValidationError, match=r"'INT' is international.*'fiona' is a KAM"):
        account_reassign(account=account, manager=team["food"], user=director, reason="x")
    # a GAM may take it
    account_reassign(account=account, manager=team["gam"], user=director, reason="global")
    assert current(account) == [("gus", "lead", False)]


def test_a_move_over_capacity_is_refused_naming_the_manager(team, key_run, director):
    # given fiona leading two average key accounts (her capacity)
    mine = [AccountFactory(employees=300) for _ in range(2)]
    for account in mine:
        account_assign(account=account, manager=team["food"])
    extra = AccountFactory(employees=300, external_id="X3")
    account_assign(account=extra, manager=team["auto"])
    key_run([(a, "key", 1.0) for a in [*mine, extra]])
    # when a third is given to her: refused, nothing changes
    with pytest.raises(ValidationError, match=r"'fiona' would be over capacity: 3 of 2"):
        account_reassign(account=extra, manager=team["food"], user=director, reason="x")
    assert current(extra) == [("arno", "lead", False)]


def test_an_account_outside_the_placed_tiers_takes_no_capacity(team, key_run, director):
    mine = [AccountFactory(employees=300) for _ in range(2)]
    for account in mine:
        account_assign(account=account, manager=team["food"])
    standard = AccountFactory(employees=300)
    key_run([*[(a, "key", 1.0) for a in mine], (standard, "standard", 1.0)])
    account_reassign(account=standard, manager=team["food"], user=director, reason="x")
    assert current(standard) == [("fiona", "lead", False)]


def test_a_support_member_becoming_lead_counts_only_the_difference(team, key_run, director):
    # given fiona leading 1.0 + supporting an account of 1.0 (0.25): load 1.25 of 2
    led = AccountFactory(employees=300)
    account_assign(account=led, manager=team["food"])
    shared = AccountFactory(employees=300)
    account_assign(account=shared, manager=team["auto"])
    account_assign(account=shared, manager=team["food"], role="support")
    key_run([(led, "key", 1.0), (shared, "key", 1.0)])
    # when she becomes its lead: 2.0 of 2, accepted
    account_reassign(account=shared, manager=team["food"], user=director, reason="promote")
    assert current(shared) == [("fiona", "lead", False)]


def test_pinning_the_lead_is_kept_by_the_next_proposal(team, key_run, director):
    # given a food account led by arno (auto), pinned by the director
    account = AccountFactory(sector="Food", employees=300)
    account_assign(account=account, manager=team["auto"])
    key_run([(account, "key", 100.0)])
    assignment_pin(account=account, user=director, pinned=True)
    assert current(account) == [("arno", "lead", True)]
    assert AuditEvent.objects.filter(action="assignment.pin").count() == 1
    # then the proposal keeps arno, although fiona fits better
    line = proposal_create(user=director).lines.get()
    assert (line.change, line.lead.username) == ("kept", "arno")
    # and unpinning makes a new row of the history
    assignment_pin(account=account, user=director, pinned=False)
    assert current(account) == [("arno", "lead", False)]
    rows = AccountAssignment.objects.filter(account=account).order_by("pk")
    assert [(r.pinned, r.ended_at is None) for r in rows] == [
        (False, False),
        (True, False),
        (False, True),
    ]


def test_pinning_an_account_without_lead_is_refused(director):
    account = AccountFactory(external_id="NOLEAD")
    with pytest.raises(ValidationError, match="'NOLEAD' has no lead manager"):
        assignment_pin(account=account, user=director, pinned=True)
