"""Which channels to work each account through: a ranking from the history of activities
and their outcomes, shrunk toward similar accounts when the account's own history is thin.

Counts per account and channel (see :func:`activity_counts`): ``contacts`` (activities),
``replies`` (outcome reply, meeting or order), ``orders`` (outcome order), ``revenue``
(the order amounts recorded on them: the revenue after contact) and ``cost``.

Shrinkage (empirical Bayes, a beta prior of strength ``k`` contacts, default 5)::

    rate_all(ch)      = replies(ch) / contacts(ch)                 over every account
    rate_segment(ch)  = (replies_s + k · rate_all) / (contacts_s + k)   same sector and tier
    rate_account(ch)  = (replies_a + k · rate_segment) / (contacts_a + k)

and the same for the conversion rate (orders per contact). An account with no contact
through a channel gets its segment's rate; with 20 contacts its own rate weighs 20/25.
The revenue per order shrinks the same way, ``k`` orders strong, from the mean order of
every channel (``V``) to the channel's, the segment's and the account's:
``value_all = (revenue(ch) + k · V) / (orders(ch) + k)``, and so on down.

Ranking: by the expected revenue per unit of cost of one more contact::

    expected_return = conversion_account × value_account / max(unit_cost, MIN_COST)

ties by the shrunk response rate, then by channel code. A free channel counts
``MIN_COST`` per contact, so that the ratio stays finite. Channels nobody ever used come
last, with no expected return ("no evidence").

Suggested plan: the best ``plan_size`` (3) channels among those with evidence for the
account — its own history or its segment's (same sector and tier) —, fewer when fewer
have any; never none: when neither the account nor its segment has any history, the
plan is the top of its ranking, which then rests on every account's rates.

Reasons: one sentence per account and channel with the figures behind the rank. The
English sentences can be replaced (``texts``) by translated ones with the same
placeholders. One pass of Polars expressions for every account at once; no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

DEFAULT_PRIOR_STRENGTH = 5.0
PLAN_SIZE = 3
MIN_COST = 1.0
RESPONSE_OUTCOMES = ("reply", "meeting", "order")
ORDER_OUTCOME = "order"

# Where an account's figures for a channel come from (column ``evidence``).
ACCOUNT = "account"  # the account's own history (shrunk toward its segment)
SEGMENT = "segment"  # none of its own: accounts of the same sector and tier
ALL = "all"  # none in its segment either: every account
NONE = "none"  # nobody ever used the channel

COUNT_COLUMNS = ("contacts", "replies", "orders", "revenue", "cost")


@dataclass(frozen=True)
class ReasonTexts:
    """The reason sentences, one per kind of evidence. Placeholders: ``%(channel)s``,
    ``%(rate)s``, ``%(replies)s``, ``%(contacts)s``, ``%(orders)s``, ``%(revenue)s``,
    ``%(cost)s`` (the account's own), ``%(segment_rate)s``, ``%(segment_conversion)s``,
    ``%(segment_contacts)s``, ``%(all_rate)s``, ``%(all_contacts)s``, ``%(expected)s``."""

    account: str = (
        "%(channel)s: replies to %(rate)s of contacts (%(replies)s of %(contacts)s) vs "
        "%(segment_rate)s in its sector; %(orders)s order(s) worth %(revenue)s for a cost of "
        "%(cost)s; expected %(expected)s per unit of cost"
    )
    segment: str = (
        "%(channel)s: not tried with this account; in its sector %(segment_rate)s of "
        "contacts get a reply and %(segment_conversion)s an order (%(segment_contacts)s "
        "contacts); expected %(expected)s per unit of cost"
    )
    all: str = (
        "%(channel)s: not tried in its sector; across all accounts %(all_rate)s of contacts "
        "get a reply (%(all_contacts)s contacts); expected %(expected)s per unit of cost"
    )
    none: str = "%(channel)s: no activity recorded on this channel yet"


def activity_counts(activities: pl.DataFrame) -> pl.DataFrame:
    """Activities (``account_id``, ``channel``, ``outcome``, ``cost``, ``order_amount``)
    counted per account and channel, in the columns :func:`channel_ranking` reads."""
    return activities.group_by("account_id", "channel").agg(
        contacts=pl.len().cast(pl.Int64),
        replies=pl.col("outcome").is_in(RESPONSE_OUTCOMES).sum().cast(pl.Int64),
        orders=(pl.col("outcome") == ORDER_OUTCOME).sum().cast(pl.Int64),
        revenue=pl.col("order_amount").cast(pl.Float64).fill_null(0.0).sum(),
        cost=pl.col("cost").cast(pl.Float64).fill_null(0.0).sum(),
    )


def channel_ranking(
    counts: pl.DataFrame,
    accounts: pl.DataFrame,
    channels: pl.DataFrame,
    *,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
    plan_size: int = PLAN_SIZE,
    only_accounts: list[int] | pl.Series | None = None,
    texts: ReasonTexts | None = None,
) -> pl.DataFrame:
    """Every channel of ``channels`` ranked for every account of ``accounts``.

    ``counts``: account_id, channel and the :data:`COUNT_COLUMNS` (see
    :func:`activity_counts`); ``accounts``: account_id, sector, tier (nulls allowed);
    ``channels``: channel (its code), label, unit_cost — the channels that may be
    recommended (the active ones). The priors use every account's history;
    ``only_accounts`` limits the rows returned.

    One row per account and channel: account_id, channel, label, rank (1 = best),
    suggested (in the suggested plan), evidence (account, segment, all or none), the
    account's counts, response_rate and conversion_rate (the account's, shrunk),
    value_per_order, expected_return (revenue per unit of cost), segment_response_rate,
    segment_conversion_rate, segment_contacts, all_response_rate, all_contacts and
    reason. Sorted by account_id, then rank."""
    if prior_strength < 0:
        raise ValueError("prior_strength: must be zero or more")
    if plan_size < 1:
        raise ValueError("plan_size: at least one channel")
    k = float(prior_strength)
    people = accounts.select(
        "account_id",
        pl.col("sector").cast(pl.String).fill_null(""),
        pl.col("tier").cast(pl.String).fill_null(""),
    ).unique("account_id", keep="first", maintain_order=True)
    offered = channels.select(
        pl.col("channel").cast(pl.String),
        pl.col("label").cast(pl.String),
        pl.col("unit_cost").cast(pl.Float64).fill_null(0.0),
    )
    history = _typed_counts(counts).join(people, on="account_id", how="inner")
    overall = _all_level(history, k)
    segments = _segment_level(history, people, offered, overall, k)

    shown = people
    if only_accounts is not None:
        wanted = pl.Series("account_id", only_accounts).cast(people.schema["account_id"])
        shown = people.filter(pl.col("account_id").is_in(wanted.implode()))
    own = history.select("account_id", "channel", *COUNT_COLUMNS)
    grid = (
        shown.join(offered, how="cross")
        .join(own, on=["account_id", "channel"], how="left")
        .with_columns(pl.col(c).fill_null(0) for c in COUNT_COLUMNS)
        .join(segments, on=["sector", "tier", "channel"], how="left")
    )
    ranked = grid.with_columns(
        response_rate=_shrunk("replies", "contacts", "segment_response_rate", k),
        conversion_rate=_shrunk("orders", "contacts", "segment_conversion_rate", k),
        value_per_order=_shrunk("revenue", "orders", "segment_value_per_order", k),
        evidence=pl.when(pl.col("contacts") > 0)
        .then(pl.lit(ACCOUNT))
        .when(pl.col("segment_contacts") > 0)
        .then(pl.lit(SEGMENT))
        .when(pl.col("all_contacts") > 0)
        .then(pl.lit(ALL))
        .otherwise(pl.lit(NONE)),
    ).with_columns(
        expected_return=(
            pl.col("conversion_rate")
            * pl.col("value_per_order")
            / pl.col("unit_cost").clip(lower_bound=MIN_COST)
        )
    )
    ranked = _ranked(ranked, plan_size)
    return ranked.with_columns(reason=_reasons(texts or ReasonTexts())).select(
        "account_id",
        "channel",
        "label",
        "rank",
        "suggested",
        "evidence",
        *COUNT_COLUMNS,
        "response_rate",
        "conversion_rate",
        "value_per_order",
        "unit_cost",
        "expected_return",
        "segment_response_rate",
        "segment_conversion_rate",
        "segment_contacts",
        "all_response_rate",
        "all_contacts",
        "reason",
    )


def suggested_plans(ranking: pl.DataFrame) -> pl.DataFrame:
    """The suggested plan of each account of a :func:`channel_ranking`: account_id,
    channel, label and rank, best first."""
    return ranking.filter(pl.col("suggested")).select("account_id", "channel", "label", "rank")


def _typed_counts(counts: pl.DataFrame) -> pl.DataFrame:
    return counts.select(
        "account_id",
        pl.col("channel").cast(pl.String),
        *[pl.col(c).cast(pl.Int64).fill_null(0) for c in ("contacts", "replies", "orders")],
        *[pl.col(c).cast(pl.Float64).fill_null(0.0) for c in ("revenue", "cost")],
    )


def _all_level(history: pl.DataFrame, k: float) -> pl.DataFrame:
    """Per channel, over every account: raw response and conversion rates (null for a
    channel nobody used) and the value per order shrunk toward the mean order ``V``."""
    orders, revenue = int(history["orders"].sum()), float(history["revenue"].sum())
    mean_order = revenue / orders if orders else 0.0
    return (
        history.group_by("channel")
        .agg(
            all_contacts=pl.col("contacts").sum(),
            all_replies=pl.col("replies").sum(),
            all_orders=pl.col("orders").sum(),
            all_revenue=pl.col("revenue").sum(),
        )
        .select(
            "channel",
            "all_contacts",
            all_response_rate=_ratio("all_replies", "all_contacts"),
            all_conversion_rate=_ratio("all_orders", "all_contacts"),
            all_value_per_order=(pl.col("all_revenue") + k * mean_order)
            / (pl.col("all_orders") + k).clip(lower_bound=1e-12),
        )
    )


def _segment_level(
    history: pl.DataFrame,
    people: pl.DataFrame,
    offered: pl.DataFrame,
    overall: pl.DataFrame,
    k: float,
) -> pl.DataFrame:
    """Per sector, tier and channel: the segment's rates shrunk toward every account's."""
    sums = history.group_by("sector", "tier", "channel").agg(
        segment_contacts=pl.col("contacts").sum(),
        segment_replies=pl.col("replies").sum(),
        segment_orders=pl.col("orders").sum(),
        segment_revenue=pl.col("revenue").sum(),
    )
    sums_columns = ("segment_contacts", "segment_replies", "segment_orders", "segment_revenue")
    return (
        people.select("sector", "tier")
        .unique()
        .join(offered.select("channel"), how="cross")
        .join(sums, on=["sector", "tier", "channel"], how="left")
        .with_columns(pl.col(c).fill_null(0) for c in sums_columns)
        .join(overall, on="channel", how="left")
        .with_columns(pl.col("all_contacts").fill_null(0))
        .select(
            "sector",
            "tier",
            "channel",
            "segment_contacts",
            "all_contacts",
            "all_response_rate",
            segment_response_rate=_shrunk(
                "segment_replies", "segment_contacts", "all_response_rate", k
            ),
            segment_conversion_rate=_shrunk(
                "segment_orders", "segment_contacts", "all_conversion_rate", k
            ),
            segment_value_per_order=_shrunk(
                "segment_revenue", "segment_orders", "all_value_per_order", k
            ),
        )
    )


def _ratio(part: str, whole: str) -> pl.Expr:
    return pl.when(pl.col(whole) > 0).then(pl.col(part) / pl.col(whole))


def _shrunk(successes: str, trials: str, prior: str, k: float) -> pl.Expr:
    """(successes + k · prior) / (trials + k); the raw rate when k is 0; null when the
    prior is null (nobody used the channel)."""
    own = pl.col(successes).cast(pl.Float64)
    n = pl.col(trials).cast(pl.Float64)
    if k == 0:
        return pl.when(n > 0).then(own / n).otherwise(pl.col(prior))
    return (own + k * pl.col(prior)) / (n + k)


def _ranked(frame: pl.DataFrame, plan_size: int) -> pl.DataFrame:
    has_evidence = pl.col("evidence") != NONE
    ordered = frame.with_columns(
        pl.col("expected_return").fill_nan(None).fill_null(0.0),
        __evidence=has_evidence,
    ).sort(
        ["account_id", "__evidence", "expected_return", "response_rate", "channel"],
        descending=[False, True, True, True, False],
        nulls_last=True,
    )
    near = pl.col("evidence").is_in([ACCOUNT, SEGMENT])
    return (
        ordered.with_columns(
            rank=pl.int_range(1, pl.len() + 1).over("account_id"),
            __near_rank=pl.when(near).then(near.cum_sum().over("account_id")),
            __has_near=near.any().over("account_id"),
        )
        .with_columns(
            suggested=(near & (pl.col("__near_rank") <= plan_size)).fill_null(False)
            | (~pl.col("__has_near") & (pl.col("rank") == 1))
        )
        .drop("__evidence", "__near_rank", "__has_near")
    )


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _fill(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """``template`` with each ``%(name)s`` replaced by the expression ``values[name]``,
    row by row."""
    parts: list[pl.Expr] = []
    position = 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(pl.lit(template[position : found.start()]))
        parts.append(values[found.group(1)].cast(pl.String).fill_null("—"))
        position = found.end()
    parts.append(pl.lit(template[position:]))
    return pl.concat_str(parts)


def _percent(name: str) -> pl.Expr:
    return (pl.col(name) * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit(" %")


def _money(name: str) -> pl.Expr:
    return pl.col(name).round(0).cast(pl.Int64)


def _reasons(texts: ReasonTexts) -> pl.Expr:
    raw_rate = pl.when(pl.col("contacts") > 0).then(pl.col("replies") / pl.col("contacts"))
    values = {
        "channel": pl.col("label"),
        "rate": (raw_rate * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit(" %"),
        "replies": pl.col("replies"),
        "contacts": pl.col("contacts"),
        "orders": pl.col("orders"),
        "revenue": _money("revenue"),
        "cost": _money("cost"),
        "segment_rate": _percent("segment_response_rate"),
        "segment_conversion": _percent("segment_conversion_rate"),
        "segment_contacts": pl.col("segment_contacts"),
        "all_rate": _percent("all_response_rate"),
        "all_contacts": pl.col("all_contacts"),
        "expected": pl.col("expected_return").round(2),
    }
    evidence = pl.col("evidence")
    return (
        pl.when(evidence == ACCOUNT)
        .then(_fill(texts.account, values))
        .when(evidence == SEGMENT)
        .then(_fill(texts.segment, values))
        .when(evidence == ALL)
        .then(_fill(texts.all, values))
        .otherwise(_fill(texts.none, values))
    )
