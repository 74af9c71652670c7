"""The assignment policy: read it (created with the defaults on first use), change it
(directors, audited), and turn it into the domain's rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kam.assignments.models import AssignmentPolicy, ValueBasis
from kam.core.roles import is_director
from kam.core.services import audit_record
from kam.domain.assignment import AssignmentWeights
from kam.domain.workload import PolicyError, TierNeeds, WorkloadPolicy, validate_policy

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

DEFAULTS = WorkloadPolicy()
WEIGHT_FIELDS = ("fit_sector", "fit_language", "fit_country", "continuity", "balance")
EDITABLE_FIELDS = (
    "tiers",
    "size_bands",
    "per_country",
    "per_country_cap",
    "international_countries",
    "group_abroad",
    "value_basis",
    *WEIGHT_FIELDS,
    "balance_band",
    "time_limit_s",
    "gap_limit",
)


@dataclass(frozen=True)
class PolicyRules:
    """The policy as the domain takes it."""

    workload: WorkloadPolicy
    weights: AssignmentWeights
    value_basis: str
    time_limit_s: float
    gap_limit: float


def policy_get() -> AssignmentPolicy:
    """The current policy, created with the defaults when there is none yet."""
    policy = AssignmentPolicy.objects.order_by("pk").first()
    if policy is None:
        policy = AssignmentPolicy.objects.create(
            tiers={
                t: {"workload": n.workload, "support": n.support} for t, n in DEFAULTS.tiers.items()
            },
            size_bands=[list(band) for band in DEFAULTS.size_bands],
        )
    return policy


def _tiers(raw: Any) -> dict[str, TierNeeds]:
    if not isinstance(raw, dict):
        raise PolicyError('tiers: must be an object such as {"key": {"workload": 1, "support": 0}}')
    tiers = {}
    for tier, needs in raw.items():
        if not isinstance(needs, dict) or set(needs) - {"workload", "support"}:
            raise PolicyError(f"tiers.{tier}: must be an object with workload and support")
        tiers[str(tier)] = TierNeeds(
            workload=needs.get("workload", 1.0), support=needs.get("support", 0)
        )
    return tiers


def _bands(raw: Any) -> tuple[tuple[int, float], ...]:
    if not isinstance(raw, list) or not all(
        isinstance(band, list | tuple) and len(band) == 2 for band in raw
    ):
        raise PolicyError("size_bands: must be a list of [employees from, factor] pairs")
    bands = []
    for floor, factor in raw:
        if isinstance(floor, bool) or not isinstance(floor, int) or floor < 0:
            raise PolicyError("size_bands: employees must be whole numbers ≥ 0")
        bands.append((floor, factor))
    return tuple(bands)


def policy_rules(policy: AssignmentPolicy) -> PolicyRules:
    """The domain's rules from the stored policy; ``PolicyError`` names a bad field."""
    workload = WorkloadPolicy(
        tiers=_tiers(policy.tiers),
        size_bands=_bands(policy.size_bands),
        per_country=policy.per_country,
        per_country_cap=policy.per_country_cap,
        international_countries=policy.international_countries,
        group_abroad=policy.group_abroad,
    )
    validate_policy(workload)
    for name in (*WEIGHT_FIELDS, "balance_band"):
        value = getattr(policy, name)
        if not 0 <= value <= 1000:
            raise PolicyError(f"{name}: must be between 0 and 1000")
    if not 0.5 <= policy.time_limit_s <= 600:
        raise PolicyError("time_limit_s: must be between 0.5 and 600 seconds")
    if not 0 <= policy.gap_limit <= 0.5:
        raise PolicyError("gap_limit: must be between 0 and 0.5 (50 %)")
    if policy.value_basis not in ValueBasis.values:
        raise PolicyError(f"value_basis: must be one of {', '.join(ValueBasis.values)}")
    return PolicyRules(
        workload=workload,
        weights=AssignmentWeights(
            **{name: float(getattr(policy, name)) for name in (*WEIGHT_FIELDS, "balance_band")}
        ),
        value_basis=policy.value_basis,
        time_limit_s=policy.time_limit_s,
        gap_limit=policy.gap_limit,
    )


def policy_update(
    *, user: AbstractBaseUser | AnonymousUser | None, changes: dict[str, Any]
) -> AssignmentPolicy:
    """Change the policy (directors only; ``user=None`` is kam itself, for the command
    line). Nothing is saved unless every field is valid; the error names the field."""
    if user is not None and not is_director(user):
        raise PermissionDenied("only a director changes the assignment policy")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "not a field of the assignment policy" for name in unknown})
    with transaction.atomic():
        policy = AssignmentPolicy.objects.select_for_update().get(pk=policy_get().pk)
        before = {name: getattr(policy, name) for name in changes}
        for name, value in changes.items():
            setattr(policy, name, value)
        try:
            policy.full_clean(exclude=["updated_by"])
            policy_rules(policy)
        except PolicyError as error:
            field, _, message = str(error).partition(": ")
            raise ValidationError(
                {field.split(".")[0]: message if message else str(error)}
            ) from error
        policy.updated_by = user if user is not None and user.is_authenticated else None  # type: ignore[assignment]
        policy.save()
        audit_record(
            actor=user,
            action="assignment.policy",
            obj=policy,
            summary="Assignment policy changed: " + ", ".join(sorted(changes)),
            details={"before": before, "after": {name: getattr(policy, name) for name in changes}},
        )
    return policy
