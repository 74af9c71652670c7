"""Feature frames: sales features joined with account attributes, and group roll-ups.
Pure Polars: no database, no ledger."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.domain.features import (
    ATTRIBUTE_COLUMNS,
    FEATURE_FRAME_COLUMNS,
    FEATURES,
    feature_frame,
    group_feature_frame,
)
from kam.ledger.features import SALES_FEATURE_SCHEMA

AS_OF = date(2026, 1, 1)


def _attributes(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults: dict[str, Any] = {
        "name": None,
        "parent_id": None,
        "group_id": None,
        "sector": "Retail",
        "country": "FR",
        "countries": ["FR"],
        "employees": None,
        "market_share": None,
        "spend_potential": None,
        "strategic_fit": None,
        "status": "active",
    }
    full = [{**defaults, "name": row["account_id"].lower(), **row} for row in rows]
    return pl.DataFrame(full, schema=ATTRIBUTE_COLUMNS)


def _sales(*rows: dict[str, Any]) -> pl.DataFrame:
    defaults: dict[str, Any] = {
        "revenue_12m": 0.0,
        "revenue_prev_12m": 0.0,
        "margin_12m": 0.0,
        "quantity_12m": 0.0,
        "orders_12m": 0,
        "product_breadth": 0,
        "category_breadth": 0,
        "active_months_12m": 0,
        "recency_days": 0,
        "first_order_date": date(2025, 1, 1),
        "last_order_date": date(2025, 12, 1),
    }
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=SALES_FEATURE_SCHEMA)


def _by_id(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["account_id"]: row for row in frame.to_dicts()}


def test_derived_features_follow_their_formulas():
    # given an account that sold 1200 this year, 1000 the year before, with margins,
    # a spend potential and three distinct countries (one repeated, one blank)
    attributes = _attributes(
        {
            "account_id": "A",
            "spend_potential": 4800.0,
            "countries": ["FR", "DE", "FR", "", "US"],
            "employees": 250,
            "market_share": 0.12,
            "strategic_fit": 4,
        }
    )
    sales = _sales(
        {
            "account_id": "A",
            "revenue_12m": 1200.0,
            "revenue_prev_12m": 1000.0,
            "margin_12m": 300.0,
            "first_order_date": date(2023, 10, 15),
            "last_order_date": date(2025, 12, 22),
        }
    )
    # when the feature frame is built
    a = _by_id(feature_frame(sales, attributes, as_of=AS_OF))["A"]
    # then
    assert a["avg_monthly_revenue"] == 100.0
    assert a["growth"] == pytest.approx(0.2)
    assert a["margin_rate"] == 0.25
    assert a["share_of_wallet"] == 0.25
    assert a["recency_days"] == 10
    assert a["relationship_months"] == 26  # 15 Oct 2023 → 15 Dec 2025, not yet 15 Jan
    assert a["countries_count"] == 3
    assert (a["employees"], a["market_share"], a["strategic_fit"]) == (250, 0.12, 4)


def test_every_attribute_row_appears_once_with_every_column_and_type():
    # given two accounts, one of which has sales, and sales of an unknown account
    attributes = _attributes({"account_id": "A"}, {"account_id": "B"})
    sales = _sales({"account_id": "B", "revenue_12m": 5.0}, {"account_id": "Z"})
    # when
    frame = feature_frame(sales, attributes, as_of=AS_OF)
    # then the accounts of the attributes, in order, and nothing else
    assert frame["account_id"].to_list() == ["A", "B"]
    assert tuple(frame.columns) == FEATURE_FRAME_COLUMNS
    assert set(FEATURES) <= set(frame.columns)
    assert frame.schema["revenue_12m"] == pl.Float64
    assert frame.schema["orders_12m"] == pl.Int64
    assert frame.schema["countries"] == pl.List(pl.String)


def test_an_account_without_sales_gets_zeros_and_empty_dates():
    # given an account absent from the sales features
    frame = feature_frame(_sales(), _attributes({"account_id": "A"}), as_of=AS_OF)
    a = _by_id(frame)["A"]
    # then its sales measures are zero, what depends on a first/last order is empty
    for name in ("revenue_12m", "revenue_prev_12m", "margin_12m", "quantity_12m"):
        assert a[name] == 0.0
    for name in ("orders_12m", "product_breadth", "category_breadth", "active_months_12m"):
        assert a[name] == 0
    assert a["relationship_months"] == 0
    assert a["recency_days"] is None and a["first_order_date"] is None
    assert a["growth"] is None and a["margin_rate"] is None


def test_an_account_that_stopped_buying_shrank_by_100_percent():
    sales = _sales({"account_id": "A", "revenue_12m": 0.0, "revenue_prev_12m": 500.0})
    a = _by_id(feature_frame(sales, _attributes({"account_id": "A"}), as_of=AS_OF))["A"]
    assert a["growth"] == -1.0
    assert a["margin_rate"] is None  # no revenue: no rate


def test_ratios_with_no_base_are_empty_not_infinite():
    # given a new account (nothing the year before), one with net returns the year
    # before, one with an unknown margin and a zero spend potential
    attributes = _attributes(
        {"account_id": "NEW", "spend_potential": 0.0},
        {"account_id": "RET"},
        {"account_id": "UNK", "spend_potential": None},
    )
    sales = _sales(
        {"account_id": "NEW", "revenue_12m": 100.0, "revenue_prev_12m": 0.0},
        {"account_id": "RET", "revenue_12m": 100.0, "revenue_prev_12m": -20.0},
        {"account_id": "UNK", "revenue_12m": 100.0, "margin_12m": None},
    )
    # when
    rows = _by_id(feature_frame(sales, attributes, as_of=AS_OF))
    # then
    assert rows["NEW"]["growth"] is None and rows["NEW"]["share_of_wallet"] is None
    assert rows["RET"]["growth"] is None
    assert rows["UNK"]["margin_rate"] is None and rows["UNK"]["share_of_wallet"] is None
    assert rows["UNK"]["margin_12m"] is None  # unknown stays unknown


def test_blank_sector_and_country_are_missing_values():
    attributes = _attributes({"account_id": "A", "sector": "  ", "country": ""})
    a = _by_id(feature_frame(_sales(), attributes, as_of=AS_OF))["A"]
    assert a["sector"] is None and a["country"] is None


def test_relationship_months_clamp_to_the_end_of_short_months():
    # given first orders on 31 January and 29 February
    attributes = _attributes({"account_id": "JAN"}, {"account_id": "FEB"})
    sales = _sales(
        {"account_id": "JAN", "first_order_date": date(2025, 1, 31)},
        {"account_id": "FEB", "first_order_date": date(2024, 2, 29)},
    )
    # when computed as of 28 February 2025
    rows = _by_id(feature_frame(sales, attributes, as_of=date(2025, 2, 28)))
    # then a month after 31 January is 28 February, a year after 29 February is 28th
    assert rows["JAN"]["relationship_months"] == 1
    assert rows["FEB"]["relationship_months"] == 12


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


@settings(max_examples=200)
@given(
    first=st.dates(date(2015, 1, 1), date(2025, 12, 31)),
    gap=st.integers(0, 4000),
)
def test_relationship_months_are_the_whole_months_elapsed(first: date, gap: int):
    # given a first order and a later as-of date
    as_of = first + timedelta(days=gap)
    sales = _sales({"account_id": "A", "first_order_date": first})
    # when
    months = feature_frame(sales, _attributes({"account_id": "A"}), as_of=as_of)[
        "relationship_months"
    ][0]
    # then adding that many months stays within as_of, one more goes past it
    assert _add_months(first, months) <= as_of < _add_months(first, months + 1)


def test_subsidiaries_are_counted_at_every_depth():
    # given G ← S1 ← S2 ← S3, G ← S4, and a lone account
    attributes = _attributes(
        {"account_id": "G", "group_id": "G"},
        {"account_id": "S1", "parent_id": "G", "group_id": "G"},
        {"account_id": "S2", "parent_id": "S1", "group_id": "G"},
        {"account_id": "S3", "parent_id": "S2", "group_id": "G"},
        {"account_id": "S4", "parent_id": "G", "group_id": "G"},
        {"account_id": "L"},
    )
    # when
    frame = feature_frame(_sales(), attributes, as_of=AS_OF)
    # then
    counts = dict(zip(frame["account_id"], frame["subsidiaries_count"], strict=True))
    assert counts == {"G": 4, "S1": 2, "S2": 1, "S3": 0, "S4": 0, "L": 0}
    # and an account without a group id is its own group
    assert _by_id(frame)["L"]["group_id"] == "L"


def test_a_cycle_of_parents_does_not_hang():
    # given a cycle the database would refuse, from a hostile input
    attributes = _attributes(
        {"account_id": "A", "parent_id": "B", "group_id": "A"},
        {"account_id": "B", "parent_id": "A", "group_id": "A"},
    )
    # when / then: the walk ends
    frame = feature_frame(_sales(), attributes, as_of=AS_OF)
    assert frame["subsidiaries_count"].to_list() == [1, 1]


def test_malformed_inputs_are_refused_with_the_column_named():
    attributes = _attributes({"account_id": "A"}, {"account_id": "B"})
    with pytest.raises(ValueError, match=r"attributes: missing column\(s\) sector"):
        feature_frame(_sales(), attributes.drop("sector"), as_of=AS_OF)
    duplicated = pl.concat([attributes, attributes.head(1)])
    with pytest.raises(ValueError, match=r"attributes.account_id: 'A' appears more than once"):
        feature_frame(_sales(), duplicated, as_of=AS_OF)
    wrong = attributes.with_columns(employees=pl.lit("many"))
    with pytest.raises(ValueError, match=r"attributes.employees: expected Int64"):
        feature_frame(_sales(), wrong, as_of=AS_OF)
    with pytest.raises(ValueError, match=r"sales: missing column\(s\) revenue_12m"):
        feature_frame(_sales().drop("revenue_12m"), attributes, as_of=AS_OF)


# -- groups --------------------------------------------------------------------------


def _group_example() -> pl.DataFrame:
    attributes = _attributes(
        {
            "account_id": "G",
            "group_id": "G",
            "sector": "Energy",
            "countries": ["FR", "DE"],
            "employees": 1000,
            "spend_potential": 10_000.0,
            "strategic_fit": None,
        },
        {
            "account_id": "S1",
            "parent_id": "G",
            "group_id": "G",
            "sector": "Retail",
            "countries": ["DE", "IT"],
            "employees": None,
            "market_share": 0.3,
            "strategic_fit": 2,
        },
        {
            "account_id": "S2",
            "parent_id": "S1",
            "group_id": "G",
            "countries": ["ES"],
            "employees": 50,
            "spend_potential": 2_000.0,
            "market_share": 0.1,
            "strategic_fit": 5,
        },
        {"account_id": "L", "group_id": "L", "employees": None},
    )
    sales = _sales(
        {
            "account_id": "G",
            "revenue_12m": 600.0,
            "revenue_prev_12m": 500.0,
            "margin_12m": 60.0,
            "orders_12m": 3,
            "product_breadth": 4,
            "active_months_12m": 3,
            "first_order_date": date(2024, 3, 1),
            "last_order_date": date(2025, 11, 1),
        },
        {
            "account_id": "S2",
            "revenue_12m": 600.0,
            "revenue_prev_12m": 500.0,
            "margin_12m": None,
            "orders_12m": 5,
            "product_breadth": 2,
            "active_months_12m": 7,
            "first_order_date": date(2022, 6, 1),
            "last_order_date": date(2025, 12, 21),
        },
    )
    return feature_frame(sales, attributes, as_of=AS_OF)


def test_a_group_rolls_its_members_up():
    # given a group G with two subsidiaries at two levels, and a lone account L
    # when rolled up to groups
    groups = _by_id(group_feature_frame(_group_example(), as_of=AS_OF))
    # then one row per group
    assert sorted(groups) == ["G", "L"]
    g = groups["G"]
    # sums, and ratios from the sums
    assert (g["revenue_12m"], g["revenue_prev_12m"], g["orders_12m"]) == (1200.0, 1000.0, 8)
    assert g["growth"] == pytest.approx(0.2) and g["avg_monthly_revenue"] == 100.0
    assert g["margin_12m"] == 60.0 and g["margin_rate"] == 0.05  # S2's margin unknown
    assert g["employees"] == 1050 and g["spend_potential"] == 12_000.0
    assert g["share_of_wallet"] == pytest.approx(0.1)
    # breadth and active months: the largest member's
    assert (g["product_breadth"], g["active_months_12m"]) == (4, 7)
    # dates: the earliest first order, the latest last order
    assert g["relationship_months"] == 43  # since 1 June 2022
    assert g["recency_days"] == 11
    # the union of countries
    assert g["countries"] == ["DE", "ES", "FR", "IT"] and g["countries_count"] == 4
    # the top account's attributes; the largest member's when the top has none
    assert (g["name"], g["sector"], g["parent_id"]) == ("g", "Energy", None)
    assert g["market_share"] == 0.3 and g["strategic_fit"] == 5
    assert g["subsidiaries_count"] == 2
    # and a group of one is that account
    assert groups["L"]["revenue_12m"] == 0.0 and groups["L"]["employees"] is None


def test_a_group_frame_has_the_feature_frame_columns():
    groups = group_feature_frame(_group_example(), as_of=AS_OF)
    assert tuple(groups.columns) == FEATURE_FRAME_COLUMNS
    assert groups.schema == _group_example().schema


def test_a_group_whose_top_is_missing_takes_its_smallest_member_as_top():
    features = _group_example().filter(pl.col("account_id") != "G")
    g = _by_id(group_feature_frame(features, as_of=AS_OF))["G"]
    assert g["name"] == "s1"
    assert g["subsidiaries_count"] == 2


# -- properties over random groups ---------------------------------------------------


@st.composite
def _forest(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random accounts in groups (each parent drawn among earlier accounts: no cycle),
    with random revenue for some of them."""
    size = draw(st.integers(1, 25))
    parents: list[int | None] = [
        draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(size)
    ]
    tops = []
    for i in range(size):
        top = i
        while parents[top] is not None:
            top = parents[top]  # type: ignore[assignment]
        tops.append(top)
    attributes = _attributes(
        *(
            {
                "account_id": f"A{i}",
                "parent_id": None if parents[i] is None else f"A{parents[i]}",
                "group_id": f"A{tops[i]}",
                "employees": draw(st.one_of(st.none(), st.integers(0, 1000))),
            }
            for i in range(size)
        )
    )
    sold = draw(st.lists(st.integers(0, size - 1), unique=True))
    sales = _sales(
        *(
            {"account_id": f"A{i}", "revenue_12m": float(draw(st.integers(-100, 10_000)))}
            for i in sold
        )
    )
    return attributes, sales


@settings(max_examples=60, deadline=None)
@given(data=_forest())
def test_group_totals_are_the_sums_of_their_members(data: tuple[pl.DataFrame, pl.DataFrame]):
    # given random groups
    attributes, sales = data
    # when the account and group frames are built
    accounts = feature_frame(sales, attributes, as_of=AS_OF)
    groups = group_feature_frame(accounts, as_of=AS_OF)
    # then every account appears once, and every group once
    assert sorted(accounts["account_id"]) == sorted(attributes["account_id"])
    assert sorted(groups["account_id"]) == sorted(attributes["group_id"].unique())
    # the revenue of a group is the sum of its members'
    members = accounts.group_by("group_id").agg(pl.col("revenue_12m").sum())
    assert dict(zip(groups["account_id"], groups["revenue_12m"], strict=True)) == dict(
        zip(members["group_id"], members["revenue_12m"], strict=True)
    )
    # the top of a group has every other member below it
    tops = accounts.filter(pl.col("account_id") == pl.col("group_id"))
    sizes = accounts.group_by("group_id").len()
    expected = dict(zip(sizes["group_id"], sizes["len"] - 1, strict=True))
    assert dict(zip(tops["account_id"], tops["subsidiaries_count"], strict=True)) == expected
    assert dict(zip(groups["account_id"], groups["subsidiaries_count"], strict=True)) == expected
