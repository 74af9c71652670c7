"""Writes on KPI targets (directors): set one (a new target, or a new value for the
same KPI, KAM and period) and remove one. Every refusal names the field."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.services import audit_record
from kam.domain.kpis import KAM_KPIS, SHARE_KPIS
from kam.kpis.models import KpiCode, KpiTarget, TargetDirection
from kam.kpis.permissions import require_target_manager

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from kam.kpis.permissions import Actor

# KPIs that count things: a target below 0 cannot be meant.
_NON_NEGATIVE = frozenset(
    {KpiCode.INCREASED, KpiCode.NEW_KEY_ACCOUNTS, KpiCode.ACTIVITIES_PER_KEY_ACCOUNT}
)


def kpi_target_set(
    *,
    kpi: str,
    value: float,
    date_from: date,
    date_to: date,
    direction: str = TargetDirection.AT_LEAST,
    manager: User | None = None,
    user: Actor,
) -> KpiTarget:
    """Set the target of ``kpi`` over [date_from, date_to] for the company (no
    ``manager``) or a KAM's portfolio. A target of the same KPI, KAM and period is
    replaced (its new value and direction are audited). Directors only."""
    require_target_manager(user)
    _validate(kpi=kpi, value=value, date_from=date_from, date_to=date_to, direction=direction)
    if manager is not None:
        if not hasattr(manager, "manager_profile"):
            raise ValidationError(
                {
                    "manager": _("%(name)s is not a KAM or GAM: a target is set for a KAM.")
                    % {"name": manager.get_username()}
                }
            )
        if kpi not in KAM_KPIS:
            raise ValidationError(
                {"kpi": _("%(kpi)s is only measured for the company.") % {"kpi": kpi}}
            )
    by = cast("User | None", user if user is not None and user.is_authenticated else None)
    with transaction.atomic():
        target = (
            KpiTarget.objects.select_for_update()
            .filter(kpi=kpi, manager=manager, date_from=date_from, date_to=date_to)
            .first()
        )
        before = None if target is None else (target.value, target.direction)
        if target is None:
            target = KpiTarget(
                kpi=kpi, manager=manager, date_from=date_from, date_to=date_to, created_by=by
            )
        target.value = float(value)
        target.direction = direction
        target.full_clean()
        target.save()
        audit_record(
            actor=user,
            action="kpi_target.set",
            obj=target,
            summary=f"Target {kpi} {direction} {value} for "
            f"{manager.get_username() if manager else 'the company'}, {date_from}–{date_to}",
            details={"before": before, "value": target.value, "direction": direction},
        )
    return target


def kpi_target_remove(*, target: KpiTarget, user: Actor) -> None:
    """Remove a target (directors only); the removal is audited."""
    require_target_manager(user)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="kpi_target.remove",
            obj=target,
            summary=f"Target {target.kpi} removed ({target.date_from}–{target.date_to})",
            details={"value": target.value, "direction": target.direction},
        )
        target.delete()


def _validate(*, kpi: str, value: float, date_from: date, date_to: date, direction: str) -> None:
    errors: dict[str, str] = {}
    if kpi not in KpiCode.values:
        errors["kpi"] = _("Unknown KPI %(kpi)r; one of: %(codes)s.") % {
            "kpi": kpi,
            "codes": ", ".join(KpiCode.values),
        }
    if direction not in TargetDirection.values:
        errors["direction"] = _("Choose %(choices)s.") % {
            "choices": " or ".join(TargetDirection.values)
        }
    if date_from > date_to:
        errors["date_to"] = _("The period ends (%(to)s) before it starts (%(from)s).") % {
            "to": date_to.isoformat(),
            "from": date_from.isoformat(),
        }
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        errors["value"] = _("The target must be a number.")
    elif kpi in SHARE_KPIS and not 0.0 <= number <= 1.0:
        errors["value"] = _("A share is between 0 and 1 (0.9 for 90 %%), not %(value)s.") % {
            "value": value
        }
    elif kpi in _NON_NEGATIVE and number < 0:
        errors["value"] = _("This KPI counts accounts or activities: it cannot be below 0.")
    if errors:
        raise ValidationError(errors)
