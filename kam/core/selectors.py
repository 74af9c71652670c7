"""Reads about the kam instance itself: its users and the size of what it holds.

These are for the operator at the command line, who holds the database and the ledger
anyway; they are not scoped to a user, so no web view or API may call them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q

from kam.accounts.models import Account
from kam.core.models import ManagerKind
from kam.core.roles import CLI_ROLES, Role
from kam.sales.models import BatchStatus, ImportBatch
from kam.sales.selectors import ledger_table


@dataclass(frozen=True)
class UserRow:
    """One user as `kam user list` shows it. ``role`` is the `kam user add --role` name
    (``director``, ``kam``, ``gam``, ``marketing``, ``analyst``), several joined by
    commas, ``superuser`` for a superuser without a role, or empty."""

    name: str
    role: str
    kind: str | None
    capacity: Decimal | None
    active: bool


def user_rows() -> list[UserRow]:
    """Every user with their role and, for managers, their kind and capacity. Unscoped:
    for the command line only."""
    users = (
        get_user_model()
        .objects.select_related("manager_profile")
        .prefetch_related("groups")
        .order_by("username")
    )
    rows = []
    for user in users:
        group_names = {g.name for g in user.groups.all()}
        profile = getattr(user, "manager_profile", None)
        kind = profile.kind if profile is not None else None
        roles = [
            name
            for name, (role, manager_kind) in CLI_ROLES.items()
            if role.value in group_names and manager_kind in (None, kind)
        ]
        if Role.KAM.value in group_names and kind is None:
            roles.append("kam")  # a KAM whose profile is missing still has the role
        if not roles and user.is_superuser:
            roles.append("superuser")
        rows.append(
            UserRow(
                name=user.get_username(),
                role=",".join(roles),
                kind=kind,
                capacity=profile.capacity if profile is not None else None,
                active=user.is_active,
            )
        )
    return rows


@dataclass(frozen=True)
class InstanceStatus:
    """What `kam status` reports: where this instance keeps its data and how much it
    holds. ``order_lines`` is None when the ledger cannot be read (``ledger_error`` says
    why: `kam check` diagnoses it)."""

    kam_home: Path
    database_engine: str
    database_name: str
    ledger_path: Path
    accounts: int
    groups: int
    order_lines: int | None
    ledger_error: str | None
    batches_committed: int
    batches_rejected: int
    users_total: int
    users_by_role: dict[str, int]


def instance_status() -> InstanceStatus:
    """Counts of accounts, groups, order lines, imports and users, and the places where
    they are kept. Unscoped: for the command line only."""
    accounts = Account.objects.aggregate(
        accounts=Count("pk"),
        groups=Count(
            "pk", filter=Q(pk__in=Account.objects.filter(parent__isnull=False).values("parent_id"))
        ),
    )
    batches = ImportBatch.objects.aggregate(
        committed=Count("pk", filter=Q(status=BatchStatus.COMMITTED)),
        rejected=Count("pk", filter=Q(status=BatchStatus.REJECTED)),
    )
    order_lines, ledger_error = _order_line_count()
    users_total, users_by_role = _user_counts()
    return InstanceStatus(
        kam_home=Path(settings.KAM_HOME),
        database_engine=connection.vendor,
        database_name=str(connection.settings_dict["NAME"]),
        ledger_path=Path(settings.KAM_LEDGER_DIR),
        accounts=accounts["accounts"],
        groups=accounts["groups"],
        order_lines=order_lines,
        ledger_error=ledger_error,
        batches_committed=batches["committed"],
        batches_rejected=batches["rejected"],
        users_total=users_total,
        users_by_role=users_by_role,
    )


def _order_line_count() -> tuple[int | None, str | None]:
    """The number of order lines in the committed batches, counted by the ledger engine."""
    try:
        return int(ledger_table().count().execute()), None
    except Exception as exc:  # a missing or corrupt batch file must not hide the rest
        return None, f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _user_counts() -> tuple[int, dict[str, int]]:
    """All users, and users per `kam user add --role` name, in one query."""
    in_group = {role: Q(groups__name=role.value) for role in Role}
    counts = get_user_model().objects.aggregate(
        total=Count("pk", distinct=True),
        director=Count("pk", filter=in_group[Role.DIRECTOR], distinct=True),
        kam=Count(
            "pk",
            filter=in_group[Role.KAM] & ~Q(manager_profile__kind=ManagerKind.GAM),
            distinct=True,
        ),
        gam=Count(
            "pk",
            filter=in_group[Role.KAM] & Q(manager_profile__kind=ManagerKind.GAM),
            distinct=True,
        ),
        marketing=Count("pk", filter=in_group[Role.MARKETING], distinct=True),
        analyst=Count("pk", filter=in_group[Role.ANALYST], distinct=True),
    )
    return counts["total"], {name: counts[name] for name in CLI_ROLES}
