"""`kam assign`: propose who leads each key account, and apply it.

Acts as kam itself (every permission) unless ``--as USER`` names the person acting; only
directors may propose and apply.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context, console
from kam.cli.scoring import acting_user, add_as_option

if TYPE_CHECKING:
    from kam.assignments.models import ProposalLine
    from kam.assignments.proposals import ComputedProposal

ASSIGN_HELP = """\
Propose a lead manager (and support members where the tier asks for them) for every key
account of the score run in force: within each manager's capacity, international
accounts to GAMs, pins kept, today's leads kept unless a move gains more than the
continuity cost, portfolio value balanced. The proposal is a diff against today.

  --dry-run  (default) print the diff; store nothing
  --save     store the proposal for review in the web UI (accept/reject per line)
  --apply    store the proposal and apply every line of it

When there is not enough capacity, nothing is proposed: the accounts that cannot be
placed and the capacity missing are printed, and the exit code is 1.

With --format json, one object: proposal (id or null), stored, applied, status
(optimal|feasible|infeasible|unknown), gap, best_bound, seconds, objective {fit,
continuity, balance, total}, counts {kept, moved, new, unassigned}, lines [{account,
name, change, lead, previous_lead, support, previous_support, reasons, workload, value,
international}] (every line, kept ones included), loads [{manager, kind, capacity,
workload_before, workload_after, value_before, value_after}], unplaced [{account, name,
workload, needs}], missing_capacity {kind: workload}, message.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    assign = commands.add_parser(
        "assign",
        help="propose (and apply) who leads each key account",
        description=ASSIGN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = assign.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        dest="mode",
        action="store_const",
        const="dry-run",
        help="print the diff, store nothing (default)",
    )
    mode.add_argument(
        "--save", dest="mode", action="store_const", const="save", help="store for review"
    )
    mode.add_argument(
        "--apply", dest="mode", action="store_const", const="apply", help="store and apply"
    )
    assign.add_argument(
        "--all", action="store_true", help="list kept accounts too (default: changes only)"
    )
    assign.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(assign)
    assign.set_defaults(handler=run_assign, mode="dry-run")


def run_assign(args: argparse.Namespace, ctx: Context) -> int:
    from django.core.exceptions import PermissionDenied

    from kam.assignments.proposals import (
        ProposalError,
        proposal_apply,
        proposal_compute,
        proposal_create,
    )

    user = acting_user(args)
    stored = applied = None
    try:
        if args.mode == "dry-run":
            computed = proposal_compute(user=user)
            report = _report_computed(computed)
        else:
            stored = proposal_create(user=user)
            if args.mode == "apply" and stored.feasible:
                stored = proposal_apply(proposal=stored, user=user)
                applied = True
            report = _report_stored(stored)
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ProposalError as exc:
        raise CommandFailed(str(exc)) from None
    report["proposal"] = stored.pk if stored is not None else None
    report["stored"] = stored is not None
    report["applied"] = bool(applied)
    if args.format == "json":
        json.dump(report, ctx.out, indent=2)
        ctx.out.write("\n")
    else:
        _print(report, ctx, show_all=args.all)
    if report["status"] not in ("optimal", "feasible"):
        raise CommandFailed(report["message"] or f"no assignment: {report['status']}")
    return 0


def _line_dict(line: ProposalLine, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "account": line.account.external_id,
        "name": line.account.name,
        "change": line.change,
        "lead": usernames.get(line.lead_id) if line.lead_id else None,
        "previous_lead": usernames.get(line.previous_lead_id) if line.previous_lead_id else None,
        "support": [usernames.get(m, str(m)) for m in line.support],
        "previous_support": [usernames.get(m, str(m)) for m in line.previous_support],
        "reasons": list(line.reasons),
        "workload": line.workload,
        "value": round(line.value, 2),
        "international": line.international,
    }


def _usernames() -> dict[int, str]:
    from django.contrib.auth import get_user_model

    return dict(get_user_model().objects.values_list("pk", "username"))


def _report_computed(computed: ComputedProposal) -> dict[str, Any]:
    result, context = computed.result, computed.context
    usernames = _usernames()
    lines = computed.lines()
    return {
        "status": result.status,
        "gap": result.gap,
        "best_bound": result.best_bound,
        "seconds": result.seconds,
        "objective": {
            "fit": result.objective.fit,
            "continuity": result.objective.continuity,
            "balance": result.objective.balance,
            "total": result.objective.total,
        },
        "counts": computed.counts(),
        "lines": [_line_dict(line, usernames) for line in lines],
        "loads": [
            {
                "manager": context.managers[context.pk(load.manager_id)].get_username(),
                "kind": load.kind,
                "capacity": load.capacity,
                "workload_before": load.workload_before,
                "workload_after": load.workload_after,
                "value_before": load.value_before,
                "value_after": load.value_after,
            }
            for load in result.loads
        ],
        "unplaced": [
            {
                "account": context.placed[context.pk(u.account_id)].account.external_id,
                "name": context.placed[context.pk(u.account_id)].account.name,
                "workload": u.workload,
                "needs": u.needs,
            }
            for u in result.unplaced
        ],
        "missing_capacity": dict(result.missing_capacity),
        "message": result.message,
    }


def _report_stored(proposal: Any) -> dict[str, Any]:
    usernames = _usernames()
    lines = list(proposal.lines.select_related("account"))
    counts = {change: 0 for change in ("kept", "moved", "new", "unassigned")}
    for line in lines:
        counts[line.change] += 1
    return {
        "status": proposal.solver_status,
        "gap": proposal.gap,
        "best_bound": proposal.best_bound,
        "seconds": proposal.seconds,
        "objective": proposal.objective,
        "counts": counts,
        "lines": [_line_dict(line, usernames) for line in lines],
        "loads": [
            {key: value for key, value in load.items() if key != "username"}
            | {"manager": load["username"]}
            for load in proposal.loads
        ],
        "unplaced": [
            {key: u[key] for key in ("name", "workload", "needs")} | {"account": u["external_id"]}
            for u in proposal.unplaced
        ],
        "missing_capacity": proposal.missing_capacity,
        "message": proposal.message,
    }


def _print(report: dict[str, Any], ctx: Context, *, show_all: bool) -> None:
    from rich.table import Table

    out = console(ctx)
    if report["applied"]:
        head = f"Assignment proposal #{report['proposal']} stored and applied"
    elif report["stored"]:
        head = (
            f"Assignment proposal #{report['proposal']} stored for review "
            f"(web UI: /assignments/proposals/{report['proposal']}/)"
        )
    else:
        head = "Assignment proposal (dry run: nothing stored)"
    status = report["status"]
    out.print(
        f"{head}: {status}, gap {100 * report['gap']:.2f} %, {report['seconds']:.1f} s",
        highlight=False,
    )
    if status not in ("optimal", "feasible"):
        _print_infeasible(report, ctx)
        return
    objective = report["objective"]
    out.print(
        f"objective {objective['total']:g} points = fit {objective['fit']:g} + continuity "
        f"{objective['continuity']:g} − balance {objective['balance']:g}",
        highlight=False,
    )
    counts = report["counts"]
    out.print(", ".join(f"{n} {change}" for change, n in counts.items()), highlight=False)
    shown = [
        line
        for line in report["lines"]
        if show_all or line["change"] != "kept" or line["support"] != line["previous_support"]
    ]
    if shown:
        for line in shown:
            support = f" + support {', '.join(line['support'])}" if line["support"] else ""
            out.print(
                f"{line['account']} {line['name']}: {line['change']} "
                f"{line['previous_lead'] or '-'} → {line['lead'] or '-'}{support}"
                f" — {'; '.join(line['reasons'])}",
                highlight=False,
                markup=False,
            )
    else:
        out.print("No change: every key account keeps its lead.")
    loads = Table("manager", "kind", "capacity", "load today", "load proposed", "value proposed")
    for load in report["loads"]:
        loads.add_row(
            load["manager"],
            load["kind"],
            f"{load['capacity']:g}",
            f"{load['workload_before']:g}",
            f"{load['workload_after']:g}",
            f"{load['value_after']:,.0f}",
        )
    out.print(loads)


def _print_infeasible(report: dict[str, Any], ctx: Context) -> None:
    out = console(ctx)
    out.print(report["message"], highlight=False)
    for kind, missing in report["missing_capacity"].items():
        who = "GAM capacity" if kind == "GAM" else "capacity (any manager)"
        out.print(f"missing {who}: {missing:g}", highlight=False)
    for unplaced in report["unplaced"]:
        out.print(
            f"cannot place {unplaced['account']} {unplaced['name']} "
            f"(workload {unplaced['workload']:g}, needs a {unplaced['needs']})",
            highlight=False,
        )
