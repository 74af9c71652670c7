"""Writes on channels, activities and channel plans.

Every adapter (pages, API, command line, demo) goes through these functions, so a rule
holds everywhere with the same message: above all the seed's rule that a key account is
worked through 1 to 3 channels (:func:`channel_plan_set`). Importing activities from
files: :mod:`kam.engagement.activity_import`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.accounts.models import Account, Contact
from kam.engagement.catalogue import SEEDED_CHANNELS
from kam.engagement.models import (
    Activity,
    Channel,
    ChannelKind,
    ChannelPlan,
    ChannelPlanItem,
    Outcome,
    PlanPeriod,
)
from kam.engagement.permissions import require_account_worker, require_channel_editor

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor

MIN_CHANNELS = 1
MAX_CHANNELS = 3
MAX_TIMES = 365
# The field every channel-plan refusal names (form, API and command line alike).
CHANNELS_FIELD = "channels"


# -- the channel catalogue ------------------------------------------------------------------


def channel_create(
    *,
    code: str,
    name: str,
    kind: str = ChannelKind.OTHER,
    unit_cost: Decimal = Decimal("0"),
    active: bool = True,
    user: Actor,
) -> Channel:
    """Add a channel to the catalogue (marketing and directors)."""
    require_channel_editor(user)
    channel = Channel(
        code=code.strip(), name=name.strip(), kind=kind, unit_cost=unit_cost, active=active
    )
    channel.full_clean()
    channel.save()
    return channel


def channel_update(
    *,
    channel: Channel,
    user: Actor,
    name: str | None = None,
    kind: str | None = None,
    unit_cost: Decimal | None = None,
    active: bool | None = None,
) -> Channel:
    """Rename a channel, change its kind, unit cost or active flag (marketing and
    directors). The code never changes: files and scripts refer to it. A new unit cost
    applies to the activities logged from now on; past activities keep theirs."""
    require_channel_editor(user)
    if name is not None:
        channel.name = name.strip()
    if kind is not None:
        channel.kind = kind
    if unit_cost is not None:
        channel.unit_cost = unit_cost
    if active is not None:
        channel.active = active
    channel.full_clean()
    channel.save()
    return channel


def channels_seed() -> int:
    """Put back the channels kam seeds (migration ``0002_seed_channels``) that are not in
    the catalogue, as they were seeded; existing channels are left as they are. For a
    database emptied since its migrations (``flush``), before the demo is loaded.
    Returns how many channels were added."""
    added = 0
    for seeded in SEEDED_CHANNELS:
        _, created = Channel.objects.get_or_create(
            code=seeded.code,
            defaults={
                "name": seeded.english_name,
                "kind": seeded.kind,
                "unit_cost": seeded.unit_cost,
            },
        )
        added += created
    return added


# -- activities -------------------------------------------------------------------------------


def activity_log(
    *,
    account: Account,
    channel: Channel,
    user: Actor,
    outcome: str = Outcome.NONE,
    occurred_on: date | None = None,
    subject: str = "",
    contacts: Sequence[Contact] = (),
    cost: Decimal | None = None,
    order_amount: Decimal | None = None,
    order_reference: str = "",
) -> Activity:
    """Record an interaction with ``account`` (the two-click logging: a channel and an
    outcome; today and the channel's unit cost unless given). The contacts must be
    people of this account; an order amount needs the outcome "order"."""
    require_account_worker(user, account)
    if not channel.active:
        raise ValidationError(
            {"channel": _("The channel “%(channel)s” is not active.") % {"channel": channel.label}}
        )
    today = timezone.localdate()
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise ValidationError({"occurred_on": _("An activity cannot be dated in the future.")})
    strangers = [c for c in contacts if c.account_id != account.pk]
    if strangers:
        raise ValidationError(
            {
                "contacts": _("Not a contact of this account: %(names)s.")
                % {"names": ", ".join(str(c) for c in strangers)}
            }
        )
    activity = Activity(
        account=account,
        channel=channel,
        occurred_on=occurred_on,
        subject=subject.strip(),
        cost=channel.unit_cost if cost is None else cost,
        outcome=outcome,
        order_amount=order_amount,
        order_reference=order_reference.strip(),
        author=_person(user),
    )
    activity.full_clean()
    with transaction.atomic():
        activity.save()
        if contacts:
            activity.contacts.set(contacts)
    return activity


# -- channel plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItemInput:
    """One channel of a plan as given by a person: the channel's code and its cadence
    (``times`` per ``period``: week, month, quarter or year)."""

    channel: str
    times: int
    period: str


def channel_plan_set(
    *,
    account: Account,
    items: Sequence[PlanItemInput],
    user: Actor,
    from_recommendation: bool = False,
) -> ChannelPlan:
    """Make ``items`` the account's channel plan from now on; the plan it replaces stays
    in the history. THE RULE: at least 1 channel, at most 3, each once, active, with a
    cadence of 1 to 365 times per week, month, quarter or year. A refusal is a
    ValidationError on the field ``channels``. Setting the plan in force again changes
    nothing (the same plan comes back)."""
    require_account_worker(user, account)
    channels = _checked_plan(items)
    with transaction.atomic():
        current = (
            ChannelPlan.objects.select_for_update()
            .filter(account=account, valid_to__isnull=True)
            .first()
        )
        wanted = [(channels[i.channel].pk, i.times, i.period) for i in items]
        if current is not None and _plan_rows(current) == wanted:
            return current
        now = timezone.now()
        if current is not None:
            current.valid_to = now
            current.save(update_fields=["valid_to"])
        plan = ChannelPlan(
            account=account,
            valid_from=now,
            from_recommendation=from_recommendation,
            created_by=_person(user),
        )
        plan.full_clean()
        plan.save()
        rows = [
            ChannelPlanItem(
                plan=plan,
                channel=channels[item.channel],
                times=item.times,
                period=item.period,
                position=position,
            )
            for position, item in enumerate(items)
        ]
        for row in rows:
            row.full_clean(exclude=["plan"])
        ChannelPlanItem.objects.bulk_create(rows)
    return plan


def _person(user: Actor) -> Any:
    """The user recorded as author (the project's user model; None for kam itself)."""
    return user if user is not None and user.is_authenticated else None


def plan_refusal(message: str) -> ValidationError:
    return ValidationError({CHANNELS_FIELD: message})


def _checked_plan(items: Sequence[PlanItemInput]) -> dict[str, Channel]:
    """The channels of ``items`` by code, or the refusal that names the field."""
    if len(items) > MAX_CHANNELS:
        raise plan_refusal(
            _("a key account has at most %(max)s channels (got %(count)s)")
            % {"max": MAX_CHANNELS, "count": len(items)}
        )
    if len(items) < MIN_CHANNELS:
        raise plan_refusal(
            _("a key account needs at least %(min)s channel") % {"min": MIN_CHANNELS}
        )
    codes = [item.channel for item in items]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise plan_refusal(_("the channel “%(channel)s” is given twice") % {"channel": twice[0]})
    found = {c.code: c for c in Channel.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        known = ", ".join(Channel.objects.filter(active=True).values_list("code", flat=True))
        raise plan_refusal(
            _("unknown channel “%(channel)s” (channels: %(known)s)")
            % {"channel": unknown[0], "known": known}
        )
    inactive = [code for code in codes if not found[code].active]
    if inactive:
        raise plan_refusal(_("the channel “%(channel)s” is not active") % {"channel": inactive[0]})
    periods = set(PlanPeriod.values)
    for item in items:
        if item.period not in periods:
            raise plan_refusal(
                _("%(channel)s: unknown period “%(period)s” (week, month, quarter or year)")
                % {"channel": item.channel, "period": item.period}
            )
        if not 1 <= item.times <= MAX_TIMES:
            raise plan_refusal(
                _("%(channel)s: the cadence is 1 to %(max)s times per period (got %(times)s)")
                % {"channel": item.channel, "max": MAX_TIMES, "times": item.times}
            )
    return found


def _plan_rows(plan: ChannelPlan) -> list[tuple[int, int, str]]:
    return [
        (row.channel_id, row.times, row.period) for row in plan.items.order_by("position", "id")
    ]
