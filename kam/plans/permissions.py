"""Who may do what with account plans, alerts and the health policy.

- an account's plan (and its objectives and actions): its managers (the KAM or GAM it is
  entrusted to, or the head of their team) and directors write; whoever sees the account
  reads (the same rule as activities: :func:`kam.engagement.permissions.can_work_account`);
- an alert: acknowledged by those who may work the account;
- the health policy (weights, thresholds): directors edit it; everyone signed in reads it.

``user=None`` is kam itself (the command line, the demo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kam.core.roles import is_director
from kam.engagement.permissions import can_work_account

if TYPE_CHECKING:
    from kam.accounts.models import Account
    from kam.engagement.permissions import Actor


def can_write_plan(user: Actor, account: Account) -> bool:
    return can_work_account(user, account)


def require_plan_writer(user: Actor, account: Account) -> None:
    if not can_write_plan(user, account):
        raise PermissionDenied(
            _("Only the account's managers and directors may change its account plan.")
        )


def require_alert_handler(user: Actor, account: Account) -> None:
    if not can_work_account(user, account):
        raise PermissionDenied(
            _("Only the account's managers and directors may acknowledge its alerts.")
        )


def can_edit_policy(user: Actor) -> bool:
    return user is None or is_director(user)


def require_policy_editor(user: Actor) -> None:
    if not can_edit_policy(user):
        raise PermissionDenied(_("Only directors may change the health policy."))
