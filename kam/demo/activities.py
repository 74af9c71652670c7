"""The demo's activity history and channel plans.

Activities over the last 24 months of the demo period, imported through the one import
path (:func:`kam.engagement.activity_import.activities_import_frame`): 10 to 40 per top
account (the accounts given a lead manager), 1 to 3 for about a third of the others.
Outcomes follow response and order rates that differ by channel *and* by sector (retail
answers mailings with offers, pharmaceuticals webinars, manufacturing and construction
visits...), so that the recommendation has something to say; an order carries an amount
near the account's typical order. Then about half of the top accounts (every other one,
by revenue) accept kam's suggested plan, so the others are flagged without a plan.

Deterministic: the same seed and data give the same activities and plans.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from django.utils import timezone

from kam.accounts.models import Account, Contact
from kam.engagement.activity_import import activities_import_frame
from kam.engagement.catalogue import SEEDED_CHANNELS
from kam.engagement.recommendations import channel_recommendations
from kam.engagement.services import channel_plan_set, channels_seed

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HISTORY_DAYS = 730
TOP_RANGE = (10, 40)  # activities per top account
OTHER_SHARE = 0.33  # of the other accounts, with 1 to 3 activities

# Per channel: how often it is used, the reply rate, the share of replies that become an
# order, and how much a contact costs above or below the unit cost.
CHANNEL_USE = {
    "visit": 0.24,
    "phone": 0.22,
    "emailing": 0.18,
    "mailing": 0.14,
    "webinar": 0.08,
    "event": 0.07,
    "social": 0.04,
}
REPLY_RATE = {
    "visit": 0.45,
    "phone": 0.25,
    "emailing": 0.04,
    "mailing": 0.08,
    "webinar": 0.15,
    "event": 0.30,
    "social": 0.04,
}
ORDER_GIVEN_REPLY = {
    "visit": 0.40,
    "phone": 0.25,
    "emailing": 0.10,
    "mailing": 0.30,
    "webinar": 0.20,
    "event": 0.25,
    "social": 0.10,
}
# An order after a visit or an event is larger than one after an email.
ORDER_SIZE = {
    "visit": 3.0,
    "event": 2.0,
    "phone": 1.0,
    "webinar": 1.2,
    "mailing": 0.8,
    "emailing": 0.5,
    "social": 0.4,
}
# Sector tastes: reply rates multiplied by these factors.
SECTOR_TASTE: dict[str, dict[str, float]] = {
    "Manufacturing": {"visit": 1.4, "emailing": 0.6},
    "Automotive": {"visit": 1.2, "event": 1.6},
    "Food & Beverage": {"mailing": 2.6, "event": 1.5, "visit": 0.7},
    "Pharmaceuticals": {"webinar": 2.4, "visit": 0.6, "emailing": 1.5},
    "Construction": {"visit": 1.5, "phone": 1.3, "emailing": 0.5},
    "Energy & Utilities": {"emailing": 2.5, "webinar": 1.4},
    "Logistics & Transport": {"phone": 1.8, "mailing": 0.6},
    "Retail & Distribution": {"mailing": 3.0, "social": 2.0, "visit": 0.6},
}


@dataclass(frozen=True)
class DemoActivities:
    activities: int
    plans: int


def demo_activities(
    *,
    seed: int,
    period: tuple[date, date],
    accounts: pl.DataFrame,
    sales: pl.DataFrame,
    leads: Sequence[tuple[str, User]],
) -> DemoActivities:
    """Store the demo's activities and channel plans. ``leads``: the top accounts'
    external ids and their lead managers, largest account first."""
    channels_seed()  # the catalogue of a database flushed since its migrations
    frame = activity_frame(
        seed=seed,
        period=period,
        accounts=accounts,
        sales=sales,
        top=[external_id for external_id, _ in leads],
        contacts=_current_contacts(),
    )
    result = activities_import_frame(
        frame=frame, source_name=f"kam demo (seed {seed}): activities", user=None
    )
    if not result.ok:
        first = "; ".join(f"row {e.row}, {e.column}: {e.reason}" for e in result.errors[:3])
        raise ValueError(f"the generated activities were rejected by the import: {first}")
    return DemoActivities(activities=result.rows_stored, plans=_plans(leads[::2]))


def activity_frame(
    *,
    seed: int,
    period: tuple[date, date],
    accounts: pl.DataFrame,
    sales: pl.DataFrame,
    top: Sequence[str],
    contacts: dict[str, list[str]] | None = None,
) -> pl.DataFrame:
    """The activities in the canonical columns of an activities file (Django-free but
    for the catalogue's channel codes)."""
    rng = np.random.default_rng([seed, zlib.crc32(b"activities")])
    top_set = set(top)
    ids = accounts["external_id"].to_list()
    others = [a for a in ids if a not in top_set]
    chosen_others = [
        a for a, u in zip(others, rng.random(len(others)), strict=True) if u < OTHER_SHARE
    ]
    counts = {a: int(rng.integers(TOP_RANGE[0], TOP_RANGE[1] + 1)) for a in top}
    counts |= {a: int(rng.integers(1, 4)) for a in chosen_others}
    account = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    n = len(account)
    sector_of = dict(zip(ids, accounts["sector"].fill_null("").to_list(), strict=True))
    codes = list(CHANNEL_USE)
    use = np.array([CHANNEL_USE[c] for c in codes])
    channel = np.array(codes, dtype=object)[rng.choice(len(codes), n, p=use / use.sum())]
    sector = np.array([sector_of.get(a, "") for a in account], dtype=object)
    reply_p = np.array(
        [
            min(0.95, REPLY_RATE[c] * SECTOR_TASTE.get(s, {}).get(c, 1.0))
            for c, s in zip(channel, sector, strict=True)
        ]
    )
    order_p = np.array([ORDER_GIVEN_REPLY[c] for c in channel])
    replied = rng.random(n) < reply_p
    ordered = replied & (rng.random(n) < order_p)
    meeting = replied & ~ordered & (rng.random(n) < 0.4)
    lost = ~replied & (rng.random(n) < 0.08)
    outcome = np.where(
        ordered,
        "order",
        np.where(meeting, "meeting", np.where(replied, "reply", np.where(lost, "lost", "none"))),
    )
    typical = _typical_order(sales)
    fallback = float(np.median(list(typical.values()))) if typical else 5000.0
    size = np.array([ORDER_SIZE[c] for c in channel])
    amount = np.array([typical.get(a, fallback) for a in account]) * size * rng.lognormal(0, 0.4, n)
    end = min(period[1], timezone.localdate())
    start = max(period[0], end - timedelta(days=HISTORY_DAYS))
    days = rng.integers(0, (end - start).days + 1, n)
    unit = {s.code: float(s.unit_cost) for s in SEEDED_CHANNELS}
    # Visits and events cost more or less than the catalogue's figure (travel, venue).
    spread = np.where(np.isin(channel, ["visit", "event"]), rng.uniform(0.7, 1.6, n), 1.0)
    cost = np.round(np.array([unit.get(c, 0.0) for c in channel]) * spread, 2)
    people = contacts or {}
    with_contact = rng.random(n) < 0.6
    picks = rng.integers(0, 1_000_000, n)
    contact = [
        people[a][p % len(people[a])] if w and people.get(a) else None
        for a, w, p in zip(account, with_contact, picks, strict=True)
    ]
    return (
        pl.DataFrame(
            {
                "external_id": [f"DEMO-ACT-{i + 1:06d}" for i in range(n)],
                "account_external_id": account.tolist(),
                "channel": channel.tolist(),
                "date": [start + timedelta(days=int(d)) for d in days],
                "subject": [_subject(c) for c in channel],
                "outcome": outcome.tolist(),
                "cost": cost.tolist(),
                "order_amount": np.where(ordered, np.round(amount, 2), np.nan).tolist(),
                "order_reference": [
                    f"DEMO-PO-{i + 1:06d}" if o else None for i, o in enumerate(ordered)
                ],
                "contacts": contact,
            },
            schema_overrides={"order_amount": pl.Float64, "contacts": pl.String},
        )
        .with_columns(pl.col("order_amount").fill_nan(None))
        .sort("date", "external_id")
    )


_SUBJECTS = {
    "visit": "Account review visit",
    "phone": "Follow-up call",
    "emailing": "Product news email",
    "mailing": "Seasonal offer mailing",
    "webinar": "Product webinar",
    "event": "Customer event invitation",
    "social": "Community post",
}


def _subject(channel: str) -> str:
    return _SUBJECTS.get(channel, "")


def _typical_order(sales: pl.DataFrame) -> dict[str, float]:
    """Each account's median order amount."""
    if sales.height == 0:
        return {}
    orders = sales.group_by("account_id", "order_id").agg(pl.col("amount").sum())
    typical = (
        orders.filter(pl.col("amount") > 0).group_by("account_id").agg(pl.col("amount").median())
    )
    return dict(typical.iter_rows())


def _current_contacts() -> dict[str, list[str]]:
    """The contacts already stored (the demo's contacts, when they came first)."""
    found: dict[str, list[str]] = {}
    rows = (
        Contact.objects.filter(left_on__isnull=True)
        .exclude(external_id="")
        .order_by("account__external_id", "external_id")
        .values_list("account__external_id", "external_id")
    )
    for account, contact in rows:
        found.setdefault(account, []).append(contact)
    return found


def _plans(leads: Sequence[tuple[str, User]]) -> int:
    """The suggested plan, accepted by the lead manager, for each of ``leads``."""
    ids = dict(
        Account.objects.filter(external_id__in=[e for e, _ in leads]).values_list(
            "external_id", "id"
        )
    )
    accounts = Account.objects.in_bulk(list(ids.values()))
    advice = {
        r.external_id: r for r in channel_recommendations(user=None, account_ids=list(ids.values()))
    }
    stored = 0
    for external_id, manager in leads:
        recommendation = advice.get(external_id)
        if recommendation is None or not recommendation.suggested:
            continue
        channel_plan_set(
            account=accounts[ids[external_id]],
            items=recommendation.plan_items(),
            user=manager,
            from_recommendation=True,
        )
        stored += 1
    return stored
