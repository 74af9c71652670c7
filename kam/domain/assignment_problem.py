"""The inputs and outputs of the assignment proposal (:mod:`kam.domain.assignment`), and
the checks of its inputs: who can be placed, on whom, and what the proposal says back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

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
    # A portfolio within ± this share of its target value counts as balanced (no penalty):
    # values come in lumps (accounts), so an exact split is neither possible nor useful.
    balance_band: float = 0.10


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


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_managers(managers: tuple[Manager, ...]) -> dict[str, Manager]:
    by_id: dict[str, Manager] = {}
    for manager in managers:
        where = f"manager {manager.manager_id!r}"
        if manager.manager_id in by_id:
            raise AssignmentInputError(f"{where}: manager_id appears twice")
        if manager.kind not in (KAM, GAM):
            raise AssignmentInputError(f"{where}: kind must be KAM or GAM (got {manager.kind!r})")
        if not is_number(manager.capacity) or manager.capacity < 0:
            raise AssignmentInputError(
                f"{where}: capacity must be a number ≥ 0 (got {manager.capacity!r})"
            )
        by_id[manager.manager_id] = manager
    return by_id


def _check_account(account: AccountToPlace, managers: dict[str, Manager]) -> None:
    where = f"account {account.account_id!r}"
    if not is_number(account.workload) or account.workload <= 0:
        raise AssignmentInputError(f"{where}: workload must be > 0 (got {account.workload!r})")
    if not is_number(account.value) or account.value < 0:
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
        if not is_number(number) or number < 0:
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
