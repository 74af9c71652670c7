"""Who may read KPIs and who sets their targets: the one check used by the services,
the API and the command line.

- KPIs: everyone signed in reads them, each on what they may see (a KAM: their
  portfolio, :func:`kam.accounts.selectors.account_list`);
- targets: directors set and remove them; everyone signed in reads the company's and
  those of the KAMs they see (a KAM: their own and their team's).

``user=None`` is kam itself (the command line without ``--as``): every permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kam.core.roles import is_director, sees_all_accounts

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser | None


def can_read_kpis(user: Actor) -> bool:
    return user is None or user.is_authenticated


def sees_company_kpis(user: Actor) -> bool:
    """Directors, analysts and marketing (and kam itself) see the company's KPIs; a KAM
    sees those of their portfolio."""
    return user is None or sees_all_accounts(user)


def can_manage_kpi_targets(user: Actor) -> bool:
    return user is None or is_director(user)


def require_kpi_reader(user: Actor) -> None:
    if not can_read_kpis(user):
        raise PermissionDenied(_("Sign in to read the KPIs."))


def require_target_manager(user: Actor) -> None:
    if not can_manage_kpi_targets(user):
        raise PermissionDenied(_("Only directors may set or remove KPI targets."))
