"""Reading the database into an assignment problem: who can lead (managers and their
capacities), which accounts need a lead (those of the placed tiers in the score run in
force), their workload, value and international dimension, and who leads them today.

A fixed number of queries whatever the number of accounts (asserted in the tests).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment, AssignmentPolicy, AssignmentRole, ValueBasis
from kam.assignments.policy import PolicyRules, policy_rules
from kam.domain.assignment import AccountToPlace, AssignmentProblem, Manager
from kam.domain.workload import (
    account_workload,
    country_language,
    country_set,
    is_international,
)
from kam.scoring.models import AccountScore, ScoreRun


def account_key(account: Account) -> str:
    """An account's id in the domain problem: its external id, prefixed (never mistaken
    for a manager's). Names, not primary keys: the tie-break between equal answers hashes
    these ids, so the same data give the same proposal in any database."""
    return f"a:{account.external_id}"


def manager_key(user: User) -> str:
    return f"m:{user.get_username()}"


@dataclass(frozen=True)
class PlacedAccount:
    """An account to place, as the proposal shows it."""

    account: Account
    tier: str
    workload: float
    value: float
    international: bool


@dataclass
class Today:
    """The current assignments: lead and support members by account id, pinned leads."""

    lead: dict[int, int] = field(default_factory=dict)
    support: dict[int, tuple[int, ...]] = field(default_factory=lambda: defaultdict(tuple))
    pinned: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class ProblemContext:
    """The problem and everything needed to turn its answer back into records."""

    problem: AssignmentProblem
    rules: PolicyRules
    run: ScoreRun | None
    placed: dict[int, PlacedAccount]
    managers: dict[int, User]
    today: Today
    # accounts led today that are not in a placed tier (their lead is released)
    released: dict[int, Account]
    # the primary key behind each domain id (accounts and managers)
    pks: dict[str, int]

    def pk(self, key: str) -> int:
        """The primary key of the account or manager a domain id names."""
        return self.pks[key]


def manager_users() -> dict[int, User]:
    """Active users with a manager profile, with it."""
    users = User.objects.filter(is_active=True, manager_profile__isnull=False).select_related(
        "manager_profile"
    )
    return {user.pk: user for user in users.order_by("pk")}


def today_assignments() -> Today:
    today = Today()
    rows = AccountAssignment.objects.filter(ended_at__isnull=True).values_list(
        "account_id", "manager_id", "role", "pinned"
    )
    support: dict[int, list[int]] = defaultdict(list)
    for account_id, manager_id, role, pinned in rows.order_by("account_id", "manager_id"):
        if role == AssignmentRole.LEAD:
            today.lead[account_id] = manager_id
            if pinned:
                today.pinned.add(account_id)
        else:
            support[account_id].append(manager_id)
    today.support = {a: tuple(sorted(m)) for a, m in support.items()}
    return today


def groups_abroad(accounts: dict[int, Account]) -> set[int]:
    """The ids among ``accounts`` that head a group with a subsidiary (at any depth) in
    another country than their own. One query over the subsidiaries."""
    links = dict(Account.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    if not links:
        return set()
    countries = dict(
        Account.objects.filter(pk__in=set(links) | set(links.values())).values_list("pk", "country")
    )
    abroad: set[int] = set()
    for subsidiary in links:
        top, seen = subsidiary, {subsidiary}
        while top in links and links[top] not in seen:  # a cycle stops the walk
            top = links[top]
            seen.add(top)
        if top in accounts and (countries.get(subsidiary) or "") != (countries.get(top) or ""):
            abroad.add(top)
    return abroad


def _manager(user: User) -> Manager:
    """A manager as the domain sees them: kind, capacity and what they know."""
    profile = user.manager_profile
    return Manager(
        manager_id=manager_key(user),
        kind=profile.kind,  # type: ignore[arg-type]
        capacity=float(profile.capacity),
        sectors=tuple(str(s) for s in profile.sectors or ()),
        languages=tuple(str(s) for s in profile.languages or ()),
        countries=tuple(str(s).upper() for s in profile.countries or ()),
    )


def account_reach(
    account: Account, *, tier: str | None, heads_abroad: bool, rules: PolicyRules
) -> tuple[frozenset[str], float, bool]:
    """What the policy says of an account: its countries, its workload (0 when its tier
    is not placed: it takes no capacity) and whether only a GAM may lead it. The one
    place these rules are applied (proposals, the portfolio board, manual moves)."""
    countries = country_set(account.country, account.countries_of_operation or ())
    placed = tier is not None and tier in rules.workload.tiers
    workload = (
        account_workload(
            tier=tier, employees=account.employees, countries=countries, policy=rules.workload
        )
        if placed and tier is not None
        else 0.0
    )
    international = is_international(
        countries=countries, heads_group_abroad=heads_abroad, policy=rules.workload
    )
    return countries, workload, international


def problem_build(policy: AssignmentPolicy, run: ScoreRun | None) -> ProblemContext:
    """The assignment problem for the run in force (``run``; None = no account to place:
    every current lead would be released, which the proposal service refuses)."""
    rules = policy_rules(policy)
    scores: list[AccountScore] = []
    if run is not None:
        scores = list(
            AccountScore.objects.filter(run=run, tier__in=list(rules.workload.tiers))
            .select_related("account")
            .order_by("rank", "account_id")
        )
    accounts = {score.account_id: score.account for score in scores}
    heads_abroad = groups_abroad(accounts)
    today = today_assignments()
    users = manager_users()
    placed: dict[int, PlacedAccount] = {}
    to_place = []
    for score in scores:
        account = score.account
        countries, workload, international = account_reach(
            account, tier=score.tier, heads_abroad=account.pk in heads_abroad, rules=rules
        )
        value = score.revenue_12m if rules.value_basis == ValueBasis.REVENUE else score.score
        value = max(0.0, float(value or 0.0))
        placed[account.pk] = PlacedAccount(account, score.tier, workload, value, international)
        lead = today.lead.get(account.pk)
        lead_id = manager_key(users[lead]) if lead is not None and lead in users else None
        to_place.append(
            AccountToPlace(
                account_id=account_key(account),
                value=value,
                workload=workload,
                sector=account.sector,
                language=country_language(account.country) if account.country else None,
                countries=tuple(sorted(countries)),
                international=international,
                support_needed=min(
                    rules.workload.tiers[score.tier].support, max(0, len(users) - 1)
                ),
                current_lead=lead_id,
                pinned_lead=lead_id if account.pk in today.pinned else None,
                current_support=tuple(
                    manager_key(users[m]) for m in today.support.get(account.pk, ()) if m in users
                ),
            )
        )
    managers = tuple(_manager(user) for user in users.values())
    released_ids = [a for a in today.lead if a not in placed and a not in today.pinned]
    released = Account.objects.in_bulk(released_ids) if released_ids else {}
    problem = AssignmentProblem(
        accounts=tuple(to_place),
        managers=managers,
        weights=rules.weights,
        time_limit_s=rules.time_limit_s,
        gap_limit=rules.gap_limit,
    )
    pks = {account_key(p.account): pk for pk, p in placed.items()}
    pks.update({manager_key(user): pk for pk, user in users.items()})
    return ProblemContext(problem, rules, run, placed, users, today, released, pks)
