"""The linear relaxation, its rounding and the local moves behind the assignment proposal,
and the balance band, on cases small enough to check by hand."""

from __future__ import annotations

import dataclasses

import pytest

from bench.assignment_timing import synthetic_problem
from kam.domain.assignment import (
    AssignmentWeights,
    _scale,
    propose_assignment,
    validate_problem,
)
from kam.domain.assignment_lp import (
    Relaxation,
    improved_assignment,
    objective_value,
    rounded_assignment,
    solve_relaxation,
)
from kam.domain.assignment_model import ScaledAccount, ScaledProblem, excess
from tests.domain.test_assignment import account, assert_hard_rules, kam, solve


def scaled(accounts, capacities, targets=None, balance_coef=0, bands=()) -> ScaledProblem:
    return ScaledProblem(
        accounts=tuple(accounts),
        capacities=tuple(capacities),
        targets=tuple(targets or [0] * len(capacities)),
        balance_coef=balance_coef,
        time_limit_s=5.0,
        gap_limit=0.0,
        bands=tuple(bands),
    )


def one(points: dict[int, int], workload=1, value=0) -> ScaledAccount:
    return ScaledAccount(
        workload=workload,
        support_workload=1,
        value=value,
        support_needed=0,
        lead_points=points,
        support_points={m: 0 for m in points},
    )


def test_excess_is_zero_inside_the_band_and_linear_outside():
    assert [excess(v, 100, 10) for v in (85, 90, 100, 110, 125)] == [5, 0, 0, 0, 15]


def test_relaxation_bounds_the_optimum_and_rounds_to_it_when_integral():
    # a prefers manager 0 (10 > 1), b prefers 0 too but only one fits: b's loss is smaller
    problem = scaled([one({0: 10, 1: 1}), one({0: 8, 1: 6})], capacities=[1, 1])
    relaxation = solve_relaxation(problem)
    assert relaxation is not None
    assert relaxation.bound == pytest.approx(16)  # a→0 (10) + b→1 (6)
    leads, support = rounded_assignment(problem, relaxation)
    assert leads == [0, 1]
    assert objective_value(problem, leads, support) == 16


def test_an_impossible_relaxation_is_none():
    # two accounts of workload 2, one manager of capacity 3
    problem = scaled([one({0: 1}, workload=2), one({0: 1}, workload=2)], capacities=[3])
    assert solve_relaxation(problem) is None


def test_rounding_repairs_an_overflow_by_moving_the_least_certain_account():
    # the LP split b half-half; rounding b to manager 0 would overflow it (a is certain)
    problem = scaled([one({0: 10, 1: 0}), one({0: 5, 1: 4})], capacities=[1, 2])
    relaxation = Relaxation(bound=15.0, lead=({0: 1.0, 1: 0.0}, {0: 0.5, 1: 0.5}), support=({}, {}))
    leads, _ = rounded_assignment(problem, relaxation)
    assert leads == [0, 1]


def test_local_moves_win_balance_back():
    # two equal managers with a target of 100 each; the start puts both accounts on 0
    problem = scaled(
        [one({0: 0, 1: 0}, value=100), one({0: 0, 1: 0}, value=100)],
        capacities=[2, 2],
        targets=[100, 100],
        balance_coef=1,
    )
    start = ([0, 0], [(), ()])
    assert objective_value(problem, *start) == -200
    leads, support = improved_assignment(problem, *start)
    assert sorted(leads) == [0, 1]
    assert objective_value(problem, leads, support) == 0


def test_local_moves_keep_pins_and_capacity():
    pinned = dataclasses.replace(one({0: 0, 1: 0}, value=100), pinned=0)
    problem = scaled(
        [pinned, one({0: 0, 1: 0}, value=100, workload=3)],
        capacities=[5, 2],
        targets=[100, 100],
        balance_coef=1,
    )
    leads, _ = improved_assignment(problem, [0, 0], [(), ()])
    assert leads == [0, 0]  # the pin stays; the other does not fit on manager 1


def test_a_portfolio_inside_the_band_costs_nothing():
    # values 100 and 120 on two equal managers: targets 110 each, 10 off = inside ±10 %
    accounts = [account("a", value=100.0), account("b", value=120.0)]
    managers = [kam("k1", 1.0), kam("k2", 1.0)]
    banded = solve(accounts, managers, AssignmentWeights(balance=1.0, balance_band=0.1))
    assert banded.objective.balance == 0.0
    strict = solve(accounts, managers, AssignmentWeights(balance=1.0, balance_band=0.0))
    # 10 off on each side, in average accounts of 110: 2 × 10 / 110
    assert strict.objective.balance == pytest.approx(20 / 110, abs=1e-6)


def test_a_negative_band_is_refused():
    from kam.domain.assignment import AssignmentInputError

    with pytest.raises(AssignmentInputError, match=r"weights\.balance_band"):
        solve([account("a")], [kam("k1")], AssignmentWeights(balance_band=-0.1))


def test_the_benchmark_size_is_within_one_percent_and_the_bound_is_honest():
    # a smaller copy of the benchmark's synthetic portfolio (200 accounts, 16 managers)
    problem = synthetic_problem(200, 16)
    proposal = propose_assignment(problem)
    assert proposal.status in ("optimal", "feasible")
    assert proposal.gap <= problem.gap_limit
    assert_hard_rules(problem, proposal)
    relaxation = solve_relaxation(_scale(problem, validate_problem(problem)))
    assert relaxation is not None
    # the reported bound never claims more than the relaxation proves
    assert proposal.best_bound <= relaxation.bound / 1_000_000 + 1e-3
    assert proposal.objective.total <= proposal.best_bound + 1e-3
