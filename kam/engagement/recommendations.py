"""The channel recommendation read from the database: the activity counts, the accounts'
sectors and tiers, and the channels, one query each, handed to
:func:`kam.domain.channels.channel_ranking` (the maths, without Django).

Priors are computed from every account's history (the segment rates are company-level
aggregates); only the accounts the user may see come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from kam.accounts.models import Account
from kam.domain.channels import (
    DEFAULT_PRIOR_STRENGTH,
    ORDER_OUTCOME,
    PLAN_SIZE,
    RESPONSE_OUTCOMES,
    ReasonTexts,
    channel_ranking,
)
from kam.domain.tiers import KEY
from kam.engagement.catalogue import default_cadence, seeded_label
from kam.engagement.models import Activity, Channel
from kam.engagement.selectors import visible_accounts
from kam.engagement.services import PlanItemInput
from kam.scoring.models import AccountScore
from kam.scoring.selectors import run_in_force

if TYPE_CHECKING:
    from kam.engagement.permissions import Actor


def reason_texts() -> ReasonTexts:
    """The reason sentences in the active language (same placeholders as the domain's)."""
    return ReasonTexts(
        account=_(
            "%(channel)s: replies to %(rate)s of contacts (%(replies)s of %(contacts)s) vs "
            "%(segment_rate)s in its sector; %(orders)s order(s) worth %(revenue)s for a cost "
            "of %(cost)s; expected %(expected)s per unit of cost"
        ),
        segment=_(
            "%(channel)s: not tried with this account; in its sector %(segment_rate)s of "
            "contacts get a reply and %(segment_conversion)s an order (%(segment_contacts)s "
            "contacts); expected %(expected)s per unit of cost"
        ),
        all=_(
            "%(channel)s: not tried in its sector; across all accounts %(all_rate)s of "
            "contacts get a reply (%(all_contacts)s contacts); expected %(expected)s per unit "
            "of cost"
        ),
        none=_("%(channel)s: no activity recorded on this channel yet"),
    )


def evidence_label(evidence: str) -> str:
    return {
        "account": _("its own history"),
        "segment": _("its sector"),
        "all": _("all accounts"),
        "none": _("no history"),
    }.get(evidence, evidence)


@dataclass(frozen=True)
class ChannelAdvice:
    """One channel's place in an account's ranking, with the figures and the reason."""

    code: str
    label: str
    kind: str
    rank: int
    suggested: bool
    evidence: str
    contacts: int
    replies: int
    orders: int
    revenue: float
    cost: float
    response_rate: float | None
    conversion_rate: float | None
    expected_return: float
    reason: str

    @property
    def evidence_label(self) -> str:
        return evidence_label(self.evidence)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.code,
            "label": self.label,
            "rank": self.rank,
            "suggested": self.suggested,
            "evidence": self.evidence,
            "contacts": self.contacts,
            "replies": self.replies,
            "orders": self.orders,
            "revenue": round(self.revenue, 2),
            "cost": round(self.cost, 2),
            "response_rate": _rounded(self.response_rate),
            "conversion_rate": _rounded(self.conversion_rate),
            "expected_return": round(self.expected_return, 4),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AccountRecommendation:
    """An account's channels, best first, and the suggested plan (the ``suggested`` ones,
    with the default cadence of each channel's kind)."""

    external_id: str
    name: str
    channels: tuple[ChannelAdvice, ...]

    @property
    def suggested(self) -> list[ChannelAdvice]:
        return [c for c in self.channels if c.suggested]

    def plan_items(self) -> list[PlanItemInput]:
        return [PlanItemInput(c.code, *default_cadence(c.kind)) for c in self.suggested]

    def as_dict(self) -> dict[str, Any]:
        return {
            "account": self.external_id,
            "name": self.name,
            "suggested_plan": [
                {"channel": i.channel, "times": i.times, "period": i.period}
                for i in self.plan_items()
            ],
            "channels": [c.as_dict() for c in self.channels],
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def channel_recommendation(*, user: Actor, account: Account) -> AccountRecommendation:
    """One account's recommendation (404 when the user may not see the account)."""
    if user is not None and not visible_accounts(user).filter(pk=account.pk).exists():
        raise Http404("No such account.")
    found = _recommendations(ranking_frame([account.pk]))
    if not found:  # no active channel at all
        return AccountRecommendation(account.external_id, account.name, ())
    return found[0]


def key_account_recommendations(*, user: Actor) -> list[AccountRecommendation]:
    """The recommendation of every key account (run in force) the user may see, by
    external id."""
    return _recommendations(ranking_frame(key_account_ids(user=user)))


def key_account_ids(*, user: Actor) -> list[int]:
    """The key accounts of the run in force that the user may see."""
    run = run_in_force()
    if run is None:
        return []
    keys = AccountScore.objects.filter(run=run, tier=KEY)
    if user is not None:
        keys = keys.filter(account__in=visible_accounts(user))
    return list(keys.values_list("account_id", flat=True))


def channel_recommendations(*, user: Actor, account_ids: list[int]) -> list[AccountRecommendation]:
    """The recommendations of the given accounts that the user may see, by external id.
    A fixed number of queries whatever the number of accounts."""
    return _recommendations(recommendation_frame(user=user, account_ids=account_ids))


def recommendation_frame(*, user: Actor, account_ids: list[int]) -> pl.DataFrame:
    """:func:`ranking_frame` of the given accounts that the user may see."""
    if user is not None:
        account_ids = list(
            visible_accounts(user).filter(pk__in=account_ids).values_list("pk", flat=True)
        )
    return ranking_frame(account_ids)


def ranking_frame(
    account_ids: list[int], *, prior_strength: float = DEFAULT_PRIOR_STRENGTH
) -> pl.DataFrame:
    """:func:`channel_ranking` of the given accounts (no access check: the callers'
    business), with their external_id, name and each channel's kind; sorted by external
    id, then rank. Four queries: channels, accounts, tiers, activity counts."""
    channels = _channel_frame()
    accounts = _account_frame()
    active = channels.filter(pl.col("active"))
    ranking = channel_ranking(
        _count_frame(channels),
        accounts,
        active,
        prior_strength=prior_strength,
        plan_size=PLAN_SIZE,
        only_accounts=sorted(set(account_ids)),
        texts=reason_texts(),
    )
    return (
        ranking.join(accounts.select("account_id", "external_id", "name"), on="account_id")
        .join(active.select("channel", "kind"), on="channel")
        .sort("external_id", "rank")
    )


def _recommendations(ranking: pl.DataFrame) -> list[AccountRecommendation]:
    result = []
    for (external_id, name), rows in ranking.group_by(["external_id", "name"], maintain_order=True):
        advice = tuple(
            ChannelAdvice(
                code=r["channel"],
                label=r["label"],
                kind=r["kind"],
                rank=r["rank"],
                suggested=r["suggested"],
                evidence=r["evidence"],
                contacts=r["contacts"],
                replies=r["replies"],
                orders=r["orders"],
                revenue=r["revenue"],
                cost=r["cost"],
                response_rate=r["response_rate"],
                conversion_rate=r["conversion_rate"],
                expected_return=r["expected_return"],
                reason=r["reason"],
            )
            for r in rows.iter_rows(named=True)
        )
        result.append(AccountRecommendation(str(external_id), str(name), advice))
    return result


def _channel_frame() -> pl.DataFrame:
    rows = [
        (pk, code, seeded_label(code, name) or name, kind, float(cost), active)
        for pk, code, name, kind, cost, active in Channel.objects.values_list(
            "id", "code", "name", "kind", "unit_cost", "active"
        )
    ]
    return pl.DataFrame(
        rows,
        schema={
            "channel_id": pl.Int64,
            "channel": pl.String,
            "label": pl.String,
            "kind": pl.String,
            "unit_cost": pl.Float64,
            "active": pl.Boolean,
        },
        orient="row",
    )


def _account_frame() -> pl.DataFrame:
    """Every account's sector and tier in the run in force (empty when none)."""
    accounts = pl.DataFrame(
        list(Account.objects.order_by().values_list("id", "external_id", "name", "sector")),
        schema={
            "account_id": pl.Int64,
            "external_id": pl.String,
            "name": pl.String,
            "sector": pl.String,
        },
        orient="row",
    )
    tiers = pl.DataFrame(
        list(AccountScore.objects.filter(run__in_force=True).values_list("account_id", "tier")),
        schema={"account_id": pl.Int64, "tier": pl.String},
        orient="row",
    )
    return accounts.join(tiers, on="account_id", how="left")


def _count_frame(channels: pl.DataFrame) -> pl.DataFrame:
    """Activities counted per account and channel, in the database (one GROUP BY)."""
    rows = (
        Activity.objects.order_by()
        .values("account_id", "channel_id")
        .annotate(
            contacts=Count("id"),
            replies=Count("id", filter=Q(outcome__in=RESPONSE_OUTCOMES)),
            orders=Count("id", filter=Q(outcome=ORDER_OUTCOME)),
            revenue=Sum("order_amount"),
            cost=Sum("cost"),
        )
        .values_list("account_id", "channel_id", "contacts", "replies", "orders", "revenue", "cost")
    )
    counts = pl.DataFrame(
        [(a, c, n, r, o, float(v or 0), float(s or 0)) for a, c, n, r, o, v, s in rows],
        schema={
            "account_id": pl.Int64,
            "channel_id": pl.Int64,
            "contacts": pl.Int64,
            "replies": pl.Int64,
            "orders": pl.Int64,
            "revenue": pl.Float64,
            "cost": pl.Float64,
        },
        orient="row",
    )
    return counts.join(channels.select("channel_id", "channel"), on="channel_id").drop("channel_id")
