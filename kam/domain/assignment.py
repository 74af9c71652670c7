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
    − balance    balance × Σ over managers |V_m − T_m| / mean account value, where V_m is
                 the value of the accounts m leads and T_m = total value × capacity_m /
                 total capacity (the capacity-proportional share)

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

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from kam.domain.assignment_model import (
    ScaledAccount,
    ScaledProblem,
    solve_assignment,
    solve_max_placement,
)

GAM: Literal["GAM"] = "GAM"
KAM: Literal["KAM"] = "KAM"
ManagerKind = Literal["KAM", "GAM"]
ProposalStatus = Literal["optimal", "feasible", "infeasible", "unknown"]
Change = Literal["kept", "moved", "new"]

# A support member carries this share of the account's workload (and earns this share of
# the fit and continuity points); the lead carries the whole workload.
SUPPORT_SHARE = 0.25
# Floats compared with this slack: a capacity of 3.0 holds three accounts of 1.0.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class AccountToPlace:
    """A key account that needs a lead: its value (revenue or score, balanced across
    portfolios), its workload (capacity it uses, > 0), its profile for the fit, whether it
    is international (then only a GAM may lead it), how many support members it wants, its
    lead today and an optional pin (a lead that must be kept exactly)."""

    account_id: str
    value: float
    workload: float
    sector: str
    language: str | None
    countries: tuple[str, ...]
    international: bool
    support_needed: int = 0
    current_lead: str | None = None
    pinned_lead: str | None = None
    current_support: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manager:
    """A KAM or GAM who can lead accounts up to ``capacity`` units of workload, with the
    sectors, languages and countries they know."""

    manager_id: str
    kind: ManagerKind
    capacity: float
    sectors: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentWeights:
    """Points of the objective: each fit criterion an account's lead matches, keeping the
    current lead (= the continuity cost of a move), and the balance penalty per average
    account of value away from the capacity-proportional share."""

    fit_sector: float = 3.0
    fit_language: float = 2.0
    fit_country: float = 1.0
    continuity: float = 5.0
    balance: float = 1.0


@dataclass(frozen=True)
class AssignmentProblem:
    """Everything the optimiser needs; ``gap_limit`` is the relative gap (0.01 = 1 %) at
    which a solution counts as good enough, ``time_limit_s`` the wall-clock budget."""

    accounts: tuple[AccountToPlace, ...]
    managers: tuple[Manager, ...]
    weights: AssignmentWeights = AssignmentWeights()
    time_limit_s: float = 10.0
    gap_limit: float = 0.01


@dataclass(frozen=True)
class ProposalLine:
    """The proposed lead (and support) of one account, compared with today."""

    account_id: str
    lead: str
    support: tuple[str, ...]
    change: Change
    previous_lead: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ManagerLoad:
    """A manager's portfolio today (``*_before``: current leads and support) and in the
    proposal (``*_after``): workload used and value led."""

    manager_id: str
    kind: ManagerKind
    capacity: float
    workload_before: float
    workload_after: float
    value_before: float
    value_after: float


@dataclass(frozen=True)
class ObjectiveTerms:
    """The objective of the proposal in points: ``total = fit + continuity − balance``."""

    fit: float
    continuity: float
    balance: float
    total: float


@dataclass(frozen=True)
class UnplacedAccount:
    """An account the best partial placement could not place, and the kind of manager it
    needs as lead (GAM when international, else any kind: reported as KAM)."""

    account_id: str
    workload: float
    needs: ManagerKind


@dataclass(frozen=True)
class AssignmentProposal:
    """The result of ``propose_assignment``.

    ``status``: ``optimal`` (proven), ``feasible`` (within ``gap`` of the optimum, time or
    gap limit reached), ``infeasible`` (``lines`` empty; ``unplaced`` and
    ``missing_capacity`` explain why) or ``unknown`` (no assignment found within the time
    limit, nothing proven: try a longer limit). ``missing_capacity`` maps a manager kind to
    the workload missing; KAM means "any kind" since GAMs may lead any account too."""

    status: ProposalStatus
    lines: tuple[ProposalLine, ...]
    loads: tuple[ManagerLoad, ...]
    objective: ObjectiveTerms
    best_bound: float
    gap: float
    seconds: float
    unplaced: tuple[UnplacedAccount, ...] = ()
    missing_capacity: dict[str, float] = field(default_factory=dict)
    message: str = ""


class AssignmentInputError(ValueError):
    """The problem cannot be solved as stated (unknown or impossible pin, bad number…); the
    message names the account or manager and the field."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_managers(managers: tuple[Manager, ...]) -> dict[str, Manager]:
    by_id: dict[str, Manager] = {}
    for manager in managers:
        where = f"manager {manager.manager_id!r}"
        if manager.manager_id in by_id:
            raise AssignmentInputError(f"{where}: manager_id appears twice")
        if manager.kind not in (KAM, GAM):
            raise AssignmentInputError(f"{where}: kind must be KAM or GAM (got {manager.kind!r})")
        if not _is_number(manager.capacity) or manager.capacity < 0:
            raise AssignmentInputError(
                f"{where}: capacity must be a number ≥ 0 (got {manager.capacity!r})"
            )
        by_id[manager.manager_id] = manager
    return by_id


def _check_account(account: AccountToPlace, managers: dict[str, Manager]) -> None:
    where = f"account {account.account_id!r}"
    if not _is_number(account.workload) or account.workload <= 0:
        raise AssignmentInputError(f"{where}: workload must be > 0 (got {account.workload!r})")
    if not _is_number(account.value) or account.value < 0:
        raise AssignmentInputError(f"{where}: value must be a number ≥ 0 (got {account.value!r})")
    needed = account.support_needed
    if not isinstance(needed, int) or isinstance(needed, bool) or needed < 0:
        raise AssignmentInputError(f"{where}: support_needed must be ≥ 0 (got {needed!r})")
    if needed > len(managers) - 1:
        raise AssignmentInputError(
            f"{where}: support_needed is {needed} but only {len(managers)} managers exist "
            "(support members differ from the lead)"
        )
    pin = account.pinned_lead
    if pin is None:
        return
    if pin not in managers:
        raise AssignmentInputError(f"{where}: pinned_lead {pin!r} is not a known manager")
    if account.international and managers[pin].kind != GAM:
        raise AssignmentInputError(
            f"{where}: pinned_lead {pin!r} is a KAM but the account is international "
            "(only a GAM may lead it)"
        )


def validate_problem(problem: AssignmentProblem) -> dict[str, Manager]:
    """Raise ``AssignmentInputError`` naming the account or manager when the problem is
    malformed or a pin breaks a hard rule; return the managers by id."""
    if not problem.managers and problem.accounts:
        raise AssignmentInputError("managers: there is no manager to lead the accounts")
    managers = _check_managers(problem.managers)
    seen: set[str] = set()
    pinned_load: dict[str, float] = defaultdict(float)
    pinned_to: dict[str, list[str]] = defaultdict(list)
    for account in problem.accounts:
        if account.account_id in seen:
            raise AssignmentInputError(f"account {account.account_id!r}: account_id appears twice")
        seen.add(account.account_id)
        _check_account(account, managers)
        if account.pinned_lead is not None:
            pinned_load[account.pinned_lead] += account.workload
            pinned_to[account.pinned_lead].append(account.account_id)
    for manager_id, load in pinned_load.items():
        capacity = managers[manager_id].capacity
        if load > capacity + TOLERANCE:
            names = ", ".join(repr(a) for a in pinned_to[manager_id])
            raise AssignmentInputError(
                f"accounts {names}: pinned to {manager_id!r}, whose capacity {capacity:g} "
                f"is below their workload {load:g}"
            )
    for name in ("time_limit_s", "gap_limit"):
        number = getattr(problem, name)
        if not _is_number(number) or number < 0:
            raise AssignmentInputError(f"{name}: must be a number ≥ 0 (got {number!r})")
    return managers


def demand(account: AccountToPlace) -> float:
    """The workload an account puts on the team: its lead's plus its support members'."""
    return account.workload * (1 + SUPPORT_SHARE * account.support_needed)


def aggregate_shortfall(problem: AssignmentProblem) -> dict[str, float]:
    """The capacity missing whatever the assignment (a lower bound), by kind: GAM when the
    international accounts' lead workload exceeds the GAMs' capacity, KAM (any kind) for
    the rest of the total demand the total capacity cannot hold. Empty when enough."""
    total_capacity = sum(m.capacity for m in problem.managers)
    gam_capacity = sum(m.capacity for m in problem.managers if m.kind == GAM)
    international = sum(a.workload for a in problem.accounts if a.international)
    total = sum(demand(a) for a in problem.accounts)
    missing_gam = max(0.0, international - gam_capacity)
    missing_any = max(0.0, total - total_capacity - missing_gam)
    shortfall = {GAM: missing_gam, KAM: missing_any}
    return {kind: round(v, 6) for kind, v in shortfall.items() if v > TOLERANCE}


# Integer scales of the model: workload in hundredths, the objective in millionths of a
# point, value in hundredths of the mean account value (so the balance term does not
# depend on the currency or on the scale of scores).
WORK_SCALE = 100
POINT_SCALE = 1_000_000
VALUE_SCALE = 100


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
    return ScaledProblem(
        accounts=tuple(accounts),
        capacities=tuple(math.floor(m.capacity * WORK_SCALE + TOLERANCE) for m in problem.managers),
        targets=tuple(
            round(value_units * m.capacity / total_capacity) if total_capacity else 0
            for m in problem.managers
        ),
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
        spread = sum(
            abs(led[m.manager_id] - total_value * m.capacity / total_capacity)
            for m in problem.managers
        )
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


def _infeasible(
    problem: AssignmentProblem, scaled: ScaledProblem, shortfall: dict[str, float], seconds: float
) -> AssignmentProposal:
    """Explain an infeasible problem: the accounts the best partial placement (most
    workload placed) leaves out, and per kind the capacity missing: the demand of those
    accounts, never less than the aggregate shortfall."""
    relaxed = solve_max_placement(scaled)
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
    for name in ("fit_sector", "fit_language", "fit_country", "continuity", "balance"):
        weight = getattr(problem.weights, name)
        if not _is_number(weight) or weight < 0:
            raise AssignmentInputError(f"weights.{name}: must be a number ≥ 0 (got {weight!r})")
    scaled = _scale(problem, managers)
    shortfall = aggregate_shortfall(problem)
    if shortfall:
        return _infeasible(problem, scaled, shortfall, 0.0)
    outcome = solve_assignment(scaled)
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
