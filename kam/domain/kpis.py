"""The KPIs of key account management (PRODUCT.md, "Step 4"): pure functions over frames.

Definitions, exactly as computed here:

- **Period** P = [from, to], both days included; P' is the same number of days just
  before ``from`` (:class:`Period`). Revenue is the sum of the order lines' amounts
  (returns netted) dated in the period; an account without lines has revenue 0.
- **K**, the key accounts "in force at the start of P": among the *applied* score runs
  with ``as_of`` ≤ from, the one with the latest ``as_of`` (ties: the latest
  ``applied_at``); its accounts with tier ``key``. An account that stopped being key
  during P is still in K. Without such a run there is no key-account list at the start of
  P: every key-based KPI is undefined (None), never a crash. The same rule with
  ``as_of`` ≤ to gives the key list at the end of P. (The run is chosen by the Django
  side, :mod:`kam.kpis.selectors`; this module receives the account ids.)
- **Increased purchases**: the count of K with revenue(P) > revenue(P'), and its share
  of K.
- **New key accounts signed**: key at the end of P and not key at its start, split into
  *new customers* (no purchase line — a line with a positive amount — before P) and
  *promoted* (had one). Undefined unless both lists exist.
- **Uplift** of an account: revenue(P) − revenue(P'). Over K: the total, the mean and the
  median (every account of K counts, one without revenue in P' too); the uplift in % is
  Σ uplift / Σ revenue(P'), undefined when Σ revenue(P') ≤ 0. An account's own uplift in
  % is undefined when its revenue(P') ≤ 0.
- **Share of revenue from key accounts**: Σ_K revenue(P) / Σ_all revenue(P), "all" being
  every account in scope (undefined when that total is ≤ 0).
- **Retention**: the share of K with revenue(P) > 0; the others are *lost*.
- **ROI of actions**, over the accounts of K and their activities dated in P (cost =
  the activities' costs): per account (uplift − cost) / cost; per KAM, the same with the
  sums of uplift and cost of the key accounts whose lead at the start of P was that KAM
  (accounts without a lead then form the group ``None``; a KAM without accounts has a
  row of zeros); per channel, each account's uplift is *allocated* to the channels in
  proportion to that account's activity cost per channel in P (an account with 60 of
  its 100 of cost in visits gives 60 % of its uplift to visits; an account whose
  activities cost nothing, or that has none, allocates nothing: its uplift is reported as
  ``unallocated_uplift``), then (Σ allocated uplift − Σ cost) / Σ cost. A cost of 0
  makes the ROI undefined (None, shown "—"), never a division error.
- **Activities per key account**: the number of activities on K in P divided by |K|
  (accounts without activity count as 0); **channel mix**: each channel's share of those
  activities.
- **Difference in differences** (beyond the seed: did KAM cause the growth, or the
  market?). For each account of K, its comparisons are the 3 accounts not in K of the
  same sector with the nearest log(1 + max(revenue(P'), 0)); ties by account id; an
  account may serve several key accounts (matching with replacement). When the sector
  has fewer than 3 accounts outside K, or the key account has no sector, the 3 are taken
  from every sector. DiD = mean uplift of K − mean of each key account's comparison
  uplift (the mean of its 3). Its 95 % confidence interval: the 2.5th and 97.5th
  percentiles of the DiD over 1,000 resamples of the key accounts with replacement
  (fixed seed, so the same data give the same interval). Undefined when K is empty or
  fewer than 3 accounts are outside K.

Scope: the caller passes the accounts a user may see (a KAM: their portfolio); every
total, K and the comparison pool are restricted to them.

Inputs are Polars frames (see :func:`kpi_report`); the results are frames (one per
group: KAM, account, channel) and frozen dataclasses (the company's figures).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import numpy as np

# The codes of the KPIs that have a target, in the order they are shown. Shares and
# percentages are fractions (0.25 = 25 %).
INCREASED = "increased"
INCREASED_SHARE = "increased_share"
NEW_KEY_ACCOUNTS = "new_key_accounts"
UPLIFT_MEAN = "uplift_mean"
UPLIFT_MEDIAN = "uplift_median"
UPLIFT_PCT = "uplift_pct"
KEY_REVENUE_SHARE = "key_revenue_share"
RETENTION = "retention"
ROI = "roi"
ACTIVITIES_PER_KEY_ACCOUNT = "activities_per_key_account"
DID = "did"
KPI_CODES: tuple[str, ...] = (
    INCREASED,
    INCREASED_SHARE,
    NEW_KEY_ACCOUNTS,
    UPLIFT_MEAN,
    UPLIFT_MEDIAN,
    UPLIFT_PCT,
    KEY_REVENUE_SHARE,
    RETENTION,
    ROI,
    ACTIVITIES_PER_KEY_ACCOUNT,
    DID,
)
# KPIs whose value is a share between 0 and 1.
SHARE_KPIS = frozenset({INCREASED_SHARE, KEY_REVENUE_SHARE, RETENTION})
# KPIs that also exist per KAM (the columns of the KAM frame).
KAM_KPIS = frozenset(
    {
        INCREASED,
        INCREASED_SHARE,
        UPLIFT_MEAN,
        UPLIFT_MEDIAN,
        UPLIFT_PCT,
        KEY_REVENUE_SHARE,
        RETENTION,
        ROI,
        ACTIVITIES_PER_KEY_ACCOUNT,
    }
)

AT_LEAST = "at_least"
AT_MOST = "at_most"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
# "At risk": short of the target by at most this share of it.
AT_RISK_BAND = 0.10

MATCHES = 3
RESAMPLES = 1_000
BOOTSTRAP_SEED = 20_240_601
# Resampled values held in memory at once by the bootstrap (chunks of resamples).
_BOOTSTRAP_CELLS = 2_000_000


@dataclass(frozen=True)
class Period:
    """P = [date_from, date_to], both included, and P' of the same length just before."""

    date_from: date
    date_to: date

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValueError("the period starts after it ends")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def previous_from(self) -> date:
        return self.date_from - timedelta(days=self.days)

    @property
    def previous_to(self) -> date:
        return self.date_from - timedelta(days=1)

    @classmethod
    def trailing_year(cls, today: date) -> Period:
        """The 12 months before ``today``: [today − 1 year, today − 1 day] (29 February
        a year back is 28 February)."""
        try:
            start = today.replace(year=today.year - 1)
        except ValueError:
            start = today.replace(year=today.year - 1, day=28)
        return cls(start, today - timedelta(days=1))

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "previous_from": self.previous_from.isoformat(),
            "previous_to": self.previous_to.isoformat(),
            "days": self.days,
        }


@dataclass(frozen=True)
class NewKeyAccounts:
    """Accounts key at the end of P and not at its start."""

    count: int
    new_customers: tuple[str, ...]
    promoted: tuple[str, ...]


@dataclass(frozen=True)
class Did:
    """Difference in differences of the uplift of K against matched non-key accounts.

    ``estimate``: mean uplift of K − mean uplift of their comparisons; ``ci_low`` and
    ``ci_high``: its 95 % bootstrap interval; ``n``: the key accounts; ``comparisons``:
    distinct accounts used as comparisons; ``across_sectors``: key accounts matched
    across all sectors (their sector had fewer than 3 candidates)."""

    n: int
    comparisons: int
    across_sectors: int
    key_uplift_mean: float
    comparison_uplift_mean: float
    estimate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class KpiSummary:
    """The KPIs of the accounts in scope (the company, or a KAM's portfolio). Every
    key-based figure is None when there is no key-account list at the start of P, and
    a ratio is None when its denominator is 0."""

    accounts: int
    revenue: float
    revenue_previous: float
    key_accounts: int | None
    increased: int | None
    increased_share: float | None
    key_revenue: float | None
    key_revenue_previous: float | None
    uplift_total: float | None
    uplift_mean: float | None
    uplift_median: float | None
    uplift_pct: float | None
    key_revenue_share: float | None
    retained: int | None
    retention: float | None
    lost: tuple[str, ...] | None
    activities: int | None
    activity_cost: float | None
    activities_per_key_account: float | None
    roi: float | None
    unallocated_uplift: float | None
    channel_mix: dict[str, float] | None
    new_key_accounts: NewKeyAccounts | None
    did: Did | None
    did_undefined: str | None  # why the DiD is None: no_key_list, no_key_accounts, ...

    def value(self, code: str) -> float | None:
        """The figure of a KPI code (:data:`KPI_CODES`)."""
        if code == NEW_KEY_ACCOUNTS:
            return None if self.new_key_accounts is None else self.new_key_accounts.count
        if code == DID:
            return None if self.did is None else self.did.estimate
        found = getattr(self, code)
        return None if found is None else float(found)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lost"] = list(self.lost) if self.lost is not None else None
        if self.new_key_accounts is not None:
            data["new_key_accounts"] = {
                "count": self.new_key_accounts.count,
                "new_customers": list(self.new_key_accounts.new_customers),
                "promoted": list(self.new_key_accounts.promoted),
            }
        return data


@dataclass(frozen=True)
class KpiReport:
    """Every KPI of a period: the summary, and the frames per KAM, account and channel.

    - ``by_kam``: ``lead`` (None: no lead at the start of P), ``accounts`` (in scope, led
      by them at the start of P), then the summary's per-group columns;
    - ``by_account``: one row per account of K (empty without a key list);
    - ``by_channel``: one row per channel used on K in P."""

    period: Period
    has_key_list: bool
    has_key_list_at_end: bool
    summary: KpiSummary
    by_kam: pl.DataFrame
    by_account: pl.DataFrame
    by_channel: pl.DataFrame


# -- inputs ------------------------------------------------------------------------------

ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "name": pl.String(),
    "sector": pl.String(),
}
REVENUE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "revenue": pl.Float64(),  # in P
    "revenue_previous": pl.Float64(),  # in P'
    "bought_before": pl.Boolean(),  # a purchase line dated before P
}
ACTIVITY_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "channel": pl.String(),
    "activities": pl.Int64(),  # in P
    "cost": pl.Float64(),
}
LEAD_SCHEMA: dict[str, pl.DataType] = {"account_id": pl.String(), "lead": pl.String()}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )


def account_frame(
    *,
    accounts: pl.DataFrame,
    revenue: pl.DataFrame,
    activities: pl.DataFrame,
    leads: pl.DataFrame,
    key_start: Iterable[str] | None,
    key_end: Iterable[str] | None,
) -> pl.DataFrame:
    """One row per account in scope with everything the KPIs read: revenue in P and P',
    uplift, whether it bought before P, key at start / end, lead at the start of P, and
    its activities and their cost in P. Revenue of ids not in ``accounts`` is ignored."""
    accounts = _conform(accounts, ACCOUNT_SCHEMA).unique("account_id", keep="first")
    revenue = (
        _conform(revenue, REVENUE_SCHEMA)
        .group_by("account_id")
        .agg(
            pl.col("revenue").sum(), pl.col("revenue_previous").sum(), pl.col("bought_before").any()
        )
    )
    spent = (
        _conform(activities, ACTIVITY_SCHEMA)
        .group_by("account_id")
        .agg(pl.col("activities").sum(), pl.col("cost").sum())
    )
    leads = _conform(leads, LEAD_SCHEMA).unique("account_id", keep="last")
    key_start_ids = pl.Series("account_id", list(key_start or []), dtype=pl.String)
    key_end_ids = pl.Series("account_id", list(key_end or []), dtype=pl.String)
    return (
        accounts.join(revenue, on="account_id", how="left")
        .join(spent, on="account_id", how="left")
        .join(leads, on="account_id", how="left")
        .with_columns(
            pl.col("revenue").fill_nan(0.0).fill_null(0.0),
            pl.col("revenue_previous").fill_nan(0.0).fill_null(0.0),
            pl.col("bought_before").fill_null(False),
            pl.col("activities").fill_null(0),
            pl.col("cost").fill_nan(0.0).fill_null(0.0),
            is_key=pl.col("account_id").is_in(key_start_ids.implode()),
            key_at_end=pl.col("account_id").is_in(key_end_ids.implode()),
        )
        .with_columns(uplift=pl.col("revenue") - pl.col("revenue_previous"))
        .sort("account_id")
    )


# -- the report --------------------------------------------------------------------------


def kpi_report(
    *,
    period: Period,
    accounts: pl.DataFrame,
    revenue: pl.DataFrame,
    activities: pl.DataFrame,
    leads: pl.DataFrame,
    key_start: Iterable[str] | None,
    key_end: Iterable[str] | None,
    managers: Sequence[str] = (),
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> KpiReport:
    """Every KPI of ``period`` for the accounts in scope.

    - ``accounts``: ``account_id``, ``name``, ``sector`` — every account in scope;
    - ``revenue``: ``account_id``, ``revenue`` (in P), ``revenue_previous`` (in P'),
      ``bought_before`` (a purchase line before P); absent accounts bought nothing;
    - ``activities``: ``account_id``, ``channel``, ``activities`` (count), ``cost`` — the
      activities dated in P, per account and channel;
    - ``leads``: ``account_id``, ``lead`` — the lead manager at the start of P;
    - ``key_start``, ``key_end``: the key accounts at the start and end of P, or None
      when no list was in force then;
    - ``managers``: the KAMs to list per KAM even when they led no account."""
    frame = account_frame(
        accounts=accounts,
        revenue=revenue,
        activities=activities,
        leads=leads,
        key_start=key_start,
        key_end=key_end,
    )
    has_key = key_start is not None
    has_end = key_end is not None
    channel_costs = _conform(activities, ACTIVITY_SCHEMA).join(
        frame.select("account_id", "is_key", "uplift", total_cost="cost"), on="account_id"
    )
    by_channel = channel_frame(channel_costs.filter(pl.col("is_key"))) if has_key else None
    summary = _summary(frame, has_key=has_key, by_channel=by_channel)
    new_key = new_key_accounts(frame) if has_key and has_end else None
    did: Did | None = None
    why: str | None = "no_key_list"
    if has_key:
        did, why = difference_in_differences(frame, resamples=resamples, seed=seed)
    summary = _with(summary, new_key_accounts=new_key, did=did, did_undefined=why)
    return KpiReport(
        period=period,
        has_key_list=has_key,
        has_key_list_at_end=has_end,
        summary=summary,
        by_kam=kam_frame(frame, managers=managers, has_key=has_key),
        by_account=account_rows(frame) if has_key else account_rows(frame.clear()),
        by_channel=by_channel if by_channel is not None else channel_frame(channel_costs.clear()),
    )


def _with(summary: KpiSummary, **changes: Any) -> KpiSummary:
    return KpiSummary(**{**summary.__dict__, **changes})


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null when the denominator is not positive."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def _group_exprs() -> list[pl.Expr]:
    """The KPIs of a set of accounts (every account of a group, K flagged ``is_key``)."""
    key = pl.col("is_key")
    key_accounts = key.sum().cast(pl.Int64)
    uplift = pl.col("uplift").filter(key)
    key_prev = pl.col("revenue_previous").filter(key).sum()
    key_revenue = pl.col("revenue").filter(key).sum()
    cost = pl.col("cost").filter(key).sum()
    activities = pl.col("activities").filter(key).sum().cast(pl.Int64)
    retained = (key & (pl.col("revenue") > 0)).sum().cast(pl.Int64)
    increased = (key & (pl.col("revenue") > pl.col("revenue_previous"))).sum().cast(pl.Int64)
    return [
        pl.len().cast(pl.Int64).alias("accounts"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("revenue_previous").sum().alias("revenue_previous"),
        key_accounts.alias("key_accounts"),
        increased.alias("increased"),
        _ratio(increased, key_accounts).alias("increased_share"),
        key_revenue.alias("key_revenue"),
        key_prev.alias("key_revenue_previous"),
        uplift.sum().alias("uplift_total"),
        uplift.mean().alias("uplift_mean"),
        uplift.median().alias("uplift_median"),
        _ratio(uplift.sum(), key_prev).alias("uplift_pct"),
        _ratio(key_revenue, pl.col("revenue").sum()).alias("key_revenue_share"),
        retained.alias("retained"),
        _ratio(retained, key_accounts).alias("retention"),
        (key_accounts - retained).alias("lost"),
        activities.alias("activities"),
        cost.alias("activity_cost"),
        _ratio(activities, key_accounts).alias("activities_per_key_account"),
        _ratio(uplift.sum() - cost, cost).alias("roi"),
    ]


# Columns of the group frames that are undefined without a key-account list.
_KEY_COLUMNS = (
    "key_accounts",
    "increased",
    "increased_share",
    "key_revenue",
    "key_revenue_previous",
    "uplift_total",
    "uplift_mean",
    "uplift_median",
    "uplift_pct",
    "key_revenue_share",
    "retained",
    "retention",
    "lost",
    "activities",
    "activity_cost",
    "activities_per_key_account",
    "roi",
)


def _summary(frame: pl.DataFrame, *, has_key: bool, by_channel: pl.DataFrame | None) -> KpiSummary:
    row = frame.select(_group_exprs()).row(0, named=True)
    lost = frame.filter(pl.col("is_key") & (pl.col("revenue") <= 0))["account_id"].to_list()
    if not has_key:
        row.update(dict.fromkeys(_KEY_COLUMNS))
    del row["lost"]
    mix = None
    unallocated = None
    if by_channel is not None:
        mix = dict(
            zip(
                by_channel["channel"].to_list(), by_channel["activity_share"].to_list(), strict=True
            )
        )
        allocated = float(by_channel["allocated_uplift"].sum())
        unallocated = float(row["uplift_total"] or 0.0) - allocated
    return KpiSummary(
        **row,
        lost=tuple(lost) if has_key else None,
        unallocated_uplift=unallocated,
        channel_mix=mix,
        new_key_accounts=None,
        did=None,
        did_undefined=None,
    )


def kam_frame(frame: pl.DataFrame, *, managers: Sequence[str], has_key: bool) -> pl.DataFrame:
    """The KPIs per lead at the start of P (``lead`` None: accounts without a lead then);
    every manager of ``managers`` has a row, with 0 accounts if they led none. Sorted by
    lead, the group without a lead last."""
    grouped = frame.group_by("lead").agg(_group_exprs())
    idle = [m for m in dict.fromkeys(managers) if m not in set(grouped["lead"].to_list())]
    if idle:
        nobody = frame.clear().with_columns(pl.lit(None, dtype=pl.String).alias("lead"))
        zeros = pl.concat(
            [nobody.select(_group_exprs()).with_columns(lead=pl.lit(m)) for m in idle]
        )
        grouped = pl.concat([grouped, zeros.select(grouped.columns)], how="vertical_relaxed")
    if not has_key:
        grouped = grouped.with_columns(
            [pl.lit(None).cast(grouped[c].dtype).alias(c) for c in _KEY_COLUMNS]
        )
    return grouped.sort("lead", nulls_last=True)


def account_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per account of K: revenue, uplift (and in %: None when revenue(P') ≤ 0),
    increased, retained, activities, cost, ROI (None when the cost is 0), still key at
    the end of P, lead at the start. Largest revenue(P) first, ties by account id."""
    return (
        frame.filter(pl.col("is_key"))
        .select(
            "account_id",
            "name",
            "sector",
            "lead",
            "revenue_previous",
            "revenue",
            "uplift",
            _ratio(pl.col("uplift"), pl.col("revenue_previous")).alias("uplift_pct"),
            (pl.col("revenue") > pl.col("revenue_previous")).alias("increased"),
            (pl.col("revenue") > 0).alias("retained"),
            "activities",
            pl.col("cost").alias("activity_cost"),
            _ratio(pl.col("uplift") - pl.col("cost"), pl.col("cost")).alias("roi"),
            "key_at_end",
        )
        .sort(["revenue", "account_id"], descending=[True, False])
    )


def channel_frame(costs: pl.DataFrame) -> pl.DataFrame:
    """Per channel: activities, their share of all (the channel mix), cost, the uplift
    allocated to it (each account's uplift × the channel's share of that account's
    cost; nothing from an account whose activities cost 0) and ROI. ``costs``: the
    activity rows (``account_id``, ``channel``, ``activities``, ``cost``) of the accounts
    counted, with their ``uplift`` and ``total_cost``. Sorted by channel."""
    allocated = pl.when(pl.col("total_cost") > 0).then(
        pl.col("uplift") * pl.col("cost") / pl.col("total_cost")
    )
    per_channel = costs.group_by("channel").agg(
        pl.col("activities").sum().cast(pl.Int64),
        pl.col("cost").sum().alias("activity_cost"),
        allocated.fill_null(0.0).sum().alias("allocated_uplift"),
    )
    total = pl.col("activities").sum()
    return per_channel.select(
        "channel",
        "activities",
        _ratio(pl.col("activities"), total).alias("activity_share"),
        "activity_cost",
        "allocated_uplift",
        _ratio(pl.col("allocated_uplift") - pl.col("activity_cost"), pl.col("activity_cost")).alias(
            "roi"
        ),
    ).sort("channel")


def new_key_accounts(frame: pl.DataFrame) -> NewKeyAccounts:
    """Key at the end of P and not at its start: new customers (no purchase before P)
    and promoted accounts (bought before), each sorted by account id."""
    new = frame.filter(pl.col("key_at_end") & ~pl.col("is_key"))
    customers = new.filter(~pl.col("bought_before"))["account_id"].sort().to_list()
    promoted = new.filter(pl.col("bought_before"))["account_id"].sort().to_list()
    return NewKeyAccounts(new.height, tuple(customers), tuple(promoted))


# -- difference in differences -------------------------------------------------------------


def difference_in_differences(
    frame: pl.DataFrame, *, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[Did | None, str | None]:
    """The DiD of K (``is_key``) against matched accounts outside K (module docstring),
    or None and why: ``no_key_accounts`` (K is empty) or ``too_few_comparisons`` (fewer
    than 3 accounts outside K)."""
    import numpy as np  # here, not at the top: `kam` commands load this module

    ordered = frame.sort("account_id")
    size = np.log1p(ordered["revenue_previous"].clip(lower_bound=0.0).to_numpy())
    uplift = ordered["uplift"].to_numpy().astype(float)
    is_key = ordered["is_key"].to_numpy().astype(bool)
    sector = ordered["sector"].fill_null("").str.strip_chars()
    if not is_key.any():
        return None, "no_key_accounts"
    if (~is_key).sum() < MATCHES:
        return None, "too_few_comparisons"
    keys = np.flatnonzero(is_key)
    pool = np.flatnonzero(~is_key)
    # 1, 2, … by sector name (no sort of Python strings)
    codes = sector.rank("dense").to_numpy().astype(np.int64)
    blank = (sector == "").to_numpy()
    per_sector = np.bincount(codes[pool], minlength=codes.max() + 1)
    in_sector = (~blank[keys]) & (per_sector[codes[keys]] >= MATCHES)
    matched = np.empty((keys.size, MATCHES), dtype=np.int64)
    # Rows are in account id order, so a row's index ranks its account id.
    matched[in_sector] = nearest(size, codes, keys[in_sector], pool)
    everywhere = np.zeros_like(codes)
    matched[~in_sector] = nearest(size, everywhere, keys[~in_sector], pool)
    differences = uplift[keys] - uplift[matched].mean(axis=1)
    low, high = bootstrap_interval(differences, resamples=resamples, seed=seed)
    comparison_mean = float(uplift[matched].mean(axis=1).mean())
    return (
        Did(
            n=int(keys.size),
            comparisons=int(np.unique(matched).size),
            across_sectors=int((~in_sector).sum()),
            key_uplift_mean=float(uplift[keys].mean()),
            comparison_uplift_mean=comparison_mean,
            estimate=float(differences.mean()),
            ci_low=low,
            ci_high=high,
        ),
        None,
    )


def nearest(size: np.ndarray, group: np.ndarray, keys: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """For each row index in ``keys``, the indices of the :data:`MATCHES` rows of
    ``pool`` in the same ``group`` with the nearest ``size``; ties go to the lower index.
    Each group must hold at least :data:`MATCHES` rows of ``pool``.

    In one group sorted by size, the nearest rows are the closest on either side of the
    key's place: at most 3 below and 3 above, found by a binary search of every key at
    once (no key × pool matrix). Below, the rows are sorted with ties by *descending*
    index, above by ascending index, so that the rows next to the key's place are, among
    equally near ones, those of lowest index."""
    import numpy as np  # here, not at the top: `kam` commands load this module

    if keys.size == 0:
        return np.empty((0, MATCHES), dtype=np.int64)
    # An exact integer sort key: (group, rank of the size).
    levels, rank = np.unique(np.concatenate([size[keys], size[pool]]), return_inverse=True)
    key_rank, pool_rank = rank[: keys.size], rank[keys.size :]
    stride = np.int64(levels.size + 1)
    key_place = group[keys].astype(np.int64) * stride + key_rank
    pool_place = group[pool].astype(np.int64) * stride + pool_rank
    above = pool[np.lexsort((pool, pool_place))]
    below = pool[np.lexsort((-pool, pool_place))]
    above_place = np.sort(pool_place)
    start_above = np.searchsorted(above_place, key_place, side="left")
    offsets = np.arange(MATCHES)
    candidates = np.concatenate(
        [
            _window(below, start_above[:, None] - 1 - offsets),
            _window(above, start_above[:, None] + offsets),
        ],
        axis=1,
    )
    valid = candidates >= 0
    safe = np.where(valid, candidates, 0)
    same_group = valid & (group[safe] == group[keys][:, None])
    distance = np.where(same_group, np.abs(size[safe] - size[keys][:, None]), np.inf)
    order = np.lexsort((np.where(same_group, safe, np.iinfo(np.int64).max), distance), axis=1)
    chosen = np.take_along_axis(safe, order[:, :MATCHES], axis=1)
    if not np.isfinite(np.take_along_axis(distance, order[:, :MATCHES], axis=1)).all():
        raise ValueError("a group holds fewer comparison rows than needed")
    return chosen


def _window(ordered: np.ndarray, places: np.ndarray) -> np.ndarray:
    """The rows at ``places`` of ``ordered``, −1 where a place is outside it."""
    import numpy as np  # here, not at the top: `kam` commands load this module

    inside = (places >= 0) & (places < ordered.size)
    return np.where(inside, ordered[np.clip(places, 0, ordered.size - 1)], -1)


def bootstrap_interval(
    values: np.ndarray, *, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the mean of ``values`` over ``resamples``
    resamples with replacement (a fixed seed: the same values give the same interval)."""
    import numpy as np  # here, not at the top: `kam` commands load this module

    rng = np.random.default_rng(seed)
    n = values.size
    chunk = max(1, _BOOTSTRAP_CELLS // max(n, 1))
    means = np.empty(resamples)
    for start in range(0, resamples, chunk):
        count = min(chunk, resamples - start)
        means[start : start + count] = values[rng.integers(0, n, size=(count, n))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


# -- targets -------------------------------------------------------------------------------


def target_status(actual: float | None, target: float, direction: str) -> str | None:
    """``on_track`` when the target is met, ``at_risk`` when short of it by at most 10 %
    of the target (of its absolute value), ``off_track`` beyond; None without an actual
    figure. ``direction``: :data:`AT_LEAST` or :data:`AT_MOST`."""
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return None
    band = AT_RISK_BAND * abs(target)
    if direction == AT_LEAST:
        shortfall = target - actual
    elif direction == AT_MOST:
        shortfall = actual - target
    else:
        raise ValueError(f"direction must be {AT_LEAST!r} or {AT_MOST!r}, not {direction!r}")
    if shortfall <= 0:
        return ON_TRACK
    return AT_RISK if shortfall <= band + 1e-12 else OFF_TRACK
