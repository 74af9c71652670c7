"""Reads of account plans, health and alerts, scoped to the requesting user.

Plans and alerts follow their account's record-level access
(:func:`kam.accounts.selectors.account_list`). ``user=None`` is kam itself.

The health and the alerts of many accounts are read in a fixed number of queries
(:func:`account_signals`): ONE aggregate over the sales ledger (run by the ledger's
engine) for the accounts needed, and one query each for the channel plans, the last
activities, the contacts, the plans of the year and the policy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404

from kam.accounts.models import Account, Contact
from kam.accounts.selectors import account_list
from kam.domain import alerts as rules
from kam.domain import health as health_maths
from kam.domain.plans import ActionState, PlanCompletion, plan_completion
from kam.domain.stakeholders import champions_lost, coverage
from kam.domain.tiers import KEY
from kam.engagement.models import Activity, ChannelPlanItem
from kam.plans.models import AccountPlan, Action, Alert, HealthPolicy, Objective, PlanStatus
from kam.scoring.models import AccountScore
from kam.scoring.selectors import run_in_force

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor


def _signed_in(user: Actor) -> bool:
    return user is None or user.is_authenticated


def visible_accounts(user: Actor) -> QuerySet[Account]:
    return Account.objects.all() if user is None else account_list(user=user)


# -- plans -----------------------------------------------------------------------------------


def _plans() -> QuerySet[AccountPlan]:
    return AccountPlan.objects.select_related("account", "created_by").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("position", "id")),
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("owner", "objective").order_by("due_date", "id"),
        ),
    )


def plan_list(
    *, user: Actor, account: Account | None = None, year: int | None = None
) -> QuerySet[AccountPlan]:
    """The plans of the accounts the user may see, newest year first, with their
    objectives and actions loaded (three queries)."""
    if not _signed_in(user):
        return AccountPlan.objects.none()
    plans = _plans()
    if user is not None:
        plans = plans.filter(account__in=account_list(user=user))
    if account is not None:
        plans = plans.filter(account=account)
    if year is not None:
        plans = plans.filter(year=year)
    return plans.order_by("-year", "account__name", "id")


def plan_get(*, user: Actor, pk: int) -> AccountPlan:
    plan = plan_list(user=user).filter(pk=pk).first()
    if plan is None:
        raise Http404("No such account plan.")
    return plan


def objective_list(*, user: Actor, plan: AccountPlan | None = None) -> QuerySet[Objective]:
    if not _signed_in(user):
        return Objective.objects.none()
    found = Objective.objects.select_related("plan__account")
    if user is not None:
        found = found.filter(plan__account__in=account_list(user=user))
    if plan is not None:
        found = found.filter(plan=plan)
    return found.order_by("plan", "position", "id")


def action_list(*, user: Actor, plan: AccountPlan | None = None) -> QuerySet[Action]:
    if not _signed_in(user):
        return Action.objects.none()
    found = Action.objects.select_related("plan__account", "owner", "objective")
    if user is not None:
        found = found.filter(plan__account__in=account_list(user=user))
    if plan is not None:
        found = found.filter(plan=plan)
    return found.order_by("plan", "due_date", "id")


def completion_of(plan: AccountPlan, as_of: date) -> PlanCompletion:
    """The plan's completion (its objectives and actions as loaded by :func:`plan_list`)."""
    return plan_completion(
        [ActionState(a.status, a.due_date) for a in plan.actions.all()],
        [o.progress for o in plan.objectives.all()],
        year=plan.year,
        as_of=as_of,
    )


# -- policy -------------------------------------------------------------------------------------


def health_policy() -> HealthPolicy:
    """The policy row, or the defaults (unsaved) until a director saves one."""
    return HealthPolicy.objects.order_by("pk").first() or HealthPolicy()


# -- signals: what the health and the alerts read ------------------------------------------------


def three_month_windows(as_of: date) -> tuple[date, date, date, date]:
    """The last 3 complete calendar months before ``as_of``'s month, and the same months
    a year before: ``(start, end, start_before, end_before)``, ends exclusive."""
    end = as_of.replace(day=1)
    months = end.year * 12 + end.month - 1 - 3
    start = date(months // 12, months % 12 + 1, 1)
    return start, end, start.replace(year=start.year - 1), end.replace(year=end.year - 1)


@dataclass(frozen=True)
class SalesWindow:
    revenue_3m: float = 0.0
    revenue_3m_year_before: float = 0.0
    last_order: date | None = None


def sales_windows(external_ids: Sequence[str], as_of: date) -> dict[str, SalesWindow]:
    """ONE aggregate over the ledger, run by its engine: per account of ``external_ids``,
    the revenue of the last 3 complete months, of the same months a year before, and the
    date of its last order (purchase line) before ``as_of``."""
    if not external_ids:
        return {}
    import ibis

    from kam.sales.selectors import ledger_table

    start, end, start_before, end_before = three_month_windows(as_of)
    table = ledger_table()
    lines = table.filter(table.account_id.isin(list(external_ids)) & (table.order_date < as_of))
    zero = ibis.literal(0.0)
    now = (lines.order_date >= start) & (lines.order_date < end)
    before = (lines.order_date >= start_before) & (lines.order_date < end_before)
    per_account = lines.group_by("account_id").aggregate(
        revenue_3m=ibis.ifelse(now, lines.amount, zero).sum(),
        revenue_before=ibis.ifelse(before, lines.amount, zero).sum(),
        last_order=lines.order_date.max(where=lines.amount > 0),
    )
    frame = per_account.to_polars()
    return {
        row["account_id"]: SalesWindow(
            float(row["revenue_3m"] or 0.0), float(row["revenue_before"] or 0.0), row["last_order"]
        )
        for row in frame.iter_rows(named=True)
    }


@dataclass(frozen=True)
class AccountSignals:
    """What the health score and the alert rules read for one account."""

    account: Account
    sales: SalesWindow
    last_activity: date | None
    coverage_met: int
    coverage_total: int
    champions_lost: tuple[str, ...]
    plan: AccountPlan | None  # the plan of the year
    completion: PlanCompletion | None
    as_of: date

    @property
    def days_since_order(self) -> int | None:
        last = self.sales.last_order
        return None if last is None else (self.as_of - last).days

    @property
    def days_since_activity(self) -> int | None:
        return None if self.last_activity is None else (self.as_of - self.last_activity).days

    def health_inputs(self) -> health_maths.HealthInputs:
        return health_maths.HealthInputs(
            revenue_3m=self.sales.revenue_3m,
            revenue_3m_year_before=self.sales.revenue_3m_year_before,
            days_since_order=self.days_since_order,
            days_since_activity=self.days_since_activity,
            coverage_met=self.coverage_met,
            coverage_total=self.coverage_total,
            plan_completion=None if self.completion is None else self.completion.completion,
        )

    def alert_inputs(self) -> rules.AlertInputs:
        active = self.plan is not None and self.plan.status == PlanStatus.ACTIVE
        return rules.AlertInputs(
            revenue_3m=self.sales.revenue_3m,
            revenue_3m_year_before=self.sales.revenue_3m_year_before,
            days_since_activity=self.days_since_activity,
            champions_lost=self.champions_lost,
            overdue_actions=self.completion.overdue_actions if self.completion else 0,
            has_active_plan=active,
        )


def _last_activities(account_ids: list[int], as_of: date) -> dict[int, date]:
    """Per account, the last activity on or before ``as_of`` on the channels of its
    current channel plan (on any channel when it has none): two queries."""
    planned: dict[int, set[int]] = defaultdict(set)
    for account_id, channel_id in ChannelPlanItem.objects.filter(
        plan__account_id__in=account_ids, plan__valid_to__isnull=True
    ).values_list("plan__account_id", "channel_id"):
        planned[account_id].add(channel_id)
    last: dict[int, date] = {}
    rows = (
        Activity.objects.filter(account_id__in=account_ids, occurred_on__lte=as_of)
        .values("account_id", "channel_id")
        .annotate(last=Max("occurred_on"))
        .values_list("account_id", "channel_id", "last")
    )
    for account_id, channel_id, day in rows:
        channels = planned.get(account_id)
        if channels and channel_id not in channels:
            continue
        if account_id not in last or day > last[account_id]:
            last[account_id] = day
    return last


def account_signals(accounts: Iterable[Account], *, as_of: date) -> dict[int, AccountSignals]:
    """The signals of ``accounts`` (already scoped by the caller), by account id, in a
    fixed number of queries whatever their number."""
    from kam.accounts.contacts.selectors import as_stakeholder

    accounts = list(accounts)
    ids = [a.pk for a in accounts]
    sales = sales_windows([a.external_id for a in accounts], as_of)
    activities = _last_activities(ids, as_of)
    people: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(account_id__in=ids):
        people[contact.account_id].append(contact)
    plans = {p.account_id: p for p in _plans().filter(account_id__in=ids, year=as_of.year)}
    result: dict[int, AccountSignals] = {}
    for account in accounts:
        stakeholders = [as_stakeholder(c) for c in people.get(account.pk, [])]
        cover = coverage(stakeholders)
        plan = plans.get(account.pk)
        result[account.pk] = AccountSignals(
            account=account,
            sales=sales.get(account.external_id, SalesWindow()),
            last_activity=activities.get(account.pk),
            coverage_met=cover.rules_met,
            coverage_total=cover.rules_total,
            champions_lost=tuple(p.name for p in champions_lost(stakeholders)),
            plan=plan,
            completion=None if plan is None else completion_of(plan, as_of),
            as_of=as_of,
        )
    return result


@dataclass(frozen=True)
class AccountHealth:
    signals: AccountSignals
    health: health_maths.Health


def account_health(*, user: Actor, account: Account, as_of: date) -> AccountHealth | None:
    """The health of one account the user may see (None otherwise)."""
    if not _signed_in(user):
        return None
    if user is not None and not visible_accounts(user).filter(pk=account.pk).exists():
        return None
    signals = account_signals([account], as_of=as_of)[account.pk]
    return AccountHealth(
        signals, health_maths.health_score(signals.health_inputs(), health_policy().weights())
    )


def key_accounts() -> QuerySet[Account]:
    """The key accounts of the run in force (after manual tier overrides); none without
    a run in force."""
    run = run_in_force()
    if run is None:
        return Account.objects.none()
    keys = AccountScore.objects.filter(run=run, tier=KEY).values("account_id")
    return Account.objects.filter(pk__in=keys).order_by("external_id")


def is_key_account(account: Account) -> bool:
    return key_accounts().filter(pk=account.pk).exists()


# -- alerts ----------------------------------------------------------------------------------


def alert_list(
    *,
    user: Actor,
    account: Account | None = None,
    open_only: bool = True,
    unacknowledged: bool = False,
    managed_by: Any = None,
) -> QuerySet[Alert]:
    """Alerts of the accounts the user may see, newest first (open ones only by default).
    ``managed_by`` (a user) keeps the accounts currently entrusted to that user."""
    if not _signed_in(user):
        return Alert.objects.none()
    found = Alert.objects.select_related("account", "acknowledged_by")
    if user is not None:
        found = found.filter(account__in=account_list(user=user))
    if account is not None:
        found = found.filter(account=account)
    if open_only:
        found = found.filter(closed_at__isnull=True)
    if unacknowledged:
        found = found.filter(acknowledged_at__isnull=True)
    if managed_by is not None:
        found = found.filter(
            account__assignments__manager=managed_by, account__assignments__ended_at__isnull=True
        ).distinct()
    return found.order_by("-opened_at", "-id")


def alert_get(*, user: Actor, pk: int) -> Alert:
    alert = alert_list(user=user, open_only=False).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert
