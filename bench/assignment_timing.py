"""Benchmark: the assignment proposal on a synthetic portfolio of 1,000 key accounts and
80 managers. Targets: an optimal proposal, or one proven within 1 % of the optimum (the
gap to the best bound), in under 10 s on the bench machine (2 cores).

``python -m bench assignment`` (part of ``make bench``) runs it in a child process and
checks the targets; ``python -m bench.assignment_timing [accounts] [managers] [--json]``
runs one proposal and prints its time, status, gap and moves.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from bench.options import BenchOptions

NAME = "assignment"
DESCRIPTION = "assignment proposal, 1,000 key accounts × 80 managers: time and proven gap"
SECONDS_TARGET = 10.0
GAP_TARGET = 0.01
ACCOUNTS, MANAGERS = 1000, 80

from kam.domain.assignment import (  # noqa: E402 (the constants above document the module)
    AccountToPlace,
    AssignmentProblem,
    Manager,
    propose_assignment,
)

SECTORS = ("food", "auto", "pharma", "retail", "energy", "banking", "telecom", "chemicals")
LANGUAGES = ("fr", "en", "de", "es", "it")
COUNTRIES = ("FR", "BE", "DE", "ES", "IT", "GB", "US", "CH", "NL", "PL")


def synthetic_problem(n_accounts: int, n_managers: int, seed: int = 7) -> AssignmentProblem:
    """A plausible portfolio: a quarter GAMs, 15 % international accounts, 20 % wanting
    one support member, 70 % already led by someone, about 15 % spare capacity."""
    rng = random.Random(seed)
    managers = []
    for m in range(n_managers):
        managers.append(
            Manager(
                manager_id=f"m{m:03d}",
                kind="GAM" if m % 4 == 0 else "KAM",
                capacity=0.0,
                sectors=tuple(rng.sample(SECTORS, 2)),
                languages=tuple(rng.sample(LANGUAGES, 2)),
                countries=tuple(rng.sample(COUNTRIES, 3)),
            )
        )
    accounts = []
    for a in range(n_accounts):
        international = rng.random() < 0.15
        current = rng.choice(managers) if rng.random() < 0.7 else None
        if current is not None and international and current.kind == "KAM":
            current = rng.choice([m for m in managers if m.kind == "GAM"])
        accounts.append(
            AccountToPlace(
                account_id=f"a{a:04d}",
                value=round(rng.lognormvariate(11, 1), 2),
                workload=rng.choice((0.5, 1.0, 1.0, 1.5, 2.0)),
                sector=rng.choice(SECTORS),
                language=rng.choice(LANGUAGES),
                countries=tuple(rng.sample(COUNTRIES, 3 if international else 1)),
                international=international,
                support_needed=1 if rng.random() < 0.2 else 0,
                current_lead=current.manager_id if current else None,
            )
        )
    demand = sum(a.workload * (1 + 0.25 * a.support_needed) for a in accounts)
    gam_share = sum(a.workload for a in accounts if a.international) * 1.6
    n_gam = sum(1 for m in managers if m.kind == "GAM")
    gam_capacity = max(gam_share, demand * n_gam / n_managers) * 1.15 / n_gam
    kam_capacity = (demand * 1.15 - gam_capacity * n_gam) / (n_managers - n_gam)
    managers = [
        Manager(
            m.manager_id,
            m.kind,
            round(gam_capacity if m.kind == "GAM" else kam_capacity, 1),
            m.sectors,
            m.languages,
            m.countries,
        )
        for m in managers
    ]
    return AssignmentProblem(tuple(accounts), tuple(managers))


def measure(n_accounts: int = ACCOUNTS, n_managers: int = MANAGERS) -> dict[str, Any]:
    """One proposal, timed from the problem to the answer (the proposal's own clock
    misses the scaling and the reading back)."""
    problem = synthetic_problem(n_accounts, n_managers)
    started = time.perf_counter()
    proposal = propose_assignment(problem)
    elapsed = time.perf_counter() - started
    return {
        "accounts": n_accounts,
        "managers": n_managers,
        "status": proposal.status,
        "seconds": round(elapsed, 3),
        "solver_seconds": proposal.seconds,
        "gap": proposal.gap,
        "objective": proposal.objective.total,
        "best_bound": proposal.best_bound,
        "moves": {
            c: sum(1 for line in proposal.lines if line.change == c)
            for c in ("kept", "moved", "new")
        },
    }


def run(options: BenchOptions, out: Console) -> dict[str, Any]:
    """``python -m bench assignment``: one proposal in a child process (a fresh
    interpreter, as `kam assign` would be), its targets checked."""
    from bench.measure import run_child

    logs = options.directory / "logs" / options.stamp
    child = run_child(
        "assignment",
        (sys.executable, "-m", "bench.assignment_timing", str(ACCOUNTS), str(MANAGERS), "--json"),
        env=dict(__import__("os").environ),
        logs=logs,
    )
    if not child.ok:
        raise RuntimeError(f"the assignment child failed: {child.stderr_tail()}")
    with open(child.stdout_path, encoding="utf-8") as handle:
        result = json.loads(handle.read())
    passed = (
        result["status"] in ("optimal", "feasible")
        and result["seconds"] < SECONDS_TARGET
        and result["gap"] <= GAP_TARGET
    )
    out.print(
        f"{ACCOUNTS:,} accounts × {MANAGERS} managers: {result['status']}, "
        f"{result['seconds']:.2f} s (target < {SECONDS_TARGET:g} s), gap "
        f"{100 * result['gap']:.2f} % (target ≤ {100 * GAP_TARGET:g} %), process "
        f"{child.seconds:.2f} s with imports, peak {child.peak_rss_bytes / 2**20:,.0f} MiB: "
        + ("pass" if passed else "FAIL")
    )
    return {"benchmark": NAME, **result, "process": child.as_dict(), "passed": passed}


def main(n_accounts: int = 1000, n_managers: int = 80) -> None:
    """Print the time, status, gap and the number of moves of one proposal."""
    problem = synthetic_problem(n_accounts, n_managers)
    started = time.perf_counter()
    proposal = propose_assignment(problem)
    elapsed = time.perf_counter() - started
    changes = {c: sum(1 for line in proposal.lines if line.change == c) for c in ("kept", "moved")}
    print(
        f"{n_accounts} accounts × {n_managers} managers: {proposal.status}, "
        f"{elapsed:.2f} s in all ({proposal.seconds:.2f} s solving), gap {proposal.gap:.4%}, "
        f"objective {proposal.objective}, bound {proposal.best_bound}, {changes}"
    )


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if arg != "--json"]
    if "--json" in sys.argv:
        print(json.dumps(measure(*numbers)))
    else:
        main(*numbers)
