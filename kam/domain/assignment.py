"""Who leads which key account: a capacity-aware, optimal assignment proposal.

``propose_assignment`` gives every key account one lead manager (and, when asked, support
members) so that no manager carries more workload than their capacity, international
accounts are led by GAMs and pins are kept exactly. Among those assignments it picks the
one with the best score (in points):

    fit          + Σ over leads of  fit_sector·[sector match] + fit_language·[language match]
                                   + fit_country·[at least one country in common]
                 + Σ over support members of SUPPORT_SHARE × the same fit points
    continuity   + Σ over accounts kept with their current lead of ``continuity``
                 + Σ over support members kept of SUPPORT_SHARE × ``continuity``
    − balance    balance × Σ over managers max(0, |V_m − T_m| − band × T_m) / mean account
                 value, where V_m is the value of the accounts m leads, T_m = total value ×
                 capacity_m / total capacity (the capacity-proportional share) and band
                 (``balance_band``, 10 %) the tolerance within which a portfolio counts
                 as balanced

so an account changes lead only when the move gains more than ``continuity`` points (a
tie keeps today's lead), and
with balance = 1 handing an average account from an over-valued portfolio to an
under-valued one is worth up to 2 points. A support member carries SUPPORT_SHARE (25 %) of
the account's workload and none of its value. Support members may be KAMs or GAMs.

Nothing is stored: the proposal is a dry run, a diff against today's leads. When the
accounts cannot all be placed, the proposal says which ones and how much capacity is
missing, and proposes no line at all (never a silent partial answer).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections import defaultdict

from kam.domain.assignment_lp import (
    greedy_assignment,
    improved_assignment,
    objective_value,
    rounded_assignment,
    solve_relaxation,
)
from kam.domain.assignment_model import (
    Hint,
    ScaledAccount,
    ScaledProblem,
    SolverOutcome,
    solve_assignment,
    solve_max_placement,
)

# The inputs and outputs live in assignment_problem; they are re-exported from here, the
# module callers use.
__all__ = [
    "GAM",
    "KAM",
    "SUPPORT_SHARE",
    "AccountToPlace",
    "AssignmentInputError",
    "AssignmentProblem",
    "AssignmentProposal",
    "AssignmentWeights",
    "Change",
    "Manager",
    "ManagerKind",
    "ManagerLoad",
    "ObjectiveTerms",
    "ProposalLine",
    "ProposalStatus",
    "UnplacedAccount",
    "aggregate_shortfall",
    "demand",
    "fit_matches",
    "fit_points",
    "propose_assignment",
    "validate_problem",
]
from kam.domain.assignment_problem import (
    GAM,
    KAM,
    SUPPORT_SHARE,
    TOLERANCE,
    AccountToPlace,
    AssignmentInputError,
    AssignmentProblem,
    AssignmentProposal,
    AssignmentWeights,
    Change,
    Manager,
    ManagerKind,
    ManagerLoad,
    ObjectiveTerms,
    ProposalLine,
    ProposalStatus,
    UnplacedAccount,
    aggregate_shortfall,
    demand,
    is_number,
    validate_problem,
)

WORK_SCALE = 100
POINT_SCALE = 1_000_000
VALUE_SCALE = 100
# An answer within this many model units (0.01 point) of the bound is called optimal: the
# tie-breaking units (< 0.0001 point per account) are not a difference anyone can see.
OPTIMAL_WITHIN = POINT_SCALE // 100
# Relative slack added to the linear relaxation's optimum before it is used as a bound.
LP_TOLERANCE = 1e-7


def _folded(values: tuple[str, ...]) -> set[str]:
    return {v.casefold() for v in values}


def fit_matches(account: AccountToPlace, manager: Manager) -> tuple[str, ...]:
    """The fit criteria a manager matches for an account (case-insensitive): sector,
    language, country (at least one country in common)."""
    matches = []
    if account.sector.casefold() in _folded(manager.sectors):
        matches.append("sector")
    if account.language is not None and account.language.casefold() in _folded(manager.languages):
        matches.append("language")
    if _folded(account.countries) & _folded(manager.countries):
        matches.append("country")
    return tuple(matches)


def fit_points(account: AccountToPlace, manager: Manager, weights: AssignmentWeights) -> float:
    """The fit points a manager earns as the account's lead."""
    points = {
        "sector": weights.fit_sector,
        "language": weights.fit_language,
        "country": weights.fit_country,
    }
    return sum(points[match] for match in fit_matches(account, manager))


def _tie_break(account_id: str, manager_id: str) -> int:
    digest = hashlib.blake2b(f"{account_id}\x00{manager_id}".encode(), digest_size=2)
    return int.from_bytes(digest.digest()) % 100


def _work(workload: float) -> int:
    # Rounded up (capacity down) so that an assignment valid in integers is valid in floats.
    return max(1, math.ceil(workload * WORK_SCALE - TOLERANCE))


def _scale(problem: AssignmentProblem, managers: dict[str, Manager]) -> ScaledProblem:
    index = {manager_id: m for m, manager_id in enumerate(managers)}
    weights = problem.weights
    total_value = sum(a.value for a in problem.accounts)
    mean_value = total_value / len(problem.accounts) if problem.accounts else 0.0
    accounts = []
    for account in problem.accounts:
        eligible = [m for m in problem.managers if m.kind == GAM or not account.international]
        lead_points = {
            index[m.manager_id]: round(
                POINT_SCALE
                * (
                    fit_points(account, m, weights)
                    + weights.continuity * (m.manager_id == account.current_lead)
                )
            )
            # 100 units more for today's lead: a tie (gain = continuity cost) keeps it; and a
            # fixed pseudo-random 0-99 units per pair so that equal answers are not tied
            # (the same input always gives the same output, whichever worker finds it)
            + 100 * (m.manager_id == account.current_lead)
            + _tie_break(account.account_id, m.manager_id)
            for m in eligible
        }
        support_points = {
            index[m.manager_id]: round(
                POINT_SCALE
                * SUPPORT_SHARE
                * (
                    fit_points(account, m, weights)
                    + weights.continuity * (m.manager_id in account.current_support)
                )
            )
            for m in problem.managers
        }
        accounts.append(
            ScaledAccount(
                workload=_work(account.workload),
                support_workload=_work(account.workload * SUPPORT_SHARE),
                value=round(account.value / mean_value * VALUE_SCALE) if mean_value else 0,
                support_needed=account.support_needed,
                lead_points=lead_points,
                support_points=support_points,
                pinned=index.get(account.pinned_lead or ""),
                hint_lead=index.get(account.current_lead or ""),
                hint_support=tuple(index[s] for s in account.current_support if s in index),
            )
        )
    total_capacity = sum(m.capacity for m in problem.managers)
    value_units = sum(a.value for a in accounts)
    targets = tuple(
        round(value_units * m.capacity / total_capacity) if total_capacity else 0
        for m in problem.managers
    )
    return ScaledProblem(
        accounts=tuple(accounts),
        capacities=tuple(math.floor(m.capacity * WORK_SCALE + TOLERANCE) for m in problem.managers),
        targets=targets,
        bands=tuple(math.floor(t * weights.balance_band) for t in targets),
        balance_coef=round(weights.balance * POINT_SCALE / VALUE_SCALE),
        time_limit_s=problem.time_limit_s,
        gap_limit=problem.gap_limit,
    )


def _loads(
    problem: AssignmentProblem, leads: dict[str, str], support: dict[str, tuple[str, ...]]
) -> tuple[ManagerLoad, ...]:
    work: dict[tuple[str, str], float] = defaultdict(float)
    value: dict[tuple[str, str], float] = defaultdict(float)
    for account in problem.accounts:
        sides = {
            "before": (account.current_lead, account.current_support),
            "after": (leads.get(account.account_id), support.get(account.account_id, ())),
        }
        for side, (lead, members) in sides.items():
            if lead is not None:
                work[lead, side] += account.workload
                value[lead, side] += account.value
            for member in members:
                work[member, side] += account.workload * SUPPORT_SHARE
    return tuple(
        ManagerLoad(
            manager_id=m.manager_id,
            kind=m.kind,
            capacity=m.capacity,
            workload_before=round(work[m.manager_id, "before"], 6),
            workload_after=round(work[m.manager_id, "after"], 6),
            value_before=round(value[m.manager_id, "before"], 6),
            value_after=round(value[m.manager_id, "after"], 6),
        )
        for m in problem.managers
    )


def _terms(
    problem: AssignmentProblem,
    managers: dict[str, Manager],
    leads: dict[str, str],
    support: dict[str, tuple[str, ...]],
) -> ObjectiveTerms:
    """The objective recomputed in floats from the chosen leads (see the module docstring)."""
    weights = problem.weights
    fit = continuity = 0.0
    led: dict[str, float] = defaultdict(float)
    for account in problem.accounts:
        lead = leads[account.account_id]
        led[lead] += account.value
        fit += fit_points(account, managers[lead], weights)
        continuity += weights.continuity * (lead == account.current_lead)
        for member in support.get(account.account_id, ()):
            fit += SUPPORT_SHARE * fit_points(account, managers[member], weights)
            continuity += SUPPORT_SHARE * weights.continuity * (member in account.current_support)
    total_value = sum(a.value for a in problem.accounts)
    total_capacity = sum(m.capacity for m in problem.managers)
    balance = 0.0
    if total_value > 0 and total_capacity > 0 and weights.balance:
        mean_value = total_value / len(problem.accounts)
        spread = 0.0
        for m in problem.managers:
            target = total_value * m.capacity / total_capacity
            spread += max(0.0, abs(led[m.manager_id] - target) - target * weights.balance_band)
        balance = weights.balance * spread / mean_value
    return ObjectiveTerms(
        fit=round(fit, 6),
        continuity=round(continuity, 6),
        balance=round(balance, 6),
        total=round(fit + continuity - balance, 6),
    )


def _reasons(
    account: AccountToPlace, lead: Manager, managers: dict[str, Manager], weights: AssignmentWeights
) -> tuple[str, ...]:
    reasons = []
    if account.pinned_lead is not None:
        reasons.append("pinned")
    if account.international:
        reasons.append("international → GAM")
    reasons.extend(f"{match} match" for match in fit_matches(account, lead))
    previous = managers.get(account.current_lead or "")
    if account.current_lead is None:
        reasons.append("new: no lead today")
    elif lead.manager_id == account.current_lead:
        reasons.append("kept: continuity")
    elif previous is None:
        reasons.append("moved: previous lead is not an available manager")
    elif account.international and previous.kind != GAM:
        reasons.append("moved: previous lead is a KAM")
    elif account.pinned_lead is None:
        gain = fit_points(account, lead, weights) - fit_points(account, previous, weights)
        if gain > weights.continuity:
            reasons.append(f"moved: better fit (+{gain:g} points)")
        else:
            reasons.append("moved: capacity and portfolio balance")
    return tuple(reasons)


def _lines(
    problem: AssignmentProblem,
    managers: dict[str, Manager],
    leads: dict[str, str],
    support: dict[str, tuple[str, ...]],
) -> tuple[ProposalLine, ...]:
    lines = []
    for account in problem.accounts:
        lead = leads[account.account_id]
        change: Change = (
            "new"
            if account.current_lead is None
            else "kept"
            if lead == account.current_lead
            else "moved"
        )
        lines.append(
            ProposalLine(
                account_id=account.account_id,
                lead=lead,
                support=support.get(account.account_id, ()),
                change=change,
                previous_lead=account.current_lead,
                reasons=_reasons(account, managers[lead], managers, problem.weights),
            )
        )
    return tuple(lines)


def _today(scaled: ScaledProblem) -> Hint:
    """Today's leads and support where they still fit, completed greedily."""
    return greedy_assignment(
        scaled,
        [a.hint_lead for a in scaled.accounts],
        [a.hint_support for a in scaled.accounts],
    )


def _solve(scaled: ScaledProblem) -> SolverOutcome:
    """The linear relaxation first: its rounding (or today's assignment, completed),
    improved by local moves, is the answer when the relaxation proves it within the gap
    limit (optimal when the gap is closed); otherwise CP-SAT searches from the better of
    the two for the rest of the time limit, stopping once within the gap limit of the
    tighter of the two bounds (the relaxation's and its own). See
    :mod:`kam.domain.assignment_lp`."""
    started = time.perf_counter()
    relaxation = solve_relaxation(scaled)
    if relaxation is None:  # no fractional assignment: no integer one either
        empty = tuple(None for _ in scaled.accounts)
        seconds = time.perf_counter() - started
        return SolverOutcome("infeasible", empty, tuple(() for _ in empty), 0, 0, seconds)
    # The LP optimum is exact to its tolerances; this slack keeps the bound an upper bound.
    slack = LP_TOLERANCE * max(1.0, abs(relaxation.bound))
    bound = relaxation.bound + slack
    starts = [
        improved_assignment(scaled, *h)
        for h in (rounded_assignment(scaled, relaxation), _today(scaled))
        if None not in h[0]
    ]
    best = max(starts, key=lambda h: objective_value(scaled, *h), default=None)
    if best is not None and bound - objective_value(scaled, *best) <= OPTIMAL_WITHIN + slack:
        # proven optimal by the relaxation: nothing for CP-SAT to do
        return SolverOutcome(
            "optimal",
            tuple(best[0]),
            tuple(best[1]),
            objective_value(scaled, *best),
            relaxation.bound,
            time.perf_counter() - started,
        )
    if best is not None:
        value = objective_value(scaled, *best)
        if (bound - value) / max(1.0, abs(value)) <= scaled.gap_limit:
            # proven within the gap limit by the relaxation: CP-SAT would only spend
            # seconds loading the model to prove the same (measured on 1,000 × 80)
            return SolverOutcome(
                "feasible",
                tuple(best[0]),
                tuple(best[1]),
                value,
                max(value, min(bound, relaxation.bound)),
                time.perf_counter() - started,
            )
    remaining = max(0.5, scaled.time_limit_s - (time.perf_counter() - started))
    # CP-SAT's own bound is often weaker than the relaxation's: stop it as soon as a
    # solution is within the gap limit of the relaxation's bound
    outcome = solve_assignment(
        dataclasses.replace(scaled, time_limit_s=remaining),
        hint=best,
        stop_at=bound / (1 + scaled.gap_limit) if bound > 0 else None,
    )
    seconds = time.perf_counter() - started
    if outcome.status == "unknown" and best is not None:  # CP-SAT found nothing better
        value = objective_value(scaled, *best)
        return SolverOutcome("feasible", tuple(best[0]), tuple(best[1]), value, bound, seconds)
    if outcome.status not in ("optimal", "feasible"):
        return dataclasses.replace(outcome, seconds=seconds)
    best_bound = min(outcome.best_bound, bound)
    # CP-SAT says "optimal" also when it stopped at the gap limit: only a closed gap is.
    proven = best_bound - outcome.objective <= OPTIMAL_WITHIN
    return dataclasses.replace(
        outcome,
        status="optimal" if proven else "feasible",
        best_bound=max(best_bound, outcome.objective),
        seconds=seconds,
    )


def _infeasible(
    problem: AssignmentProblem, scaled: ScaledProblem, shortfall: dict[str, float], seconds: float
) -> AssignmentProposal:
    """Explain an infeasible problem: the accounts the best partial placement (most
    workload placed) leaves out, and per kind the capacity missing: the demand of those
    accounts, never less than the aggregate shortfall."""
    relaxed = solve_max_placement(scaled, hint=_today(scaled))
    unplaced: tuple[UnplacedAccount, ...] = ()
    missing = dict(shortfall)
    message = "not enough capacity to place every account"
    if relaxed.status in ("optimal", "feasible"):
        unplaced = tuple(
            UnplacedAccount(a.account_id, a.workload, GAM if a.international else KAM)
            for a, lead in zip(problem.accounts, relaxed.leads, strict=True)
            if lead is None
        )
        by_id = {a.account_id: a for a in problem.accounts}
        for kind in (GAM, KAM):
            needed = sum(demand(by_id[u.account_id]) for u in unplaced if u.needs == kind)
            if max(needed, missing.get(kind, 0.0)) > TOLERANCE:
                missing[kind] = round(max(needed, missing.get(kind, 0.0)), 6)
        if not unplaced:
            message = "every account fits alone, but not all together (support or capacity split)"
    else:
        message += "; which accounts to leave out could not be found within the time limit"
    empty_loads = _loads(problem, {}, {})
    return AssignmentProposal(
        status="infeasible",
        lines=(),
        loads=empty_loads,
        objective=ObjectiveTerms(0.0, 0.0, 0.0, 0.0),
        best_bound=0.0,
        gap=0.0,
        seconds=round(seconds + relaxed.seconds, 3),
        unplaced=unplaced,
        missing_capacity=missing,
        message=message,
    )


def propose_assignment(problem: AssignmentProblem) -> AssignmentProposal:
    """The best assignment of leads (and support members) to the key accounts under the
    hard rules (capacity, international → GAM, pins), as a diff against today; or, when
    there is not enough capacity, which accounts cannot be placed and how much capacity is
    missing. Raises ``AssignmentInputError`` on malformed input or an impossible pin."""
    managers = validate_problem(problem)
    for name in (
        "fit_sector",
        "fit_language",
        "fit_country",
        "continuity",
        "balance",
        "balance_band",
    ):
        weight = getattr(problem.weights, name)
        if not is_number(weight) or weight < 0:
            raise AssignmentInputError(f"weights.{name}: must be a number ≥ 0 (got {weight!r})")
    scaled = _scale(problem, managers)
    shortfall = aggregate_shortfall(problem)
    if shortfall:
        return _infeasible(problem, scaled, shortfall, 0.0)
    outcome = _solve(scaled)
    if outcome.status == "infeasible":
        return _infeasible(problem, scaled, {}, outcome.seconds)
    if outcome.status == "unknown":
        return AssignmentProposal(
            status="unknown",
            lines=(),
            loads=_loads(problem, {}, {}),
            objective=ObjectiveTerms(0.0, 0.0, 0.0, 0.0),
            best_bound=0.0,
            gap=0.0,
            seconds=round(outcome.seconds, 3),
            message=f"no assignment found within {problem.time_limit_s:g} s: try a longer limit",
        )
    ids = list(managers)
    leads = {
        a.account_id: ids[m]
        for a, m in zip(problem.accounts, outcome.leads, strict=True)
        if m is not None
    }
    support = {
        a.account_id: tuple(sorted(ids[m] for m in members))
        for a, members in zip(problem.accounts, outcome.support, strict=True)
        if members
    }
    gap = abs(outcome.best_bound - outcome.objective) / max(1.0, abs(outcome.objective))
    return AssignmentProposal(
        status="optimal" if outcome.status == "optimal" else "feasible",
        lines=_lines(problem, managers, leads, support),
        loads=_loads(problem, leads, support),
        objective=_terms(problem, managers, leads, support),
        best_bound=round(outcome.best_bound / POINT_SCALE, 4),
        gap=round(gap, 6),
        seconds=round(outcome.seconds, 3),
    )
