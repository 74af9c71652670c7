"""Assignment proposals: compute one (a dry run), keep it for review, decide its lines,
apply all or some of them.

A proposal is a diff against the assignments of the moment it was computed. Applying
checks that nothing changed since for the lines applied (a lead moved by hand, a pin
set), and that the result keeps every manager within capacity; otherwise nothing is
applied and the error says which accounts or managers are in the way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kam.assignments.models import (
    AccountAssignment,
    AssignmentRole,
    LineChange,
    LineDecision,
    Proposal,
    ProposalLine,
    ProposalState,
)
from kam.assignments.policy import policy_get
from kam.assignments.problem import (
    ProblemContext,
    Today,
    account_key,
    manager_key,
    manager_users,
    problem_build,
    today_assignments,
)
from kam.assignments.services import account_assign
from kam.core.roles import is_director
from kam.core.services import audit_record
from kam.domain.assignment import (
    SUPPORT_SHARE,
    AssignmentInputError,
    AssignmentProposal,
    propose_assignment,
)
from kam.domain.workload import PolicyError
from kam.scoring.selectors import run_in_force

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Capacity compared with this slack (workloads are hundredths).
TOLERANCE = 1e-6


class ProposalError(Exception):
    """The proposal cannot be computed or applied; the message says why."""


@dataclass(frozen=True)
class ComputedProposal:
    """A proposal computed but not stored: the optimiser's answer and its context."""

    result: AssignmentProposal
    context: ProblemContext

    def lines(self) -> list[ProposalLine]:
        """The lines as unsaved records (kept lines included), ``unassigned`` last."""
        context, result = self.context, self.result
        lines = []
        for line in result.lines:
            account_id = context.pk(line.account_id)
            placed = context.placed[account_id]
            lines.append(
                ProposalLine(
                    account=placed.account,
                    change=line.change,
                    lead=context.managers[context.pk(line.lead)],
                    previous_lead_id=context.today.lead.get(account_id),
                    support=[context.pk(m) for m in line.support],
                    previous_support=list(context.today.support.get(account_id, ())),
                    reasons=list(line.reasons),
                    workload=placed.workload,
                    value=placed.value,
                    international=placed.international,
                )
            )
        if result.status in ("optimal", "feasible"):
            for account_id, account in sorted(context.released.items()):
                lines.append(
                    ProposalLine(
                        account=account,
                        change=LineChange.UNASSIGNED,
                        lead=None,
                        previous_lead_id=context.today.lead.get(account_id),
                        support=[],
                        previous_support=list(context.today.support.get(account_id, ())),
                        reasons=["no longer in a placed tier"],
                    )
                )
        return lines

    def counts(self) -> dict[str, int]:
        counts = {change: 0 for change in LineChange.values}
        for line in self.lines():
            counts[line.change] += 1
        return counts


def _actor(user: AbstractBaseUser | AnonymousUser | None) -> User | None:
    """The signed-in user as stored on records (None for kam itself)."""
    return cast("User", user) if user is not None and user.is_authenticated else None


def _require_director(user: AbstractBaseUser | AnonymousUser | None, what: str) -> None:
    if user is not None and not is_director(user):
        raise PermissionDenied(f"only a director may {what}")


def proposal_compute(*, user: AbstractBaseUser | AnonymousUser | None) -> ComputedProposal:
    """Compute a proposal for the run in force without storing anything (a dry run).
    ``user=None`` is kam itself (the command line)."""
    _require_director(user, "compute an assignment proposal")
    run = run_in_force()
    if run is None:
        raise ProposalError("no score run is in force: score the accounts first (kam score)")
    try:
        context = problem_build(policy_get(), run)
        result = propose_assignment(context.problem)
    except (AssignmentInputError, PolicyError) as error:
        raise ProposalError(
            _readable(str(error), context_or_none=locals().get("context"))
        ) from error
    return ComputedProposal(result, context)


def _readable(message: str, context_or_none: ProblemContext | None) -> str:
    """Replace the domain's ids (primary keys) by account and user names."""
    if context_or_none is None:
        return message
    for placed in context_or_none.placed.values():
        account = placed.account
        message = message.replace(repr(account_key(account)), repr(account.external_id))
    for manager in context_or_none.managers.values():
        message = message.replace(repr(manager_key(manager)), repr(manager.get_username()))
    return message


def proposal_create(*, user: AbstractBaseUser | AnonymousUser | None) -> Proposal:
    """Compute a proposal and keep it for review (open). Earlier open proposals are
    superseded: only the newest can be applied."""
    computed = proposal_compute(user=user)
    result, context = computed.result, computed.context
    with transaction.atomic():
        Proposal.objects.filter(state=ProposalState.OPEN).update(state=ProposalState.SUPERSEDED)
        proposal = Proposal.objects.create(
            created_by=_actor(user),
            score_run=context.run,
            solver_status=result.status,
            message=_readable(result.message, context),
            objective={
                "fit": result.objective.fit,
                "continuity": result.objective.continuity,
                "balance": result.objective.balance,
                "total": result.objective.total,
            },
            best_bound=result.best_bound,
            gap=result.gap,
            seconds=result.seconds,
            loads=[
                {
                    "manager": context.pk(load.manager_id),
                    "username": context.managers[context.pk(load.manager_id)].get_username(),
                    "kind": load.kind,
                    "capacity": load.capacity,
                    "workload_before": load.workload_before,
                    "workload_after": load.workload_after,
                    "value_before": load.value_before,
                    "value_after": load.value_after,
                }
                for load in result.loads
            ],
            unplaced=[
                {
                    "account": context.pk(u.account_id),
                    "external_id": context.placed[context.pk(u.account_id)].account.external_id,
                    "name": context.placed[context.pk(u.account_id)].account.name,
                    "workload": u.workload,
                    "needs": u.needs,
                }
                for u in result.unplaced
            ],
            missing_capacity=result.missing_capacity,
            policy=_policy_snapshot(context),
        )
        lines = computed.lines()
        for line in lines:
            line.proposal = proposal
        ProposalLine.objects.bulk_create(lines)
        audit_record(
            actor=user,
            action="assignment.propose",
            obj=proposal,
            summary=f"Assignment proposal #{proposal.pk}: {result.status}, "
            + ", ".join(f"{n} {c}" for c, n in computed.counts().items() if n),
            details={"gap": result.gap, "seconds": result.seconds},
        )
    return proposal


def _policy_snapshot(context: ProblemContext) -> dict[str, object]:
    rules = context.rules
    return {
        "tiers": {
            t: {"workload": n.workload, "support": n.support}
            for t, n in rules.workload.tiers.items()
        },
        "international_countries": rules.workload.international_countries,
        "value_basis": rules.value_basis,
        "weights": {
            "fit_sector": rules.weights.fit_sector,
            "fit_language": rules.weights.fit_language,
            "fit_country": rules.weights.fit_country,
            "continuity": rules.weights.continuity,
            "balance": rules.weights.balance,
            "balance_band": rules.weights.balance_band,
        },
        "gap_limit": rules.gap_limit,
        "time_limit_s": rules.time_limit_s,
    }


def proposal_line_decide(
    *, line: ProposalLine, decision: str, user: AbstractBaseUser | AnonymousUser | None
) -> ProposalLine:
    """Accept or reject one line of an open proposal."""
    _require_director(user, "decide on a proposal")
    if decision not in (LineDecision.ACCEPTED, LineDecision.REJECTED):
        raise ValidationError({"decision": "must be accepted or rejected"})
    if not line.proposal.is_open:
        raise ProposalError(f"proposal #{line.proposal_id} is {line.proposal.state}, not open")
    line.decision = decision
    line.save(update_fields=["decision"])
    return line


def proposal_discard(
    *, proposal: Proposal, user: AbstractBaseUser | AnonymousUser | None
) -> Proposal:
    _require_director(user, "discard a proposal")
    if not proposal.is_open:
        raise ProposalError(f"proposal #{proposal.pk} is {proposal.state}, not open")
    proposal.state = ProposalState.DISCARDED
    proposal.save(update_fields=["state"])
    audit_record(
        actor=user,
        action="assignment.discard",
        obj=proposal,
        summary=f"Proposal #{proposal.pk} discarded",
    )
    return proposal


def proposal_apply(
    *,
    proposal: Proposal,
    user: AbstractBaseUser | AnonymousUser | None,
    line_ids: Iterable[int] | None = None,
) -> Proposal:
    """Apply the accepted lines of an open proposal (or only ``line_ids`` among them):
    new leads and support members from now on, released leads ended, each with the line's
    reasons; the history keeps who, from, to, when and why. All or nothing: a line whose
    account changed since the proposal, or a result that puts a manager over capacity,
    stops the whole apply with the accounts or managers named."""
    _require_director(user, "apply an assignment proposal")
    by = _actor(user)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not proposal.is_open:
            raise ProposalError(f"proposal #{proposal.pk} is {proposal.state}, not open")
        if not proposal.feasible:
            raise ProposalError(f"proposal #{proposal.pk} placed no account: nothing to apply")
        lines = list(proposal.lines.select_related("account", "lead", "previous_lead"))
        chosen = [line for line in lines if line.decision == LineDecision.ACCEPTED]
        if line_ids is not None:
            wanted = set(line_ids)
            unknown = wanted - {line.pk for line in lines}
            if unknown:
                raise ProposalError(
                    f"lines {sorted(unknown)} are not lines of proposal #{proposal.pk}"
                )
            chosen = [line for line in chosen if line.pk in wanted]
        today = today_assignments()
        _check_unchanged(chosen, today)
        _check_capacity(lines, chosen)
        reason_prefix = f"Assignment proposal #{proposal.pk}"
        applied = 0
        for line in chosen:
            applied += _apply_line(line, by, reason_prefix)
            line.decision = LineDecision.APPLIED
        ProposalLine.objects.bulk_update(chosen, ["decision"])
        changing = [line for line in lines if line.is_change]
        all_done = all(line.decision == LineDecision.APPLIED for line in changing)
        proposal.state = ProposalState.APPLIED if all_done else ProposalState.PARTLY_APPLIED
        proposal.applied_at = timezone.now()
        proposal.applied_by = by
        proposal.save(update_fields=["state", "applied_at", "applied_by"])
        audit_record(
            actor=user,
            action="assignment.apply",
            obj=proposal,
            summary=f"{reason_prefix} applied: {applied} change(s) on {len(chosen)} line(s)",
            details={"lines": [line.pk for line in chosen]},
        )
    return proposal


def _check_unchanged(chosen: list[ProposalLine], today: Today) -> None:
    changed = []
    for line in chosen:
        account_id = line.account_id
        lead_now = today.lead.get(account_id)
        support_now = list(today.support.get(account_id, ()))
        pinned_now = account_id in today.pinned
        moves_lead = line.change != LineChange.KEPT
        if (
            lead_now != line.previous_lead_id
            or support_now != sorted(line.previous_support)
            or (pinned_now and moves_lead)
        ):
            changed.append(line.account.external_id)
    if changed:
        raise ProposalError(
            "these accounts changed since the proposal was made (moved by hand or pinned): "
            + ", ".join(changed)
            + " — make a new proposal"
        )


def loads_after(lines: Iterable[ProposalLine], taken: set[int]) -> dict[int, float]:
    """Each manager's workload once the lines whose ids are in ``taken`` are applied and
    the others left as today (what applying checks, and the page shows "as decided")."""
    load: dict[int, float] = defaultdict(float)
    for line in lines:
        if line.change == LineChange.UNASSIGNED:
            continue
        if line.pk in taken:
            lead, support = line.lead_id, line.support
        else:
            lead, support = line.previous_lead_id, line.previous_support
        if lead is not None:
            load[lead] += line.workload
        for member in support:
            load[int(member)] += line.workload * SUPPORT_SHARE
    return load


def _check_capacity(lines: list[ProposalLine], chosen: list[ProposalLine]) -> None:
    """The loads after the apply: applied lines as proposed, the others as today."""
    load = loads_after(lines, {line.pk for line in chosen})
    managers = manager_users()
    over = []
    for manager_id, used in sorted(load.items()):
        user = managers.get(manager_id)
        if user is None:
            continue
        capacity = float(user.manager_profile.capacity)
        if used > capacity + TOLERANCE:
            over.append(f"{user.get_username()} ({used:g} of {capacity:g})")
    if over:
        raise ProposalError(
            "applying these lines alone would put managers over capacity: "
            + ", ".join(over)
            + " — accept the lines that free their capacity too"
        )


def _apply_line(line: ProposalLine, by: User | None, reason_prefix: str) -> int:
    """Make the line true; the number of assignment changes made."""
    reason = f"{reason_prefix}: " + "; ".join(line.reasons)
    changes = 0
    now = timezone.now()
    current = AccountAssignment.objects.filter(account_id=line.account_id, ended_at__isnull=True)
    if line.change == LineChange.UNASSIGNED:
        return current.update(ended_at=now, end_reason=reason[:300], ended_by=by)
    if line.lead_id != line.previous_lead_id:
        assert line.lead is not None
        account_assign(account=line.account, manager=line.lead, reason=reason[:300], by=by)
        changes += 1
    wanted = set(line.support)
    changes += (
        current.filter(role=AssignmentRole.SUPPORT)
        .exclude(manager_id__in=wanted)
        .update(ended_at=now, end_reason=reason[:300], ended_by=by)
    )
    have = set(current.filter(role=AssignmentRole.SUPPORT).values_list("manager_id", flat=True))
    for member in User.objects.filter(pk__in=wanted - have).order_by("pk"):
        account_assign(
            account=line.account,
            manager=member,
            role=AssignmentRole.SUPPORT,
            reason=reason[:300],
            by=by,
        )
        changes += 1
    return changes
