"""Who may do what with channels, activities and channel plans: the one check used by
the services (and, to show or hide buttons, by views, the API and the command line).

- the channel catalogue: marketing and directors edit it; everyone signed in reads it;
- an account's activities and channel plan: its managers (the KAM or GAM it is entrusted
  to, or the head of their team) and directors write; whoever sees the account reads.

``user=None`` is kam itself (the command line without ``--as``, imports, the demo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kam.accounts.selectors import account_list
from kam.core.roles import Role, is_director, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from kam.accounts.models import Account

    Actor = AbstractBaseUser | AnonymousUser | None


def can_edit_channels(user: Actor) -> bool:
    if user is None:
        return True
    return is_director(user) or Role.MARKETING in user_roles(user)


def can_work_account(user: Actor, account: Account) -> bool:
    """May log activities for ``account`` and set its channel plan."""
    if user is None:
        return True
    if is_director(user):
        return True
    if Role.KAM not in user_roles(user):
        return False
    return account_list(user=user).filter(pk=account.pk).exists()


def require_channel_editor(user: Actor) -> None:
    if not can_edit_channels(user):
        raise PermissionDenied(_("Only marketing and directors may edit the channel catalogue."))


def require_account_worker(user: Actor, account: Account) -> None:
    if not can_work_account(user, account):
        raise PermissionDenied(
            _("Only the account's managers and directors may log activities and set its plan.")
        )


# -- loyalty campaigns: marketing and directors create and send them; analysts read them
# all; a KAM reads the campaigns that touch their accounts ----------------------------------


def can_manage_campaigns(user: Actor) -> bool:
    """May create and send campaigns (and record any target's response)."""
    return can_edit_channels(user)


def reads_all_campaigns(user: Actor) -> bool:
    if user is None:
        return True
    return can_manage_campaigns(user) or Role.ANALYST in user_roles(user)


def require_campaign_manager(user: Actor) -> None:
    if not can_manage_campaigns(user):
        raise PermissionDenied(_("Only marketing and directors may create and send campaigns."))
