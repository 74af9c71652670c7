"""Writes on assignments: entrusting an account to a manager."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment, AssignmentRole


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
