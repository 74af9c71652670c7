"""Reads of assignments, always scoped to the requesting user: the portfolio board, an
account's assignment history, the proposals and their review.

Who sees what:
* the board: directors, analysts and marketing see every manager's portfolio; a KAM or
  GAM sees their own and their team's (everyone who reports to them, at any depth);
* proposals: directors and analysts (the others get a 404, as for a hidden account);
* an account's history: whoever may see the account.

Every read here takes a fixed number of queries whatever the number of accounts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from kam.accounts.models import Account
from kam.accounts.selectors import account_list, team_member_ids
from kam.assignments.models import (
    AccountAssignment,
    AssignmentRole,
    LineChange,
    LineDecision,
    Proposal,
    ProposalLine,
)
from kam.assignments.policy import PolicyRules, policy_get, policy_rules
from kam.assignments.problem import account_reach, groups_abroad, manager_users
from kam.assignments.proposals import loads_after
from kam.core.roles import Role, is_director, sees_all_accounts, user_roles
from kam.domain.assignment import SUPPORT_SHARE
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.selectors import run_in_force

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

# Capacity compared with this slack (workloads are hundredths), as the proposals do.
TOLERANCE = 1e-6


# -- permissions ------------------------------------------------------------------------


def can_manage_assignments(user: AnyUser) -> bool:
    """Directors propose, apply, reassign, pin and edit the policy."""
    return is_director(user)


def can_review_proposals(user: AnyUser) -> bool:
    """Directors and analysts read the proposals."""
    return is_director(user) or Role.ANALYST in user_roles(user)


# -- facts about accounts ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountFacts:
    """What the assignment rules say about one account today: its tier in the run in
    force, its workload (0 when its tier is not placed: it takes no capacity), its value
    (revenue of the last 12 months in the run in force) and whether only a GAM may lead it.
    """

    tier: str | None
    workload: float
    value: float
    international: bool
    placed: bool


def account_facts(
    accounts: dict[int, Account], *, run: ScoreRun | None, rules: PolicyRules
) -> dict[int, AccountFacts]:
    """The facts of ``accounts`` (by primary key), with the workload rules of the policy.
    Three queries whatever the number of accounts (kam itself: the caller scopes)."""
    if not accounts:
        return {}
    scores: dict[int, tuple[str, float]] = {}
    if run is not None:
        rows = AccountScore.objects.filter(run=run, account_id__in=sorted(accounts)).values_list(
            "account_id", "tier", "revenue_12m"
        )
        scores = {pk: (tier, float(revenue or 0.0)) for pk, tier, revenue in rows}
    heads_abroad = groups_abroad(accounts)
    facts = {}
    for pk, account in accounts.items():
        tier, value = scores.get(pk, (None, 0.0))
        _, workload, international = account_reach(
            account, tier=tier, heads_abroad=pk in heads_abroad, rules=rules
        )
        facts[pk] = AccountFacts(
            tier=tier,
            workload=workload,
            value=max(0.0, value),
            international=international,
            placed=tier is not None and tier in rules.workload.tiers,
        )
    return facts


# -- the portfolio board ---------------------------------------------------------------


@dataclass(frozen=True)
class BoardAccount:
    """An account in a manager's portfolio, as the board shows it."""

    pk: int
    external_id: str
    name: str
    tier: str | None
    workload: float
    value: float
    pinned: bool
    international: bool
    placed: bool


@dataclass(frozen=True)
class ManagerPortfolio:
    """One manager's portfolio: the accounts they lead and support, the load they carry
    (workloads of the placed accounts they lead, plus SUPPORT_SHARE of those they support)
    against their capacity, and the value they lead (revenue of the last 12 months)."""

    manager_id: int
    username: str
    name: str
    kind: str
    capacity: float
    led: tuple[BoardAccount, ...]
    support: tuple[BoardAccount, ...]
    load: float
    value: float

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity + TOLERANCE

    @property
    def load_percent(self) -> float:
        """The load as a share of capacity, in %, for the load bar (no capacity: 100 %
        when loaded)."""
        if self.capacity <= 0:
            return 100.0 if self.load > 0 else 0.0
        return round(100.0 * self.load / self.capacity, 1)

    @property
    def room(self) -> float:
        return round(self.capacity - self.load, 2)


def portfolios_of(
    managers: dict[int, User], *, run: ScoreRun | None, rules: PolicyRules
) -> list[ManagerPortfolio]:
    """The portfolios of ``managers`` (users with a manager profile), in their order.
    Kam itself: the caller decides who may see them. Four queries."""
    if not managers:
        return []
    rows = list(
        AccountAssignment.objects.filter(ended_at__isnull=True, manager_id__in=list(managers))
        .select_related("account")
        .order_by("account__name", "account_id", "pk")
    )
    accounts = {row.account_id: row.account for row in rows}
    facts = account_facts(accounts, run=run, rules=rules)
    led: dict[int, list[BoardAccount]] = defaultdict(list)
    supported: dict[int, list[BoardAccount]] = defaultdict(list)
    for row in rows:
        fact = facts[row.account_id]
        item = BoardAccount(
            pk=row.account_id,
            external_id=row.account.external_id,
            name=row.account.name,
            tier=fact.tier,
            workload=fact.workload,
            value=fact.value,
            pinned=row.pinned,
            international=fact.international,
            placed=fact.placed,
        )
        (led if row.role == AssignmentRole.LEAD else supported)[row.manager_id].append(item)
    board = []
    for pk, user in managers.items():
        mine, helping = led.get(pk, []), supported.get(pk, [])
        load = sum(a.workload for a in mine) + SUPPORT_SHARE * sum(a.workload for a in helping)
        board.append(
            ManagerPortfolio(
                manager_id=pk,
                username=user.get_username(),
                name=user.get_full_name() or user.get_username(),
                kind=user.manager_profile.kind,
                capacity=float(user.manager_profile.capacity),
                led=tuple(mine),
                support=tuple(helping),
                load=round(load, 2),
                value=round(sum(a.value for a in mine), 2),
            )
        )
    return board


def visible_managers(*, user: AnyUser) -> dict[int, User]:
    """The managers whose portfolio the user may see, by username."""
    if not user.is_authenticated:
        return {}
    managers = manager_users()
    if not sees_all_accounts(user):
        team = team_member_ids(user=user)
        managers = {pk: m for pk, m in managers.items() if pk in team}
    return dict(sorted(managers.items(), key=lambda item: item[1].get_username()))


def portfolio_board(*, user: AnyUser) -> list[ManagerPortfolio]:
    """Every portfolio the user may see (see the module docstring), by username."""
    managers = visible_managers(user=user)
    if not managers:
        return []
    return portfolios_of(managers, run=run_in_force(), rules=policy_rules(policy_get()))


# -- an account's assignments ---------------------------------------------------------------


def _visible(user: AnyUser, account: Account) -> None:
    if not account_list(user=user).filter(pk=account.pk).exists():
        raise Http404("No such account.")


def assignment_history(*, user: AnyUser, account: Account) -> list[AccountAssignment]:
    """Every assignment of the account, current and ended, newest first (who, from,
    to, when, why); 404 when the user may not see the account."""
    _visible(user, account)
    return list(
        AccountAssignment.objects.filter(account=account)
        .select_related("manager", "manager__manager_profile", "created_by", "ended_by")
        .order_by("-started_at", "-pk")
    )


@dataclass(frozen=True)
class AccountAssignmentState:
    """An account's current lead and support members, and its whole history."""

    account: Account
    lead: AccountAssignment | None
    support: tuple[AccountAssignment, ...]
    history: tuple[AccountAssignment, ...]
    facts: AccountFacts | None = None


def account_assignment_state(
    *, user: AnyUser, account: Account, with_facts: bool = False
) -> AccountAssignmentState:
    """The current assignments and history of an account the user may see (404 if not);
    ``with_facts``: its tier, workload and international dimension too."""
    history = assignment_history(user=user, account=account)
    current = [row for row in history if row.ended_at is None]
    lead = next((row for row in current if row.role == AssignmentRole.LEAD), None)
    support = tuple(row for row in current if row.role == AssignmentRole.SUPPORT)
    facts = None
    if with_facts:
        rules = policy_rules(policy_get())
        facts = account_facts({account.pk: account}, run=run_in_force(), rules=rules)[account.pk]
    return AccountAssignmentState(account, lead, support, tuple(history), facts)


# -- proposals --------------------------------------------------------------------------


def proposal_list(*, user: AnyUser) -> QuerySet[Proposal]:
    """The proposals, newest first, with their counts of lines by change
    (``kept_count``, ``moved_count``, ``new_count``, ``unassigned_count``); none for
    users who may not review them."""
    if not can_review_proposals(user):
        return Proposal.objects.none()
    counts = {
        f"{change}_count": Count("lines", filter=Q(lines__change=change))
        for change in LineChange.values
    }
    return (
        Proposal.objects.select_related("created_by", "applied_by", "score_run")
        .annotate(**counts)
        .order_by("-created_at", "-id")
    )


def proposal_get(*, user: AnyUser, pk: int) -> Proposal:
    """One proposal, or 404 when there is none such or the user may not review it."""
    proposal = proposal_list(user=user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


def proposal_counts(proposal: Proposal) -> dict[str, int]:
    """Lines by change, from the annotations of :func:`proposal_list`."""
    return {change: int(getattr(proposal, f"{change}_count", 0)) for change in LineChange.values}


@dataclass(frozen=True)
class ReviewLine:
    """A proposal line with the names the diff table shows."""

    line: ProposalLine
    tier: str | None
    lead: str
    previous_lead: str
    support: tuple[str, ...]
    previous_support: tuple[str, ...]

    @property
    def is_change(self) -> bool:
        return self.line.is_change

    @property
    def taken(self) -> bool:
        """Accepted or already applied."""
        return self.line.decision in (LineDecision.ACCEPTED, LineDecision.APPLIED)


@dataclass(frozen=True)
class ReviewLoad:
    """A manager's workload today, in the proposal, and with the lines as decided
    (accepted or applied lines as proposed, rejected ones as today)."""

    manager_id: int
    username: str
    kind: str
    capacity: float
    before: float
    after: float
    decided: float
    value_before: float
    value_after: float

    @property
    def over_before(self) -> bool:
        return self.before > self.capacity + TOLERANCE

    @property
    def over_after(self) -> bool:
        return self.after > self.capacity + TOLERANCE

    @property
    def over_decided(self) -> bool:
        return self.decided > self.capacity + TOLERANCE


@dataclass(frozen=True)
class ProposalReview:
    """What the proposal page and the API show: the lines (changes only or all), counts,
    the loads per manager."""

    proposal: Proposal
    lines: tuple[ReviewLine, ...]
    counts: dict[str, int]
    total: int
    changes: int
    accepted: int
    rejected: int
    loads: tuple[ReviewLoad, ...]
    changes_only: bool = True
    usernames: dict[int, str] = field(default_factory=dict)


def _usernames(ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(User.objects.filter(pk__in=wanted).values_list("pk", "username"))


def decided_loads(proposal: Proposal, lines: Iterable[ProposalLine]) -> dict[int, float]:
    """Each manager's workload once the lines taken (accepted or applied) are applied
    and the others left as today — the load ``proposal_apply`` checks."""
    lines = list(lines)
    taken = {
        line.pk for line in lines if line.decision in (LineDecision.ACCEPTED, LineDecision.APPLIED)
    }
    return loads_after(lines, taken)


def review_loads(proposal: Proposal, lines: Iterable[ProposalLine]) -> tuple[ReviewLoad, ...]:
    decided = decided_loads(proposal, lines)
    loads = []
    for row in proposal.loads or []:
        manager = int(row["manager"])
        loads.append(
            ReviewLoad(
                manager_id=manager,
                username=str(row.get("username", manager)),
                kind=str(row.get("kind", "")),
                capacity=float(row.get("capacity", 0.0)),
                before=float(row.get("workload_before", 0.0)),
                after=float(row.get("workload_after", 0.0)),
                decided=round(decided.get(manager, 0.0), 2),
                value_before=float(row.get("value_before", 0.0)),
                value_after=float(row.get("value_after", 0.0)),
            )
        )
    return tuple(loads)


def proposal_lines(proposal: Proposal) -> list[ProposalLine]:
    return list(
        proposal.lines.select_related("account", "lead", "previous_lead").order_by(
            "account__name", "account_id"
        )
    )


def proposal_review(
    *, user: AnyUser, proposal: Proposal, changes_only: bool = True
) -> ProposalReview:
    """The review of a proposal the user may read (404 otherwise): its lines with names
    and tiers, the counts, the loads today / proposed / as decided. Four queries."""
    if not can_review_proposals(user):
        raise Http404("No such proposal.")
    lines = proposal_lines(proposal)
    members = {m for line in lines for m in (*line.support, *line.previous_support)}
    usernames = _usernames(int(m) for m in members)
    for line in lines:
        for user_ in (line.lead, line.previous_lead):
            if user_ is not None:
                usernames[user_.pk] = user_.get_username()
    tiers: dict[int, str] = {}
    if proposal.score_run_id is not None and lines:
        tiers = dict(
            AccountScore.objects.filter(
                run_id=proposal.score_run_id, account_id__in=[line.account_id for line in lines]
            ).values_list("account_id", "tier")
        )
    counts = Counter(line.change for line in lines)
    review = [
        ReviewLine(
            line=line,
            tier=tiers.get(line.account_id),
            lead=usernames.get(line.lead_id, "") if line.lead_id else "",
            previous_lead=usernames.get(line.previous_lead_id, "") if line.previous_lead_id else "",
            support=tuple(usernames.get(int(m), str(m)) for m in line.support),
            previous_support=tuple(usernames.get(int(m), str(m)) for m in line.previous_support),
        )
        for line in lines
    ]
    changing = [r for r in review if r.is_change]
    return ProposalReview(
        proposal=proposal,
        lines=tuple(changing if changes_only else review),
        counts={change: counts.get(change, 0) for change in LineChange.values},
        total=len(review),
        changes=len(changing),
        accepted=sum(1 for r in changing if r.line.decision == LineDecision.ACCEPTED),
        rejected=sum(1 for r in changing if r.line.decision == LineDecision.REJECTED),
        loads=review_loads(proposal, lines),
        changes_only=changes_only,
        usernames=usernames,
    )


def proposal_line_get(*, user: AnyUser, proposal: Proposal, line_id: int) -> ProposalLine:
    """One line of a proposal the user may read, or 404."""
    if not can_review_proposals(user):
        raise Http404("No such line.")
    line = (
        ProposalLine.objects.select_related("proposal", "account", "lead", "previous_lead")
        .filter(proposal=proposal, pk=line_id)
        .first()
    )
    if line is None:
        raise Http404("No such line.")
    return line


def review_line(line: ProposalLine, *, tier: str | None = None) -> ReviewLine:
    """One line with its names (two queries: the support members, the tier)."""
    members = [int(m) for m in (*line.support, *line.previous_support)]
    usernames = _usernames(members)
    if tier is None and line.proposal.score_run_id is not None:
        tier = (
            AccountScore.objects.filter(
                run_id=line.proposal.score_run_id, account_id=line.account_id
            )
            .values_list("tier", flat=True)
            .first()
        )
    return ReviewLine(
        line=line,
        tier=tier,
        lead=line.lead.get_username() if line.lead else "",
        previous_lead=line.previous_lead.get_username() if line.previous_lead else "",
        support=tuple(usernames.get(int(m), str(m)) for m in line.support),
        previous_support=tuple(usernames.get(int(m), str(m)) for m in line.previous_support),
    )


def manager_choices(*, user: AnyUser) -> list[ManagerPortfolio]:
    """The managers a director may entrust an account to, with their load (for the
    manual reassign form); none for others."""
    if not can_manage_assignments(user):
        return []
    return portfolio_board(user=user)
