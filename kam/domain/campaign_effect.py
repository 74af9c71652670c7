"""The arithmetic of a campaign's effect, without Django: who is skipped and why, and the
difference in differences of revenue between the targeted accounts and comparable
accounts that were not targeted. Tested without a database; used by
:mod:`kam.engagement.campaigns`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

# The statuses of a campaign target (the values of ``TargetStatus``), repeated here so that
# this module needs no Django import.
MAILABLE = "pending"
SKIPPED_LEFT = "skipped_left"
SKIPPED_NO_CONSENT = "skipped_no_consent"
SKIPPED_NO_EMAIL = "skipped_no_email"
SKIPPED = (SKIPPED_NO_CONSENT, SKIPPED_NO_EMAIL, SKIPPED_LEFT)


def contact_status(*, email: str, do_not_mail: bool, left_on: date | None, today: date) -> str:
    """Whether a contact gets the campaign's e-mail, or why not. A contact who left the
    company is skipped as such (whatever else is true of them); then the refusal of
    mailings (consent); then a missing e-mail address."""
    if left_on is not None and left_on <= today:
        return SKIPPED_LEFT
    if do_not_mail:
        return SKIPPED_NO_CONSENT
    if not (email or "").strip():
        return SKIPPED_NO_EMAIL
    return MAILABLE


@dataclass(frozen=True)
class GroupRevenue:
    """Revenue of a group of accounts in the N days before sending and the N days after:
    totals, and means per account (an account without sales counts as 0)."""

    accounts: int
    before_total: float
    after_total: float

    @property
    def before_mean(self) -> float:
        return self.before_total / self.accounts if self.accounts else 0.0

    @property
    def after_mean(self) -> float:
        return self.after_total / self.accounts if self.accounts else 0.0

    @property
    def change_mean(self) -> float:
        """Mean change per account, after − before."""
        return self.after_mean - self.before_mean


@dataclass(frozen=True)
class CampaignEffect:
    """Targeted vs comparable accounts. ``did`` (difference in differences) is the mean
    change per targeted account minus the mean change per comparable account; None when
    either group is empty."""

    targeted: GroupRevenue
    comparison: GroupRevenue

    @property
    def did(self) -> float | None:
        if not self.targeted.accounts or not self.comparison.accounts:
            return None
        return self.targeted.change_mean - self.comparison.change_mean


def _group(ids: Iterable[str], revenue: Mapping[str, tuple[float, float]]) -> GroupRevenue:
    members = set(ids)
    before = sum(revenue.get(i, (0.0, 0.0))[0] for i in members)
    after = sum(revenue.get(i, (0.0, 0.0))[1] for i in members)
    return GroupRevenue(accounts=len(members), before_total=before, after_total=after)


def campaign_effect(
    *,
    revenue: Mapping[str, tuple[float, float]],
    targeted: Iterable[str],
    comparison: Iterable[str],
) -> CampaignEffect:
    """``revenue`` maps an account id to its (before, after) revenue; accounts missing
    from it had no sales. An account in both groups counts as targeted only."""
    targeted_ids = set(targeted)
    comparison_ids = set(comparison) - targeted_ids
    return CampaignEffect(
        targeted=_group(targeted_ids, revenue), comparison=_group(comparison_ids, revenue)
    )


def response_rate(*, sent: int, responded: int) -> float | None:
    """Responses per e-mail sent (None when nothing was sent)."""
    return responded / sent if sent else None
