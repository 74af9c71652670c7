"""Tiers set by hand: an override puts an account in a tier, with a written reason, in
the run in force at once and in every new run until it is removed. Both are recorded in
the audit trail. Only directors override tiers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.core.services import audit_record
from kam.domain.tiers import KEY, STANDARD, STRATEGIC
from kam.scoring.compute import tier_counts_from
from kam.scoring.models import AccountScore, Scorecard, ScorecardStatus, ScoreRun, TierOverride
from kam.scoring.scorecards import actor, require_manager, scorecard_definition

if TYPE_CHECKING:
    from kam.scoring.scorecards import Actor


def known_tiers() -> list[str]:
    """Tiers an override may name: the tiers of the active scorecard's rules and its
    default, and the conventional key, strategic and standard."""
    tiers = [KEY, STRATEGIC, STANDARD]
    active = Scorecard.objects.filter(status=ScorecardStatus.ACTIVE).first()
    if active is not None:
        try:
            definition = scorecard_definition(active)
        except ValueError:
            definition = None
        if definition is not None:
            for tier in [*(r.tier for r in definition.tier_rules), definition.default_tier]:
                if tier not in tiers:
                    tiers.append(tier)
    return tiers


def tier_override_set(*, account: Account, tier: str, reason: str, user: Actor) -> TierOverride:
    """Put ``account`` in ``tier`` by hand, with a reason, until the override is removed:
    the run in force changes at once, and every new run keeps it. An earlier active
    override of the account ends (it stays in the history)."""
    require_manager(user, _("Only directors may override tiers."))
    tier = (tier or "").strip()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A tier override needs a reason.")})
    tiers = known_tiers()
    if tier not in tiers:
        raise ValidationError(
            {
                "tier": _("Unknown tier “%(tier)s” (one of %(tiers)s).")
                % {"tier": tier, "tiers": ", ".join(tiers)}
            }
        )
    with transaction.atomic():
        now = timezone.now()
        TierOverride.objects.select_for_update().filter(
            account=account, removed_at__isnull=True
        ).update(removed_at=now, removed_by=actor(user), removal_reason="replaced")
        override = TierOverride(account=account, tier=tier, reason=reason, created_by=actor(user))
        override.full_clean()
        override.save()
        computed = _set_tier_in_force(account, tier)
        audit_record(
            actor=actor(user),
            action="tier.override",
            obj=override,
            summary=f"{account} put in tier {tier!r}: {reason}",
            details={"account": account.external_id, "tier": tier, "computed_tier": computed},
        )
    return override


def tier_override_remove(*, account: Account, reason: str, user: Actor) -> TierOverride:
    """End the active override of ``account`` (with a reason): the run in force goes
    back to the computed tier at once."""
    require_manager(user, _("Only directors may override tiers."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Removing a tier override needs a reason.")})
    with transaction.atomic():
        override = (
            TierOverride.objects.select_for_update()
            .filter(account=account, removed_at__isnull=True)
            .first()
        )
        if override is None:
            raise ValidationError(
                {"account": _("%(account)s has no tier override.") % {"account": account}}
            )
        override.removed_at = timezone.now()
        override.removed_by = actor(user)
        override.removal_reason = reason
        override.full_clean()
        override.save()
        computed = _set_tier_in_force(account, None)
        audit_record(
            actor=actor(user),
            action="tier.override_remove",
            obj=override,
            summary=f"Tier override of {account} removed: {reason}",
            details={"account": account.external_id, "tier": override.tier, "back_to": computed},
        )
    return override


def _set_tier_in_force(account: Account, tier: str | None) -> str | None:
    """Set the account's tier in the run in force (None: back to the computed one);
    returns the computed tier, or None when the run in force has no row for it."""
    run = ScoreRun.objects.select_for_update().filter(in_force=True).first()
    if run is None:
        return None
    row = AccountScore.objects.filter(run=run, account=account).first()
    if row is None:
        return None
    row.tier = tier or row.computed_tier
    row.save(update_fields=["tier"])
    run.stats = {**run.stats, "tiers": tier_counts_of(run)}
    run.save(update_fields=["stats"])
    return row.computed_tier


def tier_counts_of(run: ScoreRun) -> dict[str, int]:
    """The run's number of rows per tier, as its statistics keep it."""
    rows = AccountScore.objects.filter(run=run).values("tier").annotate(n=Count("pk"))
    return tier_counts_from({row["tier"]: row["n"] for row in rows})
