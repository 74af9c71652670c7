"""Per-account sales features: one Ibis expression run by the engine that holds the ledger.

Only one row per account comes back, whatever the number of order lines: the grouping,
the conditional sums and the distinct counts all run inside DuckDB (or PostgreSQL, Spark…
when ``KAM_LEDGER_URL`` points there). The derived features (growth, margin rate, share of
wallet…) and the account attributes are joined afterwards by :mod:`kam.domain.features`.

Periods, for an ``as_of`` date (lines dated ``as_of`` or later are ignored):

- T12, the trailing twelve months: ``[as_of − 1 year, as_of)``;
- P12, the twelve months before: ``[as_of − 2 years, as_of − 1 year)``.

Years are calendar years: a year before 29 February is 28 February.

The expression is the definition. On the default ledger (Parquet read by DuckDB),
``kam score`` runs its compiled form, :data:`DUCKDB_SQL`, with DuckDB alone
(:func:`duckdb_sales_features`): importing Ibis and building the expression take half a
second of the interpreter, during which the scan of the order lines could not start.
:func:`compile_duckdb_sql` makes that text from the expression; the tests run both on
the same lines and require the same rows, so an expression changed without compiling
again fails them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from kam.ledger.schema import LEDGER_SCHEMA
from kam.ledger.store import LEDGER_VIEW

if TYPE_CHECKING:  # imported when the ledger is read: Ibis costs ~0.4 s at start-up
    import duckdb
    import ibis

# The columns of :func:`account_sales_features`, in order, with their Polars types.
SALES_FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "revenue_12m": pl.Float64(),
    "revenue_prev_12m": pl.Float64(),
    "margin_12m": pl.Float64(),
    "quantity_12m": pl.Float64(),
    "orders_12m": pl.Int64(),
    "product_breadth": pl.Int64(),
    "category_breadth": pl.Int64(),
    "active_months_12m": pl.Int64(),
    "recency_days": pl.Int64(),
    "first_order_date": pl.Date(),
    "last_order_date": pl.Date(),
}
SALES_FEATURE_COLUMNS: tuple[str, ...] = tuple(SALES_FEATURE_SCHEMA)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` years earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def account_sales_features(lines: ibis.Table, *, as_of: date) -> ibis.Table:
    """What each account bought before ``as_of``: one row per account with at least one
    order line dated before ``as_of`` (the caller executes it, e.g. ``.to_polars()``).

    - ``revenue_12m``, ``revenue_prev_12m``: sum of line amounts in T12 and P12 (returns,
      i.e. negative amounts, are netted); 0 when there is no line in the period.
    - ``margin_12m``: sum of the known margins of T12 lines; 0 without T12 lines, null
      when T12 lines exist but none carries a margin (unknown, not zero).
    - ``quantity_12m``: sum of T12 quantities (returns netted).
    - ``orders_12m``: distinct orders with at least one T12 purchase line (a line with a
      positive amount): a credit note or a return is not an order.
    - ``product_breadth``, ``category_breadth``: distinct products and known categories on
      T12 purchase lines.
    - ``active_months_12m``: calendar months with at least one T12 purchase line (0–13:
      T12 starts mid-month when ``as_of`` is not the 1st).
    - ``first_order_date``, ``last_order_date``: first and last line before ``as_of``, of
      any kind and any age; ``recency_days``: days from the last one to ``as_of``.
    """
    import ibis

    t12_start = years_before(as_of, 1)
    p12_start = years_before(as_of, 2)
    zero = ibis.literal(0.0)
    # Two groupings over disjoint lines, so that each line is read once: the lines older
    # than T12 give the first order and P12's revenue (three columns read); the T12
    # lines give the rest. About a seventh less work on DuckDB than a grouping of every
    # line joined to one of the T12 purchases, which reads the T12 lines twice.
    older = lines.filter(lines.order_date < t12_start)
    history = older.group_by("account_id").aggregate(
        revenue_prev_12m=ibis.ifelse(older.order_date >= p12_start, older.amount, zero).sum(),
        older_first=older.order_date.min(),
        older_last=older.order_date.max(),
    )
    recent = lines.filter((lines.order_date >= t12_start) & (lines.order_date < as_of))
    # A purchase line: a positive amount (a credit note or a return is not an order).
    bought = recent.amount > 0
    trailing = recent.group_by(recent.account_id.name("t12_account_id")).aggregate(
        revenue_12m=recent.amount.sum(),
        margin_t12=recent.margin.sum(),
        quantity_12m=recent.quantity.sum(),
        recent_first=recent.order_date.min(),
        recent_last=recent.order_date.max(),
        orders_12m=recent.order_id.nunique(where=bought),
        product_breadth=recent["product"].nunique(where=bought),
        category_breadth=recent.category.nunique(where=bought),
        month_bits=_month_bit(recent.order_date, t12_start).bit_or(where=bought),
    )
    grouped = history.outer_join(trailing, history.account_id == trailing.t12_account_id)
    in_t12 = grouped.t12_account_id.notnull()
    # Every older line comes before every T12 line.
    last_order_date = grouped.recent_last.coalesce(grouped.older_last)
    as_of_literal = ibis.literal(as_of, type="date")
    return grouped.select(
        account_id=grouped.account_id.coalesce(grouped.t12_account_id).cast("string"),
        revenue_12m=grouped.revenue_12m.coalesce(zero).cast("float64"),
        revenue_prev_12m=grouped.revenue_prev_12m.coalesce(zero).cast("float64"),
        margin_12m=ibis.ifelse(in_t12, grouped.margin_t12, zero).cast("float64"),
        quantity_12m=grouped.quantity_12m.coalesce(zero).cast("float64"),
        orders_12m=grouped.orders_12m.coalesce(0).cast("int64"),
        product_breadth=grouped.product_breadth.coalesce(0).cast("int64"),
        category_breadth=grouped.category_breadth.coalesce(0).cast("int64"),
        active_months_12m=_bits_set(grouped.month_bits).coalesce(0).cast("int64"),
        recency_days=as_of_literal.delta(last_order_date, unit="day").cast("int64"),
        first_order_date=grouped.older_first.coalesce(grouped.recent_first).cast("date"),
        last_order_date=last_order_date.cast("date"),
    )


# T12 touches at most 13 calendar months (it starts mid-month unless as_of is the 1st).
_T12_MONTHS = 13


def _month_bit(day: ibis.DateValue, t12_start: date) -> ibis.IntegerValue:
    """One bit per calendar month of T12 (bit 0: the month T12 starts in). OR-ing them per
    account and counting the bits set gives the active months: the same number as
    counting distinct months, for a tenth less of DuckDB's work on the whole query."""
    import ibis

    start = ibis.literal(t12_start, type="date")
    index = (day.year() * 12 + day.month() - (start.year() * 12 + start.month())).cast("int64")
    return (ibis.literal(1, type="int64") << index).cast("int64")


def _bits_set(bits: ibis.IntegerValue) -> ibis.IntegerValue:
    """How many of the low ``_T12_MONTHS`` bits are set (null stays null)."""
    count = bits & 1
    for bit in range(1, _T12_MONTHS):
        count = count + ((bits >> bit) & 1)
    return count


# -- the expression compiled for DuckDB ----------------------------------------------------

# The bounds of the periods, as the compiled SQL names them (``$as_of``…).
_BOUND = re.compile(r"\$(as_of|t12_start|p12_start)\b")
# Any as-of date whose three bounds are distinct dates serves to compile the expression.
_COMPILED_AS_OF = date(1901, 2, 3)
_IBIS_TYPES = {pl.String(): "string", pl.Date(): "date", pl.Float64(): "float64"}


def _bounds(as_of: date) -> dict[str, date]:
    return {
        "as_of": as_of,
        "t12_start": years_before(as_of, 1),
        "p12_start": years_before(as_of, 2),
    }


def duckdb_sales_features(connection: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """:func:`account_sales_features` of the order lines in the view ``ledger`` of a
    DuckDB connection (:meth:`kam.ledger.ParquetLedger.connect`), run from
    :data:`DUCKDB_SQL`: the same rows and types, without Ibis. The result goes from
    DuckDB to Polars as an Arrow stream (no pandas, no pyarrow)."""
    bounds = _bounds(as_of)
    sql = _BOUND.sub(lambda found: f"DATE '{bounds[found.group(1)].isoformat()}'", DUCKDB_SQL)
    return pl.DataFrame(connection.sql(sql))


def compile_duckdb_sql() -> str:
    """:func:`account_sales_features` as DuckDB SQL over the view ``ledger``, the bounds
    of the periods left as ``$as_of``, ``$t12_start`` and ``$p12_start``: the text of
    :data:`DUCKDB_SQL` (``python -m kam.ledger.features`` prints it)."""
    import ibis

    lines = ibis.table({n: _IBIS_TYPES[t] for n, t in LEDGER_SCHEMA.items()}, name=LEDGER_VIEW)
    sql = str(ibis.to_sql(account_sales_features(lines, as_of=_COMPILED_AS_OF), dialect="duckdb"))
    for name, day in _bounds(_COMPILED_AS_OF).items():
        literal = f"MAKE_DATE({day.year}, {day.month}, {day.day})"
        if literal not in sql:
            raise RuntimeError(f"Ibis no longer writes the date {day} as {literal}")
        sql = sql.replace(literal, f"${name}")
    if "MAKE_DATE(" in sql:
        raise RuntimeError("the compiled feature query holds a date that is not a bound")
    return sql


# Made by compile_duckdb_sql() from the expression above: compile again when the
# expression changes (the tests run both and compare their rows).
DUCKDB_SQL = """
SELECT
  COALESCE("t4"."account_id", "t6"."t12_account_id") AS "account_id",
  COALESCE("t6"."revenue_12m", 0.0) AS "revenue_12m",
  COALESCE("t4"."revenue_prev_12m", 0.0) AS "revenue_prev_12m",
  CASE WHEN "t6"."t12_account_id" IS NOT NULL THEN "t6"."margin_t12" ELSE 0.0 END AS "margin_12m",
  COALESCE("t6"."quantity_12m", 0.0) AS "quantity_12m",
  COALESCE("t6"."orders_12m", 0) AS "orders_12m",
  COALESCE("t6"."product_breadth", 0) AS "product_breadth",
  COALESCE("t6"."category_breadth", 0) AS "category_breadth",
  COALESCE(
    (
      "t6"."month_bits" & 1
    ) + (
      (
        "t6"."month_bits" >> 1
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 2
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 3
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 4
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 5
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 6
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 7
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 8
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 9
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 10
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 11
      ) & 1
    ) + (
      (
        "t6"."month_bits" >> 12
      ) & 1
    ),
    0
  ) AS "active_months_12m",
  DATE_DIFF('DAY', COALESCE("t6"."recent_last", "t4"."older_last"), $as_of) AS "recency_days",
  COALESCE("t4"."older_first", "t6"."recent_first") AS "first_order_date",
  COALESCE("t6"."recent_last", "t4"."older_last") AS "last_order_date"
FROM (
  SELECT
    "t1"."account_id",
    SUM(
      CASE WHEN "t1"."order_date" >= $p12_start THEN "t1"."amount" ELSE 0.0 END
    ) AS "revenue_prev_12m",
    MIN("t1"."order_date") AS "older_first",
    MAX("t1"."order_date") AS "older_last"
  FROM (
    SELECT
      *
    FROM "ledger" AS "t0"
    WHERE
      "t0"."order_date" < $t12_start
  ) AS "t1"
  GROUP BY
    1
) AS "t4"
FULL OUTER JOIN (
  SELECT
    "t2"."account_id" AS "t12_account_id",
    SUM("t2"."amount") AS "revenue_12m",
    SUM("t2"."margin") AS "margin_t12",
    SUM("t2"."quantity") AS "quantity_12m",
    MIN("t2"."order_date") AS "recent_first",
    MAX("t2"."order_date") AS "recent_last",
    COUNT(DISTINCT "t2"."order_id") FILTER(WHERE
      "t2"."amount" > 0) AS "orders_12m",
    COUNT(DISTINCT "t2"."product") FILTER(WHERE
      "t2"."amount" > 0) AS "product_breadth",
    COUNT(DISTINCT "t2"."category") FILTER(WHERE
      "t2"."amount" > 0) AS "category_breadth",
    BIT_OR(
      1 << (
        (
          (
            EXTRACT(year FROM "t2"."order_date") * 12
          ) + EXTRACT(month FROM "t2"."order_date")
        ) - (
          (
            EXTRACT(year FROM $t12_start) * 12
          ) + EXTRACT(month FROM $t12_start)
        )
      )
    ) FILTER(WHERE
      "t2"."amount" > 0) AS "month_bits"
  FROM (
    SELECT
      *
    FROM "ledger" AS "t0"
    WHERE
      "t0"."order_date" >= $t12_start
      AND "t0"."order_date" < $as_of
  ) AS "t2"
  GROUP BY
    1
) AS "t6"
  ON "t4"."account_id" = "t6"."t12_account_id"
"""


if __name__ == "__main__":
    print(compile_duckdb_sql())
