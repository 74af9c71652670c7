"""The features a scorecard can score, per account or per group: pure Polars, no Django.

:func:`feature_frame` joins the sales features computed in the ledger's engine
(:func:`kam.ledger.features.account_sales_features`) with the account attributes kept in
the database, and derives the ratios. :func:`group_feature_frame` rolls accounts up to
their group (the top of their parent chain). :data:`FEATURES` is the catalogue shown to
people who edit scorecards: each entry states how the value is computed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl

from kam.ledger.features import SALES_FEATURE_SCHEMA

FeatureKind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureSpec:
    """A feature a scorecard criterion can use: its name (a column of the feature frame),
    whether it is a number or a category, an English label (the UI translates it), its
    unit (``currency``, ``ratio`` for a fraction where 0.25 means 25 %, ``days``,
    ``months`` or ``count``) and how it is computed."""

    name: str
    kind: FeatureKind
    label: str
    unit: str = ""
    description: str = ""


def _numeric(name: str, label: str, unit: str, description: str) -> FeatureSpec:
    return FeatureSpec(name, "numeric", label, unit, description)


_CATALOGUE = (
    _numeric(
        "revenue_12m",
        "Revenue, last 12 months",
        "currency",
        "Sum of order-line amounts over the 12 months before the as-of date, returns netted.",
    ),
    _numeric(
        "revenue_prev_12m",
        "Revenue, previous 12 months",
        "currency",
        "Sum of order-line amounts over the 12 months before the last 12 months.",
    ),
    _numeric(
        "avg_monthly_revenue",
        "Average monthly revenue",
        "currency",
        "Revenue of the last 12 months divided by 12.",
    ),
    _numeric(
        "growth",
        "Revenue growth",
        "ratio",
        "(revenue last 12 months − revenue previous 12 months) / revenue previous 12 months;"
        " empty when the previous 12 months' revenue is zero or negative.",
    ),
    _numeric(
        "orders_12m",
        "Orders, last 12 months",
        "count",
        "Distinct orders with at least one purchase line (positive amount) in the last 12"
        " months; credit notes and returns are not orders.",
    ),
    _numeric(
        "quantity_12m",
        "Quantity, last 12 months",
        "count",
        "Sum of ordered quantities over the last 12 months, returns netted.",
    ),
    _numeric(
        "margin_12m",
        "Margin, last 12 months",
        "currency",
        "Sum of the known line margins over the last 12 months; empty when no line of the"
        " period carries a margin.",
    ),
    _numeric(
        "margin_rate",
        "Margin rate",
        "ratio",
        "Margin of the last 12 months / revenue of the last 12 months; empty when the"
        " revenue is zero or negative or the margin unknown.",
    ),
    _numeric(
        "product_breadth",
        "Products bought",
        "count",
        "Distinct products on purchase lines of the last 12 months (for a group: the most"
        " any one member bought).",
    ),
    _numeric(
        "category_breadth",
        "Product categories bought",
        "count",
        "Distinct product categories on purchase lines of the last 12 months (for a group:"
        " the most any one member bought).",
    ),
    _numeric(
        "active_months_12m",
        "Months with purchases",
        "months",
        "Calendar months with at least one purchase line in the last 12 months (for a"
        " group: the most of any one member).",
    ),
    _numeric(
        "recency_days",
        "Days since last order",
        "days",
        "Days from the last order line before the as-of date to the as-of date; empty"
        " when the account never bought.",
    ),
    _numeric(
        "relationship_months",
        "Relationship length",
        "months",
        "Whole months from the first order line to the as-of date; 0 when the account"
        " never bought.",
    ),
    _numeric(
        "share_of_wallet",
        "Share of wallet",
        "ratio",
        "Revenue of the last 12 months / yearly spend potential; empty when the"
        " potential is unknown or zero.",
    ),
    _numeric("employees", "Employees", "count", "Number of employees (a group: the sum)."),
    _numeric(
        "market_share",
        "Market share",
        "ratio",
        "The account's share of its own market (a group: that of its top account).",
    ),
    _numeric(
        "countries_count",
        "Countries",
        "count",
        "Distinct countries: head office and countries of operation (a group: of all its members).",
    ),
    _numeric(
        "subsidiaries_count",
        "Subsidiaries",
        "count",
        "Accounts below this one in the group, directly or at any depth.",
    ),
    _numeric(
        "strategic_fit",
        "Strategic fit",
        "",
        "A 1–5 judgement entered by people (a group: that of its top account).",
    ),
    FeatureSpec("sector", "categorical", "Sector", "", "The account's sector."),
    FeatureSpec("country", "categorical", "Country", "", "ISO code of the head office's country."),
)

FEATURES: dict[str, FeatureSpec] = {spec.name: spec for spec in _CATALOGUE}

# The attribute frame the Django side gives :func:`feature_frame`: name → type.
ATTRIBUTE_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),  # the external id
    "name": pl.String(),
    "parent_id": pl.String(),  # external id of the parent, null at the top
    "group_id": pl.String(),  # external id of the top of the chain (itself at the top)
    "sector": pl.String(),
    "country": pl.String(),
    "countries": pl.List(pl.String()),  # head office country ∪ countries of operation
    "employees": pl.Int64(),
    "market_share": pl.Float64(),
    "spend_potential": pl.Float64(),
    "strategic_fit": pl.Int64(),
    "status": pl.String(),
}

IDENTITY_COLUMNS: tuple[str, ...] = ("account_id", "name", "group_id", "parent_id", "status")
# Kept beside the features: what group_feature_frame needs to roll members up.
SUPPORT_COLUMNS: tuple[str, ...] = (
    "spend_potential",
    "countries",
    "first_order_date",
    "last_order_date",
)
# Every column of a feature frame, in order.
FEATURE_FRAME_COLUMNS: tuple[str, ...] = IDENTITY_COLUMNS + tuple(FEATURES) + SUPPORT_COLUMNS

# Sales features of an account that never bought (dates, recency stay null).
_NO_SALES = (
    "revenue_12m",
    "revenue_prev_12m",
    "margin_12m",
    "quantity_12m",
    "orders_12m",
    "product_breadth",
    "category_breadth",
    "active_months_12m",
)


def feature_frame(sales: pl.DataFrame, attributes: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """Every feature of :data:`FEATURES` for each account of ``attributes`` (one row each,
    in the order given), with ``account_id, name, group_id, parent_id, status`` and the
    support columns ``spend_potential, countries, first_order_date, last_order_date``.

    ``sales`` is the result of ``account_sales_features`` for the same ``as_of``; its
    accounts missing from ``attributes`` are ignored. An account with no sales gets 0 for
    revenues, margin, quantity, orders, breadth, active months and relationship length,
    and empty recency, dates and growth. Derived features:

    - ``avg_monthly_revenue = revenue_12m / 12``;
    - ``growth = (revenue_12m − revenue_prev_12m) / revenue_prev_12m``, empty when
      ``revenue_prev_12m ≤ 0`` (a growth from nothing, or from net returns, means nothing);
    - ``margin_rate = margin_12m / revenue_12m``, empty when revenue ≤ 0 or margin unknown;
    - ``share_of_wallet = revenue_12m / spend_potential``, empty when the potential is
      unknown or 0;
    - ``recency_days = as_of − last_order_date`` in days;
    - ``relationship_months``: whole months from ``first_order_date`` to ``as_of`` (a month
      after 31 January is 28 or 29 February);
    - ``countries_count``: distinct non-blank codes in ``countries``;
    - ``subsidiaries_count``: accounts whose parent chain goes through this one.

    Blank sectors and countries become empty (the criterion's missing-value policy
    applies). Raises ``ValueError`` naming the column or account when an input is malformed.
    """
    attrs = _conform(attributes, ATTRIBUTE_COLUMNS, "attributes")
    _refuse_duplicates(attrs, "attributes")
    sold = _conform(sales, SALES_FEATURE_SCHEMA, "sales").with_columns(_sold=pl.lit(True))
    _refuse_duplicates(sold, "sales")
    attrs = attrs.with_columns(
        pl.col("group_id").fill_null(pl.col("account_id")),
        *(
            pl.when(pl.col(name).str.strip_chars() == "")
            .then(None)
            .otherwise(pl.col(name))
            .alias(name)
            for name in ("sector", "country")
        ),
    )
    frame = (
        attrs.join(sold, on="account_id", how="left", maintain_order="left")
        .with_columns(
            # an unknown margin stays unknown; only accounts that never bought get zeros
            pl.when(pl.col("_sold")).then(pl.col(name)).otherwise(0).alias(name)
            for name in _NO_SALES
        )
        .join(_subsidiaries(attrs), on="account_id", how="left", maintain_order="left")
        .with_columns(pl.col("subsidiaries_count").fill_null(0))
    )
    return _derive(frame, as_of=as_of)


def group_feature_frame(features: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """The features of each group (accounts rolled up to the top of their parent chain):
    one row per ``group_id`` of ``features`` (a :func:`feature_frame`), with the same
    columns; ``account_id`` is the group's id and ``parent_id`` is empty.

    - summed over members: revenues, margin (known margins), quantity, orders, employees
      and spend potential (empty when no member knows it);
    - ``product_breadth``, ``category_breadth``, ``active_months_12m``: the largest value
      of any member. Distinct products or months cannot be added up without counting
      twice those two members share, so this is a lower bound of the group's true count;
    - first order: the earliest of the members; last order: the latest (so recency is
      the smallest of the members');
    - ``countries``: the union of the members' countries;
    - name, sector, country, status, market share and strategic fit: those of the top
      account (market share and strategic fit: the largest of the members when the top
      has none); if the top account is missing from ``features``, the member with the
      smallest id stands in for it;
    - ``subsidiaries_count``: members other than the top;
    - ratios (average monthly revenue, growth, margin rate, share of wallet, relationship
      length, countries count) computed again from the group's totals, as for an account.
    """
    _require_columns(features, FEATURE_FRAME_COLUMNS, "features")
    members = features.with_columns(_is_top=pl.col("account_id") == pl.col("group_id")).sort(
        ["group_id", "_is_top", "account_id"], descending=[False, True, False]
    )
    top_first = ("name", "sector", "country", "status")
    groups = members.group_by("group_id", maintain_order=True).agg(
        *(pl.col(name).first() for name in top_first),
        *(
            pl.col(name).first().fill_null(pl.col(name).max())
            for name in ("market_share", "strategic_fit")
        ),
        *(
            pl.col(name).sum()
            for name in ("revenue_12m", "revenue_prev_12m", "quantity_12m", "orders_12m")
        ),
        *(
            pl.when(pl.col(name).is_null().all())
            .then(None)
            .otherwise(pl.col(name).sum())
            .alias(name)
            for name in ("margin_12m", "employees", "spend_potential")
        ),
        *(
            pl.col(name).max()
            for name in ("product_breadth", "category_breadth", "active_months_12m")
        ),
        pl.col("first_order_date").min(),
        pl.col("last_order_date").max(),
        pl.col("countries")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique()
        .sort(),
        subsidiaries_count=(~pl.col("_is_top")).sum().cast(pl.Int64),
    )
    frame = groups.with_columns(
        account_id=pl.col("group_id"), parent_id=pl.lit(None, dtype=pl.String)
    )
    return _derive(frame, as_of=as_of)


def _derive(frame: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """The features computed from others, and the columns in their canonical order."""
    revenue, previous = pl.col("revenue_12m"), pl.col("revenue_prev_12m")
    potential = pl.col("spend_potential")
    first = pl.col("first_order_date")
    # Whole months: the month count, less one when as_of falls before the first order's
    # day in its own month (that day clamped to the month's length: 31 Jan → 28 Feb).
    as_of_month_days = calendar.monthrange(as_of.year, as_of.month)[1]
    month_count = (as_of.year - first.dt.year().cast(pl.Int64)) * 12 + (
        as_of.month - first.dt.month().cast(pl.Int64)
    )
    landing_day = pl.min_horizontal(first.dt.day().cast(pl.Int64), pl.lit(as_of_month_days))
    relationship = month_count - (pl.lit(as_of.day) < landing_day).cast(pl.Int64)
    derived = frame.with_columns(
        avg_monthly_revenue=revenue / 12,
        growth=pl.when(previous > 0).then((revenue - previous) / previous),
        margin_rate=pl.when(revenue > 0).then(pl.col("margin_12m") / revenue),
        share_of_wallet=pl.when(potential > 0).then(revenue / potential),
        recency_days=(pl.lit(as_of) - pl.col("last_order_date")).dt.total_days(),
        relationship_months=relationship.fill_null(0),
        countries=pl.col("countries").fill_null([]),
        countries_count=pl.col("countries")
        .list.eval(pl.element().filter(pl.element().str.strip_chars() != ""))
        .list.unique()
        .list.len()
        .fill_null(0)
        .cast(pl.Int64),
    )
    return derived.select(
        pl.col(name).cast(_OUTPUT_TYPES[name]) if name in _OUTPUT_TYPES else pl.col(name)
        for name in FEATURE_FRAME_COLUMNS
    )


_OUTPUT_TYPES: dict[str, pl.DataType] = {
    **ATTRIBUTE_COLUMNS,
    **SALES_FEATURE_SCHEMA,
    **{name: pl.Float64() for name in ("avg_monthly_revenue", "growth", "margin_rate")},
    "share_of_wallet": pl.Float64(),
    **{name: pl.Int64() for name in ("relationship_months", "subsidiaries_count")},
    "countries_count": pl.Int64(),
}


def _subsidiaries(attributes: pl.DataFrame) -> pl.DataFrame:
    """``account_id, subsidiaries_count``: accounts below each account, at any depth.

    Walks the parent links one level per step (groups are a few levels deep); a cycle,
    which the database refuses but an input could hold, ends the walk once no new
    (account, ancestor) pair appears instead of looping forever."""
    edges = attributes.select(child="account_id", ancestor="parent_id").filter(
        pl.col("ancestor").is_not_null() & (pl.col("ancestor") != pl.col("child"))
    )
    links = edges.rename({"child": "via", "ancestor": "next"})
    pairs = edges.unique()
    frontier = pairs
    while frontier.height:
        step = frontier.join(links, left_on="ancestor", right_on="via").select(
            "child", ancestor="next"
        )
        frontier = step.filter(pl.col("child") != pl.col("ancestor")).unique()
        frontier = frontier.join(pairs, on=["child", "ancestor"], how="anti")
        pairs = pl.concat([pairs, frontier])
    return (
        pairs.group_by("ancestor")
        .agg(subsidiaries_count=pl.len().cast(pl.Int64))
        .rename({"ancestor": "account_id"})
    )


def _require_columns(frame: pl.DataFrame, names: Iterable[str], what: str) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def _conform(frame: pl.DataFrame, types: dict[str, pl.DataType], what: str) -> pl.DataFrame:
    """``frame`` restricted to the expected columns, each cast to its type; a missing
    column or a value of the wrong kind is a ``ValueError`` naming it."""
    _require_columns(frame, types, what)
    columns = []
    for name, dtype in types.items():
        try:
            columns.append(frame.get_column(name).cast(dtype, strict=True))
        except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
            raise ValueError(f"{what}.{name}: expected {dtype}, got {frame.schema[name]}") from exc
    return pl.DataFrame(columns)


def _refuse_duplicates(frame: pl.DataFrame, what: str) -> None:
    if frame["account_id"].null_count():
        raise ValueError(f"{what}.account_id: an account has no id")
    repeated = frame.filter(pl.col("account_id").is_duplicated())["account_id"]
    if len(repeated):
        raise ValueError(f"{what}.account_id: {repeated[0]!r} appears more than once")
