"""Writes on assignments: entrusting an account to a manager, by hand (a director's
reassign and pin) or from a proposal."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment, AssignmentRole
from kam.core.roles import is_director
from kam.core.services import audit_record
from kam.domain.assignment import SUPPORT_SHARE

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def account_assign(
    *,
    account: Account,
    manager: User,
    role: str = AssignmentRole.LEAD,
    reason: str = "",
    by: User | None = None,
    pinned: bool = False,
) -> AccountAssignment:
    """Make ``manager`` the lead (or a support member) of ``account`` from now on.

    A new lead ends the previous lead's assignment, which stays in the history."""
    if not hasattr(manager, "manager_profile"):
        raise ValidationError({"manager": "only a KAM or GAM can be entrusted with accounts"})
    now = timezone.now()
    with transaction.atomic():
        current = AccountAssignment.objects.select_for_update().filter(
            account=account, ended_at__isnull=True
        )
        if role == AssignmentRole.LEAD:
            current.filter(role=AssignmentRole.LEAD).exclude(manager=manager).update(
                ended_at=now, end_reason=reason[:300], ended_by=by
            )
        existing = current.filter(manager=manager).first()
        if existing is not None:
            if existing.role == role and existing.pinned == pinned:
                return existing
            existing.ended_at = now
            existing.end_reason = reason[:300]
            existing.ended_by = by
            existing.save(update_fields=["ended_at", "end_reason", "ended_by"])
        assignment = AccountAssignment(
            account=account,
            manager=manager,
            role=role,
            pinned=pinned,
            started_at=now,
            reason=reason,
            created_by=by,
        )
        assignment.full_clean()
        assignment.save()
    return assignment


def _require_director(user: AbstractBaseUser | AnonymousUser | None, what: str) -> None:
    if user is None or not is_director(user):
        raise PermissionDenied(f"only a director may {what}")


def account_reassign(
    *,
    account: Account,
    manager: User,
    user: AbstractBaseUser | AnonymousUser,
    reason: str,
    pinned: bool = False,
) -> AccountAssignment:
    """A director entrusts ``account`` to ``manager`` as its lead from now on (pinned or
    not), with the reason kept in the history. Refused, with a message naming them, when
    the manager is a KAM and the account international, or when the account's workload
    would put the manager over capacity (the workload rules of the assignment policy).
    Making the current lead lead again only changes the pin."""
    from kam.assignments.policy import policy_get, policy_rules
    from kam.assignments.problem import manager_users
    from kam.assignments.selectors import TOLERANCE, account_facts, portfolios_of
    from kam.scoring.selectors import run_in_force

    _require_director(user, "reassign an account")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why the account changes hands"})
    managers = manager_users()
    if manager.pk not in managers:
        raise ValidationError(
            {"manager": f"{manager.get_username()!r} is not an active KAM or GAM"}
        )
    manager = managers[manager.pk]
    name = manager.get_username()
    rules = policy_rules(policy_get())
    run = run_in_force()
    facts = account_facts({account.pk: account}, run=run, rules=rules)[account.pk]
    kind = manager.manager_profile.kind
    if facts.international and kind != "GAM":
        raise ValidationError(
            {
                "manager": f"account {account.external_id!r} is international: only a GAM "
                f"may lead it, and {name!r} is a {kind}"
            }
        )
    current = AccountAssignment.objects.filter(
        account=account, manager=manager, ended_at__isnull=True
    ).first()
    already_lead = current is not None and current.role == AssignmentRole.LEAD
    if already_lead and current is not None and current.pinned == pinned:
        return current  # nothing changes
    if not already_lead:
        portfolio = portfolios_of({manager.pk: manager}, run=run, rules=rules)[0]
        added = facts.workload * (1 - SUPPORT_SHARE if current is not None else 1)
        if portfolio.load + added > portfolio.capacity + TOLERANCE:
            raise ValidationError(
                {
                    "manager": f"{name!r} would be over capacity: "
                    f"{portfolio.load + added:g} of {portfolio.capacity:g} with "
                    f"{account.external_id!r} (workload {facts.workload:g})"
                }
            )
    by = cast("User", user)
    with transaction.atomic():
        previous = AccountAssignment.objects.filter(
            account=account, role=AssignmentRole.LEAD, ended_at__isnull=True
        ).first()
        assignment = account_assign(
            account=account, manager=manager, reason=reason[:300], by=by, pinned=pinned
        )
        audit_record(
            actor=user,
            action="assignment.reassign",
            obj=account,
            summary=f"{account.external_id} entrusted to {name}"
            + (" (pinned)" if pinned else "")
            + f": {reason}",
            details={
                "from": previous.manager.get_username() if previous is not None else None,
                "to": name,
                "pinned": pinned,
                "reason": reason,
            },
        )
    return assignment


def assignment_pin(
    *, account: Account, user: AbstractBaseUser | AnonymousUser, pinned: bool
) -> AccountAssignment:
    """A director pins (or unpins) the current lead of ``account``: assignment proposals
    keep a pinned lead exactly. The pin change is a new row of the history."""
    _require_director(user, "pin an assignment")
    lead = (
        AccountAssignment.objects.select_related("manager")
        .filter(account=account, role=AssignmentRole.LEAD, ended_at__isnull=True)
        .first()
    )
    if lead is None:
        raise ValidationError(
            {"account": f"account {account.external_id!r} has no lead manager to pin"}
        )
    if lead.pinned == pinned:
        return lead
    by = cast("User", user)
    name = by.get_username()
    reason = f"pinned by {name}" if pinned else f"unpinned by {name}"
    with transaction.atomic():
        assignment = account_assign(
            account=account, manager=lead.manager, reason=reason, by=by, pinned=pinned
        )
        audit_record(
            actor=user,
            action="assignment.pin" if pinned else "assignment.unpin",
            obj=account,
            summary=f"{account.external_id}: lead {lead.manager.get_username()} {reason}",
            details={"manager": lead.manager.get_username(), "pinned": pinned},
        )
    return assignment
