"""Reads of channels, activities and channel plans, scoped to the requesting user.

The channel catalogue is company-level: every signed-in user reads it. Activities and
plans follow their account's record-level access
(:func:`kam.accounts.selectors.account_list`). ``user=None`` is kam itself (the command
line without ``--as``): it sees everything. The recommendation lives in
:mod:`kam.engagement.recommendations`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from kam.accounts.models import Account
from kam.accounts.selectors import account_list
from kam.domain.tiers import KEY
from kam.engagement.models import (
    Activity,
    Campaign,
    CampaignTarget,
    Channel,
    ChannelPlan,
    ChannelPlanItem,
)
from kam.scoring.models import AccountScore
from kam.scoring.selectors import account_score_list

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor


def _signed_in(user: Actor) -> bool:
    return user is None or user.is_authenticated


def visible_accounts(user: Actor) -> QuerySet[Account]:
    return Account.objects.all() if user is None else account_list(user=user)


def channel_list(*, user: Actor, active_only: bool = False) -> QuerySet[Channel]:
    """The channel catalogue (the active channels only, if asked), by code."""
    if not _signed_in(user):
        return Channel.objects.none()
    channels = Channel.objects.order_by("code")
    return channels.filter(active=True) if active_only else channels


def channel_get(*, user: Actor, code: str) -> Channel:
    channel = channel_list(user=user).filter(code=code).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel


def activity_list(
    *,
    user: Actor,
    account: Account | None = None,
    channel: Channel | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Activity]:
    """Activities of the accounts the user may see, the latest first (a timeline), with
    their account, channel, author and contacts loaded in a fixed number of queries."""
    if not _signed_in(user):
        return Activity.objects.none()
    activities = Activity.objects.all()
    if user is not None:
        activities = activities.filter(account__in=account_list(user=user))
    if account is not None:
        activities = activities.filter(account=account)
    if channel is not None:
        activities = activities.filter(channel=channel)
    if date_from is not None:
        activities = activities.filter(occurred_on__gte=date_from)
    if date_to is not None:
        activities = activities.filter(occurred_on__lte=date_to)
    return (
        activities.select_related("account", "channel", "author")
        .prefetch_related("contacts")
        .order_by("-occurred_on", "-id")
    )


def _plans_with_items() -> QuerySet[ChannelPlan]:
    items = ChannelPlanItem.objects.select_related("channel").order_by("position", "id")
    return ChannelPlan.objects.select_related("account", "created_by").prefetch_related(
        Prefetch("items", queryset=items)
    )


def channel_plan_get(*, user: Actor, account: Account) -> ChannelPlan | None:
    """The account's current channel plan with its items (None when it has none, or
    when the user may not see the account)."""
    if not _signed_in(user):
        return None
    if user is not None and not visible_accounts(user).filter(pk=account.pk).exists():
        return None
    return _plans_with_items().filter(account=account, valid_to__isnull=True).first()


def channel_plan_history(*, user: Actor, account: Account) -> QuerySet[ChannelPlan]:
    """Every plan the account had, the current one first."""
    if not _signed_in(user):
        return ChannelPlan.objects.none()
    plans = _plans_with_items().filter(account=account)
    if user is not None:
        plans = plans.filter(account__in=account_list(user=user))
    return plans.order_by("-valid_from", "-id")


def accounts_without_plan(*, user: Actor) -> QuerySet[AccountScore]:
    """The key accounts of the run in force (after manual tier overrides) that the user
    may see and that have no current channel plan, best rank first; each row is the
    account's score, with its account and lead manager (see ``account_score_list``).
    Empty when no run is in force."""
    current = ChannelPlan.objects.filter(account=OuterRef("account_id"), valid_to__isnull=True)
    return account_score_list(user=user, tier=KEY).filter(~Exists(current))


# -- loyalty campaigns ------------------------------------------------------------------------


def campaign_list(*, user: Actor) -> QuerySet[Campaign]:
    """The campaigns the user may read, newest first: every campaign for marketing,
    directors and analysts; for a KAM, the sent campaigns that reached one of their
    accounts."""
    from kam.engagement.permissions import reads_all_campaigns

    if not _signed_in(user):
        return Campaign.objects.none()
    campaigns = Campaign.objects.select_related("channel", "created_by", "sent_by")
    if user is not None and not reads_all_campaigns(user):
        touching = CampaignTarget.objects.filter(
            campaign=OuterRef("pk"), account__in=account_list(user=user)
        )
        campaigns = campaigns.filter(Exists(touching))
    return campaigns.order_by("-created_at", "-id")


def campaign_get(*, user: Actor, pk: int) -> Campaign:
    campaign = campaign_list(user=user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def campaign_target_rows(*, user: Actor, campaign: Campaign) -> QuerySet[CampaignTarget]:
    """A sent campaign's targets on the accounts the user sees, with their account and
    contact (one query), by account."""
    from kam.engagement.permissions import reads_all_campaigns

    targets = CampaignTarget.objects.filter(campaign=campaign)
    if user is not None and not reads_all_campaigns(user):
        targets = targets.filter(account__in=account_list(user=user))
    return targets.select_related("account", "contact").order_by(
        "account__name", "account_id", "id"
    )
