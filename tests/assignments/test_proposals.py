"""Assignment proposals on the database: computed from the run in force, kept for review,
applied in whole or in part, with the history and record-level access following."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.accounts.selectors import account_list
from kam.assignments.models import (
    AccountAssignment,
    LineChange,
    LineDecision,
    ProposalState,
)
from kam.assignments.policy import policy_get, policy_update
from kam.assignments.problem import problem_build
from kam.assignments.proposals import (
    ProposalError,
    proposal_apply,
    proposal_compute,
    proposal_create,
    proposal_line_decide,
)
from kam.assignments.services import account_assign
from kam.core.models import AuditEvent
from kam.scoring.selectors import run_in_force
from tests.factories import AccountFactory, make_user

pytestmark = pytest.mark.django_db


def lead_of(account) -> str | None:
    row = AccountAssignment.objects.filter(
        account=account, ended_at__isnull=True, role="lead"
    ).first()
    return row.manager.username if row else None


@pytest.fixture
def team(db):
    """Two KAMs (food and auto) with room for two average accounts, one GAM."""
    return {
        "food": make_user("kam", "fiona", capacity=2, sectors=["Food"], languages=["fr"]),
        "auto": make_user("kam", "arno", capacity=2, sectors=["Auto"], languages=["fr"]),
        "gam": make_user("gam", "gus", capacity=3, sectors=["Food"], languages=["en"]),
    }


def test_a_proposal_places_each_key_account_by_fit_and_applying_it_grants_access(
    team, key_run, director
):
    # given two key accounts nobody leads, one food and one auto, both French
    food = AccountFactory(sector="Food", employees=300)
    auto = AccountFactory(sector="Auto", employees=300)
    key_run([(food, "key", 1000.0), (auto, "key", 1000.0)])
    # when a director makes a proposal
    proposal = proposal_create(user=director)
    # then each account is new, with the KAM of its sector, and nothing is applied yet
    lines = {line.account: line for line in proposal.lines.all()}
    assert {a: (line.change, line.lead.username) for a, line in lines.items()} == {
        food: ("new", "fiona"),
        auto: ("new", "arno"),
    }
    assert "sector match" in lines[food].reasons
    assert lead_of(food) is None
    assert proposal.state == ProposalState.OPEN and proposal.solver_status == "optimal"
    # when it is applied
    proposal_apply(proposal=proposal, user=director)
    # then the leads are in place, with the proposal as the reason, and the KAM sees it
    assert (lead_of(food), lead_of(auto)) == ("fiona", "arno")
    row = AccountAssignment.objects.get(account=food, ended_at__isnull=True)
    assert row.reason.startswith(f"Assignment proposal #{proposal.pk}")
    assert row.created_by == director
    assert list(account_list(user=team["food"])) == [food]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPLIED
    assert AuditEvent.objects.filter(action="assignment.apply", object_id=str(proposal.pk)).exists()


def test_a_second_proposal_without_change_moves_nothing(team, key_run, director):
    accounts = [AccountFactory(sector=s, employees=300) for s in ("Food", "Auto", "Food")]
    key_run([(a, "key", 1000.0 * (i + 1)) for i, a in enumerate(accounts)])
    proposal_apply(proposal=proposal_create(user=director), user=director)
    # when proposed again
    again = proposal_compute(user=director)
    # then every line is kept
    assert again.counts() == {"kept": 3, "moved": 0, "new": 0, "unassigned": 0}


def test_international_accounts_go_to_a_gam(team, key_run, director):
    # given a food account operating in three countries, led today by the food KAM
    account = AccountFactory(sector="Food", country="FR", countries_of_operation=["BE", "DE"])
    account_assign(account=account, manager=team["food"], reason="history")
    key_run([(account, "key", 500.0)])
    # when proposed
    line = proposal_create(user=director).lines.get()
    # then it moves to the GAM, and the reason says why
    assert (line.change, line.lead.username, line.previous_lead.username) == (
        "moved",
        "gus",
        "fiona",
    )
    assert line.international
    assert "moved: previous lead is a KAM" in line.reasons


def test_a_group_with_a_subsidiary_abroad_is_international(team, key_run, director):
    group = AccountFactory(sector="Food", country="FR", countries_of_operation=["FR"])
    AccountFactory(parent=group, country="DE", countries_of_operation=["DE"])
    key_run([(group, "key", 500.0)])
    line = proposal_create(user=director).lines.get()
    assert line.international and line.lead.username == "gus"


def test_a_pinned_lead_is_kept_even_against_fit(team, key_run, director):
    # given a food account pinned to the auto KAM
    account = AccountFactory(sector="Food", employees=300)
    account_assign(account=account, manager=team["auto"], reason="pinned", pinned=True)
    key_run([(account, "key", 500.0)])
    line = proposal_create(user=director).lines.get()
    assert (line.change, line.lead.username) == ("kept", "arno")
    assert "pinned" in line.reasons


def test_a_pin_on_a_kam_for_an_international_account_is_explained(team, key_run, director):
    account = AccountFactory(country="FR", countries_of_operation=["BE", "DE"], external_id="INT1")
    account_assign(account=account, manager=team["food"], reason="pinned", pinned=True)
    key_run([(account, "key", 500.0)])
    with pytest.raises(ProposalError, match=r"account 'INT1'.*'fiona' is a KAM"):
        proposal_compute(user=director)


def test_not_enough_capacity_is_explained_and_cannot_be_applied(team, key_run, director):
    # given 8 average key accounts for 7 units of capacity
    accounts = [AccountFactory(employees=300) for _ in range(8)]
    key_run([(a, "key", 100.0) for a in accounts])
    proposal = proposal_create(user=director)
    assert proposal.solver_status == "infeasible"
    assert proposal.lines.count() == 0
    assert proposal.missing_capacity == {"KAM": pytest.approx(1.0)}
    assert len(proposal.unplaced) == 1
    with pytest.raises(ProposalError, match="placed no account"):
        proposal_apply(proposal=proposal, user=director)
    assert not AccountAssignment.objects.exists()


def test_an_account_no_longer_key_is_released(team, key_run, director):
    former = AccountFactory(sector="Food")
    account_assign(account=former, manager=team["food"], reason="was key")
    key = AccountFactory(sector="Food")
    key_run([(key, "key", 100.0), (former, "standard", 10.0)])
    proposal = proposal_create(user=director)
    line = proposal.lines.get(account=former)
    assert line.change == LineChange.UNASSIGNED and line.lead is None
    proposal_apply(proposal=proposal, user=director)
    ended = AccountAssignment.objects.get(account=former)
    assert ended.ended_at is not None
    assert ended.end_reason.startswith(f"Assignment proposal #{proposal.pk}")
    assert ended.ended_by == director


def test_rejected_lines_are_not_applied(team, key_run, director):
    a, b = AccountFactory(sector="Food"), AccountFactory(sector="Auto")
    key_run([(a, "key", 100.0), (b, "key", 100.0)])
    proposal = proposal_create(user=director)
    proposal_line_decide(line=proposal.lines.get(account=b), decision="rejected", user=director)
    proposal = proposal_apply(proposal=proposal, user=director)
    assert (lead_of(a), lead_of(b)) == ("fiona", None)
    assert proposal.state == ProposalState.PARTLY_APPLIED
    assert proposal.lines.get(account=b).decision == LineDecision.REJECTED


def test_applying_part_of_a_swap_that_overloads_a_manager_is_refused(team, key_run, director):
    # given fiona full with two auto accounts and arno full with two food accounts
    food = [AccountFactory(sector="Food", employees=300) for _ in range(2)]
    auto = [AccountFactory(sector="Auto", employees=300) for _ in range(2)]
    for account in auto:
        account_assign(account=account, manager=team["food"], reason="history")
    for account in food:
        account_assign(account=account, manager=team["auto"], reason="history")
    policy_update(user=director, changes={"continuity": 1.0})
    key_run([(a, "key", 100.0) for a in food + auto])
    proposal = proposal_create(user=director)
    assert {line.change for line in proposal.lines.all()} == {"moved"}
    # when only the moves into fiona's portfolio are applied
    into_fiona = [line.pk for line in proposal.lines.filter(lead=team["food"])]
    with pytest.raises(ProposalError, match=r"over capacity: fiona \(4 of 2\)"):
        proposal_apply(proposal=proposal, user=director, line_ids=into_fiona)
    # then nothing changed
    assert {lead_of(a) for a in auto} == {"fiona"}
    assert proposal.lines.filter(decision="applied").count() == 0


def test_a_proposal_is_refused_for_accounts_changed_since(team, key_run, director):
    account = AccountFactory(sector="Food", external_id="CHG1")
    key_run([(account, "key", 100.0)])
    proposal = proposal_create(user=director)
    account_assign(account=account, manager=team["auto"], reason="by hand")
    with pytest.raises(ProposalError, match=r"changed since the proposal.*CHG1"):
        proposal_apply(proposal=proposal, user=director)
    assert lead_of(account) == "arno"


def test_a_new_proposal_supersedes_the_open_one(team, key_run, director):
    key_run([(AccountFactory(sector="Food"), "key", 100.0)])
    first = proposal_create(user=director)
    proposal_create(user=director)
    first.refresh_from_db()
    assert first.state == ProposalState.SUPERSEDED
    with pytest.raises(ProposalError, match="superseded"):
        proposal_apply(proposal=first, user=director)


def test_support_members_follow_the_tier_policy(team, key_run, director):
    policy_update(user=director, changes={"tiers": {"key": {"workload": 1.0, "support": 1}}})
    account = AccountFactory(sector="Food", employees=300)
    key_run([(account, "key", 100.0)])
    proposal = proposal_create(user=director)
    line = proposal.lines.get()
    assert line.lead.username == "fiona" and len(line.support) == 1
    proposal_apply(proposal=proposal, user=director)
    support = AccountAssignment.objects.get(account=account, role="support", ended_at__isnull=True)
    assert support.manager_id == line.support[0]


def test_only_directors_propose_and_apply(team, key_run, director, kam_user, analyst):
    key_run([(AccountFactory(), "key", 100.0)])
    for user in (kam_user, analyst):
        with pytest.raises(PermissionDenied):
            proposal_compute(user=user)
    proposal = proposal_create(user=director)
    with pytest.raises(PermissionDenied):
        proposal_apply(proposal=proposal, user=kam_user)


def test_no_run_in_force_is_a_clear_error(director):
    with pytest.raises(ProposalError, match="no score run is in force"):
        proposal_compute(user=director)


def test_policy_errors_name_the_field_and_change_nothing(director, kam_user):
    with pytest.raises(ValidationError) as caught:
        policy_update(user=director, changes={"tiers": {"key": {"workload": -1}}})
    assert "tiers" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        policy_update(user=director, changes={"size_bands": [[100, 1.0]]})
    assert "size_bands" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        policy_update(user=director, changes={"colour": "red"})
    assert "colour" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        policy_update(user=kam_user, changes={"continuity": 2.0})
    assert policy_get().tiers == {"key": {"workload": 1.0, "support": 0}}
    assert policy_get().continuity == 5.0


def test_workload_follows_tier_size_and_countries(team, key_run, director):
    small = AccountFactory(employees=10, country="FR", countries_of_operation=["FR"])
    big = AccountFactory(employees=10_000, country="FR", countries_of_operation=["BE"])
    key_run([(small, "key", 1.0), (big, "key", 1.0)])
    placed = problem_build(policy_get(), run_in_force()).placed
    assert placed[small.pk].workload == 0.8  # small firm
    assert placed[big.pk].workload == pytest.approx(1.3 * 1.1)  # large, two countries


def test_building_the_problem_takes_a_fixed_number_of_queries(team, key_run):
    accounts: list = []

    def queries_for(n: int) -> int:
        new = [AccountFactory() for _ in range(n)]
        for account in new[: n // 2]:
            account_assign(account=account, manager=team["gam"], reason="x")
        accounts.extend(new)
        key_run([(a, "key", 1.0) for a in accounts])
        policy = policy_get()
        with CaptureQueriesContext(connection) as ctx:
            problem_build(policy, run_in_force())
        return len(ctx.captured_queries)

    assert queries_for(3) == queries_for(20)
