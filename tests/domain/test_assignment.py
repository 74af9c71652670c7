"""The assignment proposal: hard rules, continuity, pins, infeasibility, on small cases
whose optimal answer is known by hand."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.domain.assignment import (
    SUPPORT_SHARE,
    AccountToPlace,
    AssignmentInputError,
    AssignmentProblem,
    AssignmentProposal,
    AssignmentWeights,
    Manager,
    propose_assignment,
)

NO_BALANCE = AssignmentWeights(balance=0.0)


def account(account_id: str, **fields) -> AccountToPlace:
    defaults = dict(
        value=100.0,
        workload=1.0,
        sector="food",
        language="fr",
        countries=("FR",),
        international=False,
    )
    return AccountToPlace(account_id=account_id, **{**defaults, **fields})


def kam(manager_id: str, capacity: float = 3.0, **fields) -> Manager:
    return Manager(manager_id=manager_id, kind="KAM", capacity=capacity, **fields)


def gam(manager_id: str, capacity: float = 3.0, **fields) -> Manager:
    return Manager(manager_id=manager_id, kind="GAM", capacity=capacity, **fields)


def solve(accounts, managers, weights=NO_BALANCE) -> AssignmentProposal:
    return propose_assignment(AssignmentProblem(tuple(accounts), tuple(managers), weights))


def leads(proposal: AssignmentProposal) -> dict[str, str]:
    return {line.account_id: line.lead for line in proposal.lines}


def assert_hard_rules(problem: AssignmentProblem, proposal: AssignmentProposal) -> None:
    managers = {m.manager_id: m for m in problem.managers}
    lines = {line.account_id: line for line in proposal.lines}
    assert set(lines) == {a.account_id for a in problem.accounts}
    load: dict[str, float] = defaultdict(float)
    for a in problem.accounts:
        line = lines[a.account_id]
        load[line.lead] += a.workload
        assert len(line.support) == a.support_needed == len(set(line.support))
        assert line.lead not in line.support
        for member in line.support:
            load[member] += a.workload * SUPPORT_SHARE
        if a.international:
            assert managers[line.lead].kind == "GAM"
        if a.pinned_lead is not None:
            assert line.lead == a.pinned_lead
    for manager_id, used in load.items():
        assert used <= managers[manager_id].capacity + 1e-9
    after = {m.manager_id: m.workload_after for m in proposal.loads}
    assert after == pytest.approx({m: load.get(m, 0.0) for m in managers})


def test_best_fit_wins_and_capacity_is_never_exceeded():
    # given two food accounts and one auto account; k1 knows food but holds only 1
    accounts = [account("a", workload=1), account("b", workload=2), account("c", sector="auto")]
    managers = [kam("k1", 2.0, sectors=("food",)), kam("k2", 2.0, sectors=("auto",))]
    # when proposed
    proposal = solve(accounts, managers)
    # then b (workload 2) and a cannot both go to k1: the best is b→k1, a and c→k2
    assert proposal.status == "optimal"
    assert leads(proposal) == {"a": "k2", "b": "k1", "c": "k2"}
    assert proposal.objective.fit == 6.0
    assert {m.manager_id: m.workload_after for m in proposal.loads} == {"k1": 2.0, "k2": 2.0}


def test_international_accounts_go_to_a_gam_even_against_the_fit():
    # given an international account whose sector only a KAM knows
    accounts = [account("i", international=True, countries=("FR", "DE", "IT"))]
    managers = [kam("k", sectors=("food",)), gam("g")]
    proposal = solve(accounts, managers)
    # then the GAM leads it, and says why
    assert leads(proposal) == {"i": "g"}
    assert "international → GAM" in proposal.lines[0].reasons


def test_pins_are_kept_exactly():
    # given an account pinned to the manager who fits it worst
    accounts = [account("a", pinned_lead="k2", current_lead="k1")]
    managers = [kam("k1", sectors=("food",)), kam("k2")]
    proposal = solve(accounts, managers)
    line = proposal.lines[0]
    assert (line.lead, line.change, line.previous_lead) == ("k2", "moved", "k1")
    assert "pinned" in line.reasons


@pytest.mark.parametrize(
    ("pin", "managers", "message"),
    [
        ("ghost", [gam("g")], "account 'a': pinned_lead 'ghost' is not a known manager"),
        ("k", [kam("k"), gam("g")], "account 'a': pinned_lead 'k' is a KAM"),
        ("g", [gam("g", 0.5)], "accounts 'a': pinned to 'g', whose capacity 0.5"),
    ],
)
def test_impossible_pins_are_an_error_naming_the_account(pin, managers, message):
    accounts = [account("a", pinned_lead=pin, international=True)]
    with pytest.raises(AssignmentInputError, match=message):
        solve(accounts, managers)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"workload": 0.0}, "account 'a': workload must be > 0"),
        ({"workload": float("nan")}, "account 'a': workload must be > 0"),
        ({"value": -1.0}, "account 'a': value must be a number ≥ 0"),
        ({"support_needed": 2}, "account 'a': support_needed is 2 but only 2 managers"),
    ],
)
def test_bad_numbers_are_an_error_naming_the_account(fields, message):
    with pytest.raises(AssignmentInputError, match=message):
        solve([account("a", **fields)], [kam("k1"), kam("k2")])


def test_with_no_data_change_a_second_run_moves_nothing():
    # given a first proposal, with balance on, for accounts nobody leads yet
    accounts = [
        account(f"a{i}", value=10.0 * (i + 1), sector=("food", "auto")[i % 2]) for i in range(6)
    ]
    managers = [kam("k1", sectors=("food",)), kam("k2", sectors=("auto",)), gam("g")]
    first = solve(accounts, managers, AssignmentWeights())
    assert {line.change for line in first.lines} == {"new"}
    # when run again with its leads as today's leads
    today = leads(first)
    again = [
        AccountToPlace(**{**a.__dict__, "current_lead": today[a.account_id]}) for a in accounts
    ]
    second = solve(again, managers, AssignmentWeights())
    # then every account is kept
    assert leads(second) == today
    assert {line.change for line in second.lines} == {"kept"}
    assert second.objective.continuity == 6 * 5.0


@pytest.mark.parametrize(("continuity", "expected"), [(5.0, "k1"), (2.5, "k2"), (3.0, "k1")])
def test_a_move_happens_only_when_the_gain_exceeds_the_continuity_cost(continuity, expected):
    # given an account led by k1, who matches nothing, while k2 matches sector (3 points)
    accounts = [account("a", current_lead="k1")]
    managers = [kam("k1"), kam("k2", sectors=("food",))]
    weights = AssignmentWeights(fit_language=0, fit_country=0, continuity=continuity, balance=0)
    # then it moves only when 3 > continuity (a tie keeps it)
    proposal = solve(accounts, managers, weights)
    assert leads(proposal) == {"a": expected}
    if expected == "k2":
        assert proposal.lines[0].reasons == ("sector match", "moved: better fit (+3 points)")


def test_balance_spreads_value_by_capacity():
    # given two equal managers and four accounts of value 4, 3, 2, 1 (no fit anywhere)
    accounts = [account(a, value=v, sector="x") for a, v in zip("abcd", (4, 3, 2, 1), strict=True)]
    proposal = solve(accounts, [kam("k1", 4), kam("k2", 4)], AssignmentWeights())
    # then each gets 5 of value: {4, 1} and {3, 2}, no penalty left
    values = sorted(load.value_after for load in proposal.loads)
    assert values == [5.0, 5.0]
    assert proposal.objective.balance == 0.0


def test_not_enough_capacity_is_explained_not_partially_answered():
    # given 4 units of international work for 3 units of GAM capacity
    accounts = [
        account("i1", workload=2.0, international=True),
        account("i2", workload=2.0, international=True),
        account("d", workload=1.0),
    ]
    proposal = solve(accounts, [gam("g", 3.0), kam("k", 5.0)])
    # then no line is proposed; one international account is unplaced; 1 GAM unit missing
    assert proposal.status == "infeasible"
    assert proposal.lines == ()
    assert [(u.needs, u.workload) for u in proposal.unplaced] == [("GAM", 2.0)]
    assert proposal.unplaced[0].account_id in {"i1", "i2"}
    assert proposal.missing_capacity == {"GAM": 2.0}


def test_capacity_split_infeasibility_is_found_by_the_solver():
    # given 2 accounts of 2 units and two managers of 3: 4 ≤ 6 in total, yet one each fits
    # only if nothing else; a third account of 2 cannot go anywhere
    accounts = [account(a, workload=2.0) for a in "abc"]
    proposal = solve(accounts, [kam("k1"), kam("k2")])
    assert proposal.status == "infeasible"
    assert len(proposal.unplaced) == 1
    assert proposal.missing_capacity == {"KAM": 2.0}


def test_support_members_differ_from_the_lead_and_carry_a_quarter():
    accounts = [account("a", workload=2.0, support_needed=2)]
    proposal = solve(accounts, [kam("k1", 2), kam("k2", 0.5), kam("k3", 0.5)])
    line = proposal.lines[0]
    assert (line.lead, line.support) == ("k1", ("k2", "k3"))
    assert [m.workload_after for m in proposal.loads] == [2.0, 0.5, 0.5]


def test_same_input_same_output():
    accounts = [account(f"a{i}", value=float(i), sector=("food", "auto")[i % 2]) for i in range(8)]
    managers = [kam("k1", 4), kam("k2", 4), gam("g", 4)]
    runs = [solve(accounts, managers, AssignmentWeights()) for _ in range(3)]
    assert runs[0].lines == runs[1].lines == runs[2].lines


@st.composite
def feasible_problems(draw) -> AssignmentProblem:
    n_managers = draw(st.integers(2, 5))
    managers = [
        Manager(
            f"m{i}",
            "GAM" if i == 0 or draw(st.booleans()) else "KAM",
            draw(st.sampled_from([4.0, 6.0, 8.0])),
            sectors=tuple(draw(st.lists(st.sampled_from(["food", "auto"]), max_size=2))),
        )
        for i in range(n_managers)
    ]
    accounts = []
    for i in range(draw(st.integers(0, 8))):
        pin = draw(st.sampled_from([None, "m0"])) if i < 2 else None
        accounts.append(
            account(
                f"a{i}",
                value=draw(st.floats(0, 1000)),
                workload=draw(st.sampled_from([0.5, 1.0, 1.5])),
                sector=draw(st.sampled_from(["food", "auto"])),
                international=draw(st.booleans()),
                support_needed=draw(st.integers(0, 1)),
                current_lead=draw(st.sampled_from([None, *(m.manager_id for m in managers)])),
                pinned_lead=pin,
            )
        )
    # gap_limit 0: these tiny problems are solved to a proven optimum
    return AssignmentProblem(tuple(accounts), tuple(managers), time_limit_s=5.0, gap_limit=0.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems())
def test_every_hard_rule_holds_on_random_problems(problem):
    proposal = propose_assignment(problem)
    if proposal.status == "infeasible":
        # then it says why, and proposes nothing
        assert proposal.lines == ()
        assert proposal.missing_capacity
        return
    assert proposal.status == "optimal"
    assert_hard_rules(problem, proposal)
