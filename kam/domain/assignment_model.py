"""The CP-SAT model behind the assignment proposal, on integers only.

``kam.domain.assignment`` turns accounts and managers into a ``ScaledProblem`` (workloads
in hundredths, objective in millionths of a point, managers by index); this module
builds the model, solves it deterministically (fixed seed, two workers) and reads the
answer back. Two models share the same constraints:

* ``solve_assignment``: every account gets exactly one lead and its support members;
  maximise fit + continuity − balance.
* ``solve_max_placement``: an account may stay unplaced (pinned ones may not); maximise the
  workload placed. Used only to explain an infeasible problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

# The fixed seed and worker count make the same input give the same output.
RANDOM_SEED = 0
NUM_WORKERS = 2


@dataclass(frozen=True)
class ScaledAccount:
    """One account in integers: lead and support workload, value (for the balance), the
    points earned per eligible lead (manager index → fit + continuity) and per support
    member, the pinned lead's index, and today's lead and support (a hint to the solver)."""

    workload: int
    support_workload: int
    value: int
    support_needed: int
    lead_points: dict[int, int]
    support_points: dict[int, int]
    pinned: int | None = None
    hint_lead: int | None = None
    hint_support: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScaledProblem:
    """The whole problem in integers: per manager, capacity and value target (its
    capacity-proportional share); ``balance_coef`` is the objective cost of one unit of
    value away from the target."""

    accounts: tuple[ScaledAccount, ...]
    capacities: tuple[int, ...]
    targets: tuple[int, ...]
    balance_coef: int
    time_limit_s: float
    gap_limit: float
    # Per manager, the value off target that costs nothing (same units as targets).
    bands: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.bands:
            object.__setattr__(self, "bands", tuple(0 for _ in self.targets))


@dataclass(frozen=True)
class SolverOutcome:
    """What the solver found: ``status`` (optimal, feasible, infeasible or unknown), the
    lead index of each account (None = unplaced, or no solution) and its support indexes,
    the objective value and best bound in model units, and the wall time."""

    status: str
    leads: tuple[int | None, ...]
    support: tuple[tuple[int, ...], ...]
    objective: float
    best_bound: float
    seconds: float


# An assignment by account: lead manager index (None = unplaced), support member indexes.
Leads = list[int | None]
Support = list[tuple[int, ...]]
Hint = tuple[Leads, Support]


class _StopAt(cp_model.CpSolverSolutionCallback):
    def __init__(self, objective: float) -> None:
        super().__init__()
        self.objective = objective

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.objective:
            self.stop_search()


def excess(led: int, target: int, band: int) -> int:
    """How far a portfolio's value is outside ``target ± band`` (0 inside)."""
    return max(0, abs(led - target) - band)


class _Model:
    """The variables and hard rules shared by both models."""

    def __init__(self, problem: ScaledProblem, *, must_place_all: bool, hint: Hint | None) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.lead: list[dict[int, cp_model.IntVar]] = []
        self.support: list[dict[int, cp_model.IntVar]] = []
        self.placed: list[cp_model.LinearExprT] = []
        self.hinted_lead: dict[int, int] = {}
        n_managers = len(problem.capacities)
        load: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(n_managers)]
        for a, account in enumerate(problem.accounts):
            candidates = [account.pinned] if account.pinned is not None else account.lead_points
            lead = {m: self.model.new_bool_var(f"lead_{a}_{m}") for m in candidates}
            support = {
                m: self.model.new_bool_var(f"support_{a}_{m}")
                for m in (range(n_managers) if account.support_needed else ())
            }
            placed = cp_model.LinearExpr.sum(list(lead.values()))
            if must_place_all or account.pinned is not None:
                self.model.add(placed == 1)
            else:
                self.model.add(placed <= 1)
            if support:
                self.model.add(
                    cp_model.LinearExpr.sum(list(support.values()))
                    == account.support_needed * placed
                )
                for m, var in support.items():
                    if m in lead:  # a support member is never the lead
                        self.model.add_at_most_one(var, lead[m])
                    load[m].append((var, account.support_workload))
            for m, var in lead.items():
                load[m].append((var, account.workload))
            self.lead.append(lead)
            self.support.append(support)
            self.placed.append(placed)
        for m, terms in enumerate(load):
            if terms:
                self.model.add(
                    cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms])
                    <= problem.capacities[m]
                )
        if hint is not None:
            self._hint(*hint)

    def _hint(self, leads: Leads, support: Support) -> None:
        """Start the search from a complete assignment (without one CP-SAT may find no
        solution at all in time on tight capacities)."""
        for a, lead in enumerate(self.lead):
            chosen = leads[a]
            if chosen is None or chosen not in lead:
                continue
            self.hinted_lead[a] = chosen
            for m, var in lead.items():
                self.model.add_hint(var, m == chosen)
            for m, var in self.support[a].items():
                self.model.add_hint(var, m in support[a])

    def solve(self, stop_at: float | None = None) -> SolverOutcome:
        """Solve; with ``stop_at``, stop at the first solution whose objective reaches it
        (a bound proven elsewhere makes it good enough)."""
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = self.problem.time_limit_s
        solver.parameters.relative_gap_limit = self.problem.gap_limit
        solver.parameters.num_workers = NUM_WORKERS
        solver.parameters.random_seed = RANDOM_SEED
        # Workers take turns in a fixed order: the same input gives the same proposal
        # (with several optimal answers, free-running workers would pick any of them).
        solver.parameters.interleave_search = True
        # Probing and symmetry detection cost seconds on 80k variables and gain nothing here.
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        code = solver.solve(self.model, _StopAt(stop_at) if stop_at is not None else None)
        status = {
            cp_model.OPTIMAL: "optimal",
            cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible",
        }.get(code, "unknown")
        if status not in ("optimal", "feasible"):
            empty = tuple(None for _ in self.lead)
            return SolverOutcome(
                status, empty, tuple(() for _ in self.lead), 0, 0, solver.wall_time
            )
        leads = tuple(
            next((m for m, var in lead.items() if solver.boolean_value(var)), None)
            for lead in self.lead
        )
        support = tuple(
            tuple(m for m, var in sorted(chosen.items()) if solver.boolean_value(var))
            for chosen in self.support
        )
        return SolverOutcome(
            status,
            leads,
            support,
            solver.objective_value,
            solver.best_objective_bound,
            solver.wall_time,
        )


def solve_assignment(
    problem: ScaledProblem, hint: Hint | None = None, stop_at: float | None = None
) -> SolverOutcome:
    """Place every account, maximising fit + continuity − balance × Σ excess over band,
    starting from ``hint`` (a complete assignment) when given, stopping at a solution
    reaching ``stop_at`` when given."""
    built = _Model(problem, must_place_all=True, hint=hint)
    model = built.model
    variables: list[cp_model.IntVar] = []
    coefficients: list[int] = []
    values: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in problem.capacities]
    for a, account in enumerate(problem.accounts):
        for m, var in built.lead[a].items():
            variables.append(var)
            coefficients.append(account.lead_points.get(m, 0))
            values[m].append((var, account.value))
        for m, var in built.support[a].items():
            variables.append(var)
            coefficients.append(account.support_points.get(m, 0))
    deviations: list[cp_model.IntVar] = []
    if problem.balance_coef:
        total_value = sum(account.value for account in problem.accounts)
        for m, terms in enumerate(values):
            # deviation ≥ |value led − target|; maximising −deviation makes it equal.
            deviation = model.new_int_var(0, total_value + problem.targets[m], f"deviation_{m}")
            deviations.append(deviation)
            led = cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms])
            band = problem.bands[m]
            model.add(deviation >= led - problem.targets[m] - band)
            model.add(deviation >= problem.targets[m] - band - led)
            variables.append(deviation)
            coefficients.append(-problem.balance_coef)
        if deviations and len(built.hinted_lead) == len(problem.accounts):
            hinted = [0] * len(problem.capacities)
            for a, m in built.hinted_lead.items():
                hinted[m] += problem.accounts[a].value
            for m, target in enumerate(problem.targets):
                model.add_hint(deviations[m], excess(hinted[m], target, problem.bands[m]))
    model.maximize(cp_model.LinearExpr.weighted_sum(variables, coefficients))
    return built.solve(stop_at)


def solve_max_placement(problem: ScaledProblem, hint: Hint | None = None) -> SolverOutcome:
    """Place as much workload as the hard rules allow (pinned accounts always placed),
    starting from ``hint`` (a partial assignment) when given."""
    built = _Model(problem, must_place_all=False, hint=hint)
    built.model.maximize(
        cp_model.LinearExpr.weighted_sum(
            built.placed, [account.workload for account in problem.accounts]
        )
    )
    return built.solve()
