"""Writes of account plans, objectives, actions, the health policy and the alerts.

Every change goes through these functions (pages, API, command line, demo), which check
the permissions (:mod:`kam.plans.permissions`) and refuse bad input with a
``ValidationError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment
from kam.domain import alerts as rules
from kam.plans.models import (
    AccountPlan,
    Action,
    ActionStatus,
    Alert,
    HealthPolicy,
    Objective,
    PlanStatus,
)
from kam.plans.permissions import (
    require_alert_handler,
    require_plan_writer,
    require_policy_editor,
)
from kam.plans.selectors import account_signals, health_policy, key_accounts

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor

PLAN_TEXT_FIELDS = (
    "needs",
    "expectations",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
)
OBJECTIVE_FIELDS = (
    "title",
    "measure",
    "target_value",
    "current_value",
    "due_date",
    "progress_set",
    "position",
)
ACTION_FIELDS = ("title", "objective", "owner", "due_date", "status")


def _person(user: Actor) -> Any:
    """The user to record (the project's user model; None for kam itself)."""
    return user if user is not None and user.is_authenticated else None


def _check(instance: Any, exclude: list[str] | None = None) -> None:
    """The model's own validation, its errors keyed by field name."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _decimal(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Not a number: %(value)s.") % {"value": value}}) from None


def _unknown(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})


# -- plans -------------------------------------------------------------------------------------


def _shift_year(day: date | None, years: int) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def plan_create(
    *,
    account: Account,
    year: int,
    user: Actor,
    copy_previous: bool = False,
    status: str = PlanStatus.DRAFT,
    **fields: str,
) -> AccountPlan:
    """A plan for ``account`` and ``year``. With ``copy_previous``, the latest earlier
    plan's texts, objectives (without their current values) and open actions (as to-do)
    are copied, their dates moved by the years between; ``fields`` then override texts."""
    require_plan_writer(user, account)
    _unknown(fields, PLAN_TEXT_FIELDS)
    if AccountPlan.objects.filter(account=account, year=year).exists():
        raise ValidationError(
            {"year": _("This account already has a plan for %(year)s.") % {"year": year}}
        )
    previous = None
    if copy_previous:
        previous = (
            AccountPlan.objects.filter(account=account, year__lt=year).order_by("-year").first()
        )
        if previous is None:
            raise ValidationError(
                {"copy_previous": _("This account has no earlier plan to start from.")}
            )
    plan = AccountPlan(
        account=account,
        year=year,
        status=status,
        copied_from=previous,
        created_by=_person(user),
    )
    if previous is not None:
        for name in PLAN_TEXT_FIELDS:
            setattr(plan, name, getattr(previous, name))
    for name, value in fields.items():
        setattr(plan, name, (value or "").strip())
    _check(plan, exclude=["copied_from", "created_by"])
    plan.save()
    if previous is not None:
        years = year - previous.year
        mapping: dict[int, Objective] = {}
        for old in previous.objectives.order_by("position", "id"):
            mapping[old.pk] = Objective.objects.create(
                plan=plan,
                title=old.title,
                measure=old.measure,
                target_value=old.target_value,
                due_date=_shift_year(old.due_date, years),
                position=old.position,
            )
        for action in previous.actions.filter(
            status__in=[ActionStatus.TODO, ActionStatus.DOING]
        ).order_by("due_date", "id"):
            Action.objects.create(
                plan=plan,
                objective=mapping.get(action.objective_id) if action.objective_id else None,
                title=action.title,
                owner=action.owner,
                due_date=_shift_year(action.due_date, years),
                status=ActionStatus.TODO,
            )
    return plan


def plan_update(*, plan: AccountPlan, user: Actor, **fields: str) -> AccountPlan:
    """Change the plan's texts and/or its status (draft, active, closed)."""
    require_plan_writer(user, plan.account)
    _unknown(fields, (*PLAN_TEXT_FIELDS, "status"))
    for name, value in fields.items():
        setattr(plan, name, (value or "").strip())
    _check(plan, exclude=["copied_from", "created_by"])
    plan.save()
    return plan


def plan_delete(*, plan: AccountPlan, user: Actor) -> None:
    require_plan_writer(user, plan.account)
    plan.delete()


# -- objectives -----------------------------------------------------------------------------------


def _objective_values(objective: Objective, fields: Mapping[str, Any]) -> None:
    _unknown(fields, OBJECTIVE_FIELDS)
    for name, value in fields.items():
        if name in ("target_value", "current_value", "progress_set"):
            value = _decimal(value, name)
        elif name in ("title", "measure"):
            value = (value or "").strip()
        elif name == "position":
            value = int(value or 0)
        setattr(objective, name, value)
    _check(objective, exclude=["plan"])


def objective_create(*, plan: AccountPlan, user: Actor, **fields: Any) -> Objective:
    require_plan_writer(user, plan.account)
    objective = Objective(plan=plan)
    if "position" not in fields:
        top = plan.objectives.aggregate(top=Max("position"))["top"]
        fields["position"] = 0 if top is None else top + 1
    _objective_values(objective, fields)
    objective.save()
    return objective


def objective_update(*, objective: Objective, user: Actor, **fields: Any) -> Objective:
    require_plan_writer(user, objective.plan.account)
    _objective_values(objective, fields)
    objective.save()
    return objective


def objective_delete(*, objective: Objective, user: Actor) -> None:
    require_plan_writer(user, objective.plan.account)
    objective.delete()


# -- actions ------------------------------------------------------------------------------------


def _action_values(action: Action, plan: AccountPlan, fields: Mapping[str, Any]) -> None:
    _unknown(fields, ACTION_FIELDS)
    for name, value in fields.items():
        if name == "title":
            value = (value or "").strip()
        setattr(action, name, value)
    if action.objective is not None and action.objective.plan_id != plan.pk:
        raise ValidationError({"objective": _("This objective belongs to another plan.")})
    if action.owner is not None and not action.owner.is_active:
        raise ValidationError({"owner": _("The owner's account is inactive.")})
    _check(action, exclude=["plan"])


def action_create(*, plan: AccountPlan, user: Actor, **fields: Any) -> Action:
    require_plan_writer(user, plan.account)
    action = Action(plan=plan)
    _action_values(action, plan, fields)
    action.save()
    return action


def action_update(*, action: Action, user: Actor, **fields: Any) -> Action:
    require_plan_writer(user, action.plan.account)
    _action_values(action, action.plan, fields)
    action.save()
    return action


def action_delete(*, action: Action, user: Actor) -> None:
    require_plan_writer(user, action.plan.account)
    action.delete()


# -- policy ----------------------------------------------------------------------------------------


POLICY_FIELDS = (*HealthPolicy.WEIGHT_FIELDS.values(), "revenue_drop_pct", "inactivity_days")


def health_policy_update(*, user: Actor, **fields: Any) -> HealthPolicy:
    """Directors change the weights (they need not sum to 100: they are rescaled, but
    not all zero) and the alert thresholds."""
    require_policy_editor(user)
    _unknown(fields, POLICY_FIELDS)
    policy = health_policy()
    for name, value in fields.items():
        setattr(policy, name, value)
    _check(policy, exclude=["updated_by"])
    if sum(int(getattr(policy, name)) for name in HealthPolicy.WEIGHT_FIELDS.values()) <= 0:
        raise ValidationError(
            {"weight_revenue_trend": _("At least one weight must be above zero.")}
        )
    policy.updated_by = _person(user)
    policy.save()
    return policy


# -- alerts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    accounts: int
    opened: int
    closed: int
    kept: int


@transaction.atomic
def alerts_refresh(*, as_of: date | None = None) -> RefreshResult:
    """Evaluate the alert rules for every key account of the run in force: open one alert
    per account and rule whose condition holds (if none is open yet), update the detail
    of those still open, close those whose condition cleared (including those of
    accounts no longer key). Idempotent: running it twice changes nothing more."""
    as_of = as_of or timezone.localdate()
    accounts = list(key_accounts())
    signals = account_signals(accounts, as_of=as_of)
    thresholds = health_policy().thresholds()
    findings = {
        (account_id, f.rule): f.detail
        for account_id, s in signals.items()
        for f in rules.evaluate(s.alert_inputs(), thresholds)
    }
    open_alerts = {(a.account_id, a.rule): a for a in Alert.objects.filter(closed_at__isnull=True)}
    plan = rules.reconcile(open_alerts, findings)
    now = timezone.now()
    Alert.objects.bulk_create(
        [
            Alert(
                account_id=account_id,
                rule=rule,
                detail=findings[(account_id, rule)][:300],
                opened_at=now,
            )
            for account_id, rule in plan.to_open
        ]
    )
    closing = [open_alerts[key].pk for key in plan.to_close]
    Alert.objects.filter(pk__in=closing).update(closed_at=now)
    changed = []
    for key in plan.to_update:
        alert = open_alerts[key]
        detail = findings[key][:300]
        if alert.detail != detail:
            alert.detail = detail
            changed.append(alert)
    Alert.objects.bulk_update(changed, ["detail"])
    return RefreshResult(
        accounts=len(accounts),
        opened=len(plan.to_open),
        closed=len(plan.to_close),
        kept=len(plan.to_update),
    )


def alert_acknowledge(*, alert: Alert, user: Actor, note: str = "") -> Alert:
    """Acknowledge an open alert with a note: it stays open while its condition holds,
    but leaves the digest and shows who saw it."""
    require_alert_handler(user, alert.account)
    if alert.closed_at is not None:
        raise ValidationError({"alert": _("This alert is closed: its condition cleared.")})
    if len(note or "") > 2000:
        raise ValidationError({"note": _("The note is too long (2,000 characters at most).")})
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = _person(user)
    alert.note = (note or "").strip()
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    return alert


@dataclass(frozen=True)
class DigestResult:
    sent: int  # e-mails
    alerts: int  # alerts listed, over all e-mails
    skipped: tuple[str, ...]  # managers with alerts but no e-mail address


def _base_url() -> str:
    return str(getattr(settings, "KAM_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def alerts_digest_send(*, as_of: date | None = None) -> DigestResult:
    """E-mail each manager (KAM or GAM) the open, unacknowledged alerts of the accounts
    currently entrusted to them: one message per manager, each alert with a link to its
    account. Managers without alerts get nothing."""
    as_of = as_of or timezone.localdate()
    alerts = list(
        Alert.objects.filter(closed_at__isnull=True, acknowledged_at__isnull=True)
        .select_related("account")
        .order_by("account__name", "rule")
    )
    by_account: dict[int, list[Alert]] = {}
    for alert in alerts:
        by_account.setdefault(alert.account_id, []).append(alert)
    per_manager: dict[int, list[Alert]] = {}
    for manager_id, account_id in AccountAssignment.objects.filter(
        ended_at__isnull=True, account_id__in=list(by_account)
    ).values_list("manager_id", "account_id"):
        per_manager.setdefault(manager_id, []).extend(by_account[account_id])
    managers = get_user_model().objects.in_bulk(list(per_manager))
    base = _base_url()
    messages = []
    skipped = []
    listed = 0
    for manager_id, items in sorted(per_manager.items()):
        manager = managers[manager_id]
        if not manager.email or not manager.is_active:
            skipped.append(manager.get_username())
            continue
        rows = [
            {
                "alert": a,
                "url": base + reverse("accounts:detail", args=[a.account.external_id]) + "#alerts",
            }
            for a in items
        ]
        body = render_to_string(
            "plans/digest_email.txt",
            {
                "manager": manager,
                "rows": rows,
                "as_of": as_of,
                "alerts_url": base + reverse("plans:alerts"),
            },
        )
        subject = _("kam: %(count)s open alert(s) on your key accounts") % {"count": len(items)}
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [manager.email]))
        listed += len(items)
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    return DigestResult(sent=len(messages), alerts=listed, skipped=tuple(skipped))
