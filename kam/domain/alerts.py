"""The alert rules of key accounts, and how the stored alerts follow them. No Django
import.

Rules (thresholds from the health policy):

- **revenue drop**: the revenue of the last 3 complete months fell by more than X %
  (default 20) against the same months a year before (nothing a year before: no alert);
- **no activity**: no activity for N days or more (default 60), or never;
- **champion lost**: a champion left or is marked opponent
  (:func:`kam.domain.stakeholders.champions_lost`);
- **plan overdue**: actions past their due date that are neither done nor cancelled, or
  no active account plan for the current year.

:func:`reconcile` keeps one open alert per account and rule: a condition that holds and
has no open alert opens one; an open alert whose condition cleared is closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

REVENUE_DROP = "revenue_drop"
NO_ACTIVITY = "no_activity"
CHAMPION_LOST = "champion_lost"
PLAN_OVERDUE = "plan_overdue"
RULES = (REVENUE_DROP, NO_ACTIVITY, CHAMPION_LOST, PLAN_OVERDUE)

DEFAULT_REVENUE_DROP_PCT = 20.0
DEFAULT_INACTIVITY_DAYS = 60


@dataclass(frozen=True)
class Thresholds:
    revenue_drop_pct: float = DEFAULT_REVENUE_DROP_PCT
    inactivity_days: int = DEFAULT_INACTIVITY_DAYS


@dataclass(frozen=True)
class AlertInputs:
    revenue_3m: float = 0.0
    revenue_3m_year_before: float = 0.0
    days_since_activity: int | None = None
    champions_lost: tuple[str, ...] = ()  # names
    overdue_actions: int = 0
    has_active_plan: bool = False


@dataclass(frozen=True)
class Finding:
    """A rule whose condition holds, and why (an English sentence with its figures)."""

    rule: str
    detail: str


def revenue_drop_pct(current: float, before: float) -> float | None:
    """How much the revenue fell, in % of the year before (negative: it rose)."""
    if before <= 0:
        return None
    return 100.0 * (before - current) / before


def evaluate(inputs: AlertInputs, thresholds: Thresholds = Thresholds()) -> list[Finding]:
    """The rules whose condition holds for one key account, in the order of RULES."""
    found: list[Finding] = []
    drop = revenue_drop_pct(inputs.revenue_3m, inputs.revenue_3m_year_before)
    if drop is not None and drop > thresholds.revenue_drop_pct:
        found.append(
            Finding(
                REVENUE_DROP,
                f"Revenue of the last 3 months fell by {drop:.1f} % "
                f"({inputs.revenue_3m:,.0f} against {inputs.revenue_3m_year_before:,.0f} "
                "a year before).",
            )
        )
    days = inputs.days_since_activity
    if days is None or days >= thresholds.inactivity_days:
        found.append(
            Finding(
                NO_ACTIVITY,
                "No activity ever recorded." if days is None else f"No activity for {days} days.",
            )
        )
    if inputs.champions_lost:
        found.append(
            Finding(
                CHAMPION_LOST,
                "Champion left or opposed: " + ", ".join(inputs.champions_lost) + ".",
            )
        )
    if inputs.overdue_actions or not inputs.has_active_plan:
        reasons = []
        if not inputs.has_active_plan:
            reasons.append("no active account plan for this year")
        if inputs.overdue_actions:
            reasons.append(f"{inputs.overdue_actions} action(s) past due")
        found.append(Finding(PLAN_OVERDUE, "Plan overdue: " + "; ".join(reasons) + "."))
    return found


@dataclass(frozen=True)
class Reconciliation:
    to_open: tuple[tuple[int, str], ...]  # (account id, rule) with no open alert yet
    to_close: tuple[tuple[int, str], ...]  # open alerts whose condition cleared
    to_update: tuple[tuple[int, str], ...]  # open alerts whose condition still holds


def reconcile(
    open_alerts: Iterable[tuple[int, str]],
    current: Iterable[tuple[int, str]],
    *,
    accounts: Iterable[int] | None = None,
) -> Reconciliation:
    """What to do with the stored open alerts given the conditions that hold now. With
    ``accounts``, only open alerts of those accounts may be closed (the others were not
    evaluated); an open alert of an account no longer evaluated is otherwise closed."""
    opened = set(open_alerts)
    now = set(current)
    scope = None if accounts is None else set(accounts)
    closable = {a for a in opened - now if scope is None or a[0] in scope}
    return Reconciliation(
        to_open=tuple(sorted(now - opened)),
        to_close=tuple(sorted(closable)),
        to_update=tuple(sorted(now & opened)),
    )
