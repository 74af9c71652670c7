"""The demo's past loyalty campaign: recorded as sent, without sending any e-mail (the
demo has no SMTP server), so that the campaign pages, the export and the results have
something to show.

The campaign went out 90 days before the end of the demo period, by e-mail, to every
other top account (by revenue) of the sector with the most top accounts; the other top
accounts of that sector are its comparison group. Each contact of a targeted account gets
the status the real sending would give (skipped when they refused mailings, have no
address or left the company); a third of the contacts mailed (at least one) responded. One
activity per account reached is logged on the e-mailing channel, as sending does.

Deterministic: the same seed and data give the same campaign.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
from django.db import transaction
from django.utils import timezone

from kam.accounts.models import Account, Contact
from kam.domain.campaign_effect import contact_status
from kam.engagement.models import (
    Activity,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    Outcome,
    TargetStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DAYS_BEFORE_END = 90
RESPONSE_RATE = 0.33
RESPONSES = (Outcome.REPLY, Outcome.MEETING, Outcome.ORDER)
NAME = "Loyalty offer: 8 % off consumables"
OFFER = (
    "As one of our key customers, you get 8 % off every order of consumables placed "
    "before the end of the offer. Quote the campaign's name to your account manager."
)


def demo_campaign(
    *, seed: int, period: tuple[date, date], leads: Sequence[tuple[str, User]], by: User | None
) -> Campaign | None:
    """Store the demo's sent campaign (None when there are fewer than 4 top accounts in
    any sector, or no e-mailing channel)."""
    channel = Channel.objects.filter(code="emailing").first()
    top = {external_id for external_id, _user in leads}
    accounts = list(
        Account.objects.filter(external_id__in=top)
        .exclude(sector="")
        .order_by("sector", "external_id")
        .values_list("pk", "external_id", "sector")
    )
    by_sector: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, external_id, sector in accounts:
        by_sector[sector].append((pk, external_id))
    if channel is None or not by_sector:
        return None
    sector, members = max(by_sector.items(), key=lambda item: (len(item[1]), item[0]))
    if len(members) < 4:
        return None
    # Every other account by the order of the leads (the largest first): half targeted.
    order = {external_id: i for i, (external_id, _user) in enumerate(leads)}
    members.sort(key=lambda m: order.get(m[1], 0))
    targeted = [pk for pk, _external_id in members[::2]]
    sent_on = period[1] - timedelta(days=DAYS_BEFORE_END)
    sent_at = timezone.make_aware(datetime.combine(sent_on, time(9, 0)))
    rng = np.random.default_rng(zlib.crc32(f"campaign-{seed}".encode()))
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(account_id__in=targeted).order_by("account_id", "id"):
        contacts[contact.account_id].append(contact)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=NAME,
            offer=OFFER,
            discount_percent=8,
            valid_from=sent_on,
            valid_to=sent_on + timedelta(days=60),
            channel=channel,
            criteria={"tiers": ["key"], "kams": [], "sectors": [sector], "min_score": None},
            status=CampaignStatus.SENT,
            created_by=by,
            sent_at=sent_at,
            sent_by=by,
        )
        rows: list[CampaignTarget] = []
        reached: dict[int, list[int]] = defaultdict(list)
        for account_id in targeted:
            people = contacts.get(account_id, [])
            if not people:
                rows.append(
                    CampaignTarget(
                        campaign=campaign,
                        account_id=account_id,
                        status=TargetStatus.SKIPPED_NO_EMAIL,
                    )
                )
                continue
            for person in people:
                status = contact_status(
                    email=person.email,
                    do_not_mail=person.do_not_mail,
                    left_on=person.left_on,
                    today=sent_on,
                )
                target = CampaignTarget(
                    campaign=campaign, account_id=account_id, contact=person, status=status
                )
                if status == TargetStatus.PENDING:
                    target.status = TargetStatus.SENT
                    target.email = person.email
                    reached[account_id].append(person.pk)
                rows.append(target)
        mailed = [t for t in rows if t.status == TargetStatus.SENT]
        answered = max(1, round(RESPONSE_RATE * len(mailed))) if mailed else 0
        for index in sorted(rng.choice(len(mailed), size=answered, replace=False)):
            target = mailed[int(index)]
            target.outcome = RESPONSES[int(rng.integers(len(RESPONSES)))]
            target.responded = True
            target.responded_on = sent_on + timedelta(days=int(rng.integers(1, 21)))
        CampaignTarget.objects.bulk_create(rows)
        activities = Activity.objects.bulk_create(
            [
                Activity(
                    account_id=account_id,
                    channel=channel,
                    occurred_on=sent_on,
                    subject=NAME,
                    cost=channel.unit_cost,
                    outcome=Outcome.NONE,
                    author=by,
                )
                for account_id in reached
            ]
        )
        links = Activity.contacts.through
        links.objects.bulk_create(
            [
                links(activity_id=activity.pk, contact_id=contact_id)
                for activity, ids in zip(activities, reached.values(), strict=True)
                for contact_id in ids
            ]
        )
        counts = Counter(t.status for t in rows)
        campaign.accounts_count = len(targeted)
        campaign.sent_count = counts[TargetStatus.SENT]
        campaign.skipped_no_consent = counts[TargetStatus.SKIPPED_NO_CONSENT]
        campaign.skipped_no_email = counts[TargetStatus.SKIPPED_NO_EMAIL]
        campaign.skipped_left = counts[TargetStatus.SKIPPED_LEFT]
        campaign.save()
    return campaign
