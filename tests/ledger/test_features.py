"""Per-account sales features: the Ibis expression run by DuckDB. No database needed."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import ibis
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.ledger import LedgerBatch, ParquetLedger
from kam.ledger.features import (
    DUCKDB_SQL,
    SALES_FEATURE_COLUMNS,
    SALES_FEATURE_SCHEMA,
    account_sales_features,
    compile_duckdb_sql,
    duckdb_sales_features,
    years_before,
)
from kam.ledger.schema import LEDGER_SCHEMA, conform

AS_OF = date(2025, 6, 15)  # T12 = [2024-06-15, 2025-06-15), P12 = [2023-06-15, 2024-06-15)

Line = tuple[str, str, date, str, str | None, float, float, float | None]


def _frame(lines: list[Line]) -> pl.DataFrame:
    columns = ["account_id", "order_id", "order_date", "product", "category"]
    columns += ["quantity", "amount", "margin"]
    return conform(pl.DataFrame(lines, schema=columns, orient="row"))


def _both_ways(ledger: ParquetLedger, batches: list[LedgerBatch], as_of: date) -> pl.DataFrame:
    """The features computed by the Ibis expression and by its compiled SQL (what
    ``kam score`` runs), which must be the same rows; the expression's, by account."""
    by_ibis = account_sales_features(ledger.table(batches), as_of=as_of).to_polars()
    by_sql = duckdb_sales_features(ledger.connect(batches), as_of=as_of)
    assert by_sql.schema == by_ibis.schema
    assert by_sql.sort("account_id").to_dicts() == by_ibis.sort("account_id").to_dicts()
    return by_ibis


def _features(tmp_path: Path, lines: list[Line], as_of: date = AS_OF) -> dict[str, dict]:
    ledger = ParquetLedger(tmp_path)
    name = ledger.write_batch(_frame(lines))
    frame = _both_ways(ledger, [LedgerBatch(1, name)], as_of)
    return {row["account_id"]: row for row in frame.to_dicts()}


LEDGER: list[Line] = [
    # account A
    ("A", "O1", date(2025, 6, 15), "P1", "C1", 1.0, 1000.0, 1.0),  # at as_of: excluded
    ("A", "O2", date(2024, 6, 15), "P1", "C1", 10.0, 100.0, 30.0),  # first day of T12
    ("A", "O3", date(2025, 1, 10), "P2", "C1", 5.0, 200.0, None),  # margin unknown
    ("A", "O3", date(2025, 1, 10), "P3", None, 1.0, 50.0, 10.0),  # category unknown
    ("A", "O4", date(2025, 3, 5), "P1", "C1", -2.0, -20.0, -6.0),  # a return
    ("A", "O5", date(2024, 6, 14), "P4", "C2", 3.0, 300.0, 90.0),  # last day of P12
    ("A", "O6", date(2023, 6, 15), "P1", "C1", 1.0, 40.0, 4.0),  # first day of P12
    ("A", "O7", date(2023, 6, 14), "P1", "C1", 1.0, 999.0, 9.0),  # older than P12
    # account B: only bought in P12
    ("B", "O10", date(2024, 1, 10), "P1", "C1", 1.0, 500.0, None),
    # account C: bought in T12, no margin known
    ("C", "O20", date(2025, 5, 1), "P1", "C1", 1.0, 10.0, None),
    # accounts D and E: nothing before as_of
    ("D", "O30", date(2025, 6, 15), "P1", "C1", 1.0, 10.0, 1.0),
    ("E", "O31", date(2025, 7, 1), "P1", "C1", 1.0, 10.0, 1.0),
]


def test_features_of_an_account_are_computed_over_the_right_periods(tmp_path: Path):
    # given the ledger above
    # when its features are computed as of 15 June 2025
    features = _features(tmp_path, LEDGER)
    # then account A's T12 holds O2 (on the first day), O3 (two lines) and the return O4,
    # its P12 holds O5 and O6; O1 (on as_of) and O7 (older) count for no period
    a = features["A"]
    assert a["revenue_12m"] == 100 + 200 + 50 - 20
    assert a["revenue_prev_12m"] == 300 + 40
    assert a["margin_12m"] == 30 + 10 - 6  # the unknown margin of O3/P2 is left out
    assert a["quantity_12m"] == 10 + 5 + 1 - 2
    assert a["orders_12m"] == 2  # O2 and O3; the return O4 is not an order
    assert a["product_breadth"] == 3  # P1, P2, P3
    assert a["category_breadth"] == 1  # C1; an unknown category is not one
    assert a["active_months_12m"] == 2  # June 2024, January 2025; March has only a return
    # and the dates span every line before as_of, the return included
    assert a["first_order_date"] == date(2023, 6, 14)
    assert a["last_order_date"] == date(2025, 3, 5)
    assert a["recency_days"] == 102  # 26 days of March + 30 + 31 + 15


def test_an_account_that_only_bought_in_the_previous_year_has_zero_revenue(tmp_path: Path):
    # when the features are computed
    b = _features(tmp_path, LEDGER)["B"]
    # then B is there with nothing in T12
    assert (b["revenue_12m"], b["revenue_prev_12m"]) == (0.0, 500.0)
    assert (b["orders_12m"], b["product_breadth"], b["active_months_12m"]) == (0, 0, 0)
    assert b["margin_12m"] == 0.0  # nothing bought: no margin, rather than unknown
    assert b["recency_days"] == 522


def test_a_margin_never_known_is_null_not_zero(tmp_path: Path):
    c = _features(tmp_path, LEDGER)["C"]
    assert c["revenue_12m"] == 10.0
    assert c["margin_12m"] is None


def test_accounts_without_lines_before_as_of_are_absent(tmp_path: Path):
    features = _features(tmp_path, LEDGER)
    assert sorted(features) == ["A", "B", "C"]


def test_the_result_has_the_contract_columns_and_types(tmp_path: Path):
    # given a ledger
    ledger = ParquetLedger(tmp_path)
    batches = [LedgerBatch(1, ledger.write_batch(_frame(LEDGER)))]
    # when the features are computed (by the expression and by its compiled SQL)
    frame = _both_ways(ledger, batches, AS_OF)
    # then the columns and their types are exactly the contract's
    assert tuple(frame.columns) == SALES_FEATURE_COLUMNS
    assert dict(frame.schema) == SALES_FEATURE_SCHEMA


def test_an_empty_ledger_gives_no_row_and_the_same_columns(tmp_path: Path):
    frame = _both_ways(ParquetLedger(tmp_path), [], AS_OF)
    assert frame.height == 0
    assert tuple(frame.columns) == SALES_FEATURE_COLUMNS


def test_replaced_periods_are_left_out_by_the_compiled_sql_too(tmp_path: Path):
    # given January and February lines, then a correction of February
    ledger = ParquetLedger(tmp_path)
    first = ledger.write_batch(_frame([LEDGER[1], LEDGER[2], LEDGER[8]]))
    fix = ledger.write_batch(_frame([("A", "O9", date(2025, 1, 11), "P9", "C9", 1.0, 7.0, 1.0)]))
    batches = [LedgerBatch(3, first), LedgerBatch(4, fix, date(2025, 1, 1), date(2025, 1, 31))]
    # when the features are computed both ways, then they agree and O3 is replaced by O9
    a = {r["account_id"]: r for r in _both_ways(ledger, batches, AS_OF).to_dicts()}["A"]
    assert a["revenue_12m"] == 100.0 + 7.0
    assert a["product_breadth"] == 2  # P1 and P9: P2 was in the replaced January


def test_the_compiled_sql_is_the_expression_compiled_with_named_bounds():
    # when the expression is compiled again, then it holds the three bounds by name and
    # no other date, and reads the ledger view twice (older lines, then T12's)
    sql = compile_duckdb_sql()
    assert {"$as_of", "$t12_start", "$p12_start"} <= set(sql.replace("(", " ").split())
    assert "MAKE_DATE(" not in sql
    assert sql.count('FROM "ledger"') == 2 == DUCKDB_SQL.count('FROM "ledger"')


def test_computing_the_features_from_the_compiled_sql_does_not_import_ibis(tmp_path: Path):
    # given a ledger with one batch
    ledger = ParquetLedger(tmp_path)
    name = ledger.write_batch(_frame(LEDGER))
    # when a fresh interpreter computes the features the way `kam score` does
    code = (
        "import sys; from datetime import date; from kam.ledger import LedgerBatch, "
        "ParquetLedger; from kam.ledger.features import duckdb_sales_features; "
        f"ledger = ParquetLedger({str(tmp_path)!r}); "
        f"frame = duckdb_sales_features(ledger.connect([LedgerBatch(1, {name!r})]), "
        f"as_of=date({AS_OF.year}, {AS_OF.month}, {AS_OF.day})); "
        "print(frame.height, 'ibis' in sys.modules, 'pyarrow' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    # then it got the rows without loading Ibis (nor pyarrow): half a second saved
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "False", "False"]


def test_the_features_are_one_query_run_by_the_engine():
    # given the ledger as an Ibis table
    arrow_schema = pl.DataFrame(schema=LEDGER_SCHEMA).to_arrow().schema
    table = ibis.table(ibis.Schema.from_pyarrow(arrow_schema), name="ledger")
    # when the expression is compiled for DuckDB
    sql = ibis.to_sql(account_sales_features(table, as_of=AS_OF), dialect="duckdb")
    # then it is one statement grouping by account in the engine: totals over every
    # line, distinct counts over the trailing year's purchases, joined
    assert sql.count(";") == 0 and sql.lstrip().startswith("SELECT")
    assert sql.count("GROUP BY") == 2
    assert sql.count('FROM "ledger"') == 2
    assert "COUNT(DISTINCT" in sql


def test_a_year_before_29_february_is_28_february():
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert years_before(date(2024, 2, 29), 4) == date(2020, 2, 29)
    assert years_before(date(2025, 6, 15), 2) == date(2023, 6, 15)


def test_periods_as_of_29_february_use_28_february(tmp_path: Path):
    # given lines around 28 February one and two years before 29 February 2024
    lines: list[Line] = [
        ("A", "1", date(2023, 2, 28), "P", "C", 1.0, 1.0, None),  # T12's first day
        ("A", "2", date(2023, 2, 27), "P", "C", 1.0, 2.0, None),  # P12's last day
        ("A", "3", date(2022, 2, 28), "P", "C", 1.0, 4.0, None),  # P12's first day
        ("A", "4", date(2022, 2, 27), "P", "C", 1.0, 8.0, None),  # before P12
    ]
    # when computed as of 29 February 2024
    a = _features(tmp_path, lines, as_of=date(2024, 2, 29))["A"]
    # then
    assert (a["revenue_12m"], a["revenue_prev_12m"]) == (1.0, 6.0)


# -- property: the engine agrees with a plain Python computation ----------------------

_DAY0 = AS_OF - timedelta(days=800)
_lines = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(["O1", "O2", "O3", "O4"]),
        st.integers(0, 820).map(lambda n: _DAY0 + timedelta(days=n)),
        st.sampled_from(["P1", "P2", "P3"]),
        st.sampled_from(["C1", "C2", None]),
        st.integers(-3, 5).map(float),
        st.integers(-50, 100).map(float),
        st.one_of(st.none(), st.integers(-10, 30).map(float)),
    ),
    max_size=40,
)


def _expected(lines: list[Line]) -> dict[str, dict]:
    start, prev_start = years_before(AS_OF, 1), years_before(AS_OF, 2)
    result: dict[str, dict] = {}
    for account in sorted({line[0] for line in lines if line[2] < AS_OF}):
        mine = [line for line in lines if line[0] == account and line[2] < AS_OF]
        t12 = [line for line in mine if line[2] >= start]
        bought = [line for line in t12 if line[6] > 0]
        margins = [line[7] for line in t12 if line[7] is not None]
        last = max(line[2] for line in mine)
        result[account] = {
            "revenue_12m": sum(line[6] for line in t12),
            "revenue_prev_12m": sum(line[6] for line in mine if prev_start <= line[2] < start),
            "margin_12m": (sum(margins) if margins else None) if t12 else 0.0,
            "quantity_12m": sum(line[5] for line in t12),
            "orders_12m": len({line[1] for line in bought}),
            "product_breadth": len({line[3] for line in bought}),
            "category_breadth": len({line[4] for line in bought} - {None}),
            "active_months_12m": len({(line[2].year, line[2].month) for line in bought}),
            "recency_days": (AS_OF - last).days,
            "first_order_date": min(line[2] for line in mine),
            "last_order_date": last,
        }
    return result


@settings(max_examples=40, deadline=None)
@given(lines=_lines)
def test_the_engine_agrees_with_a_line_by_line_computation(lines: list[Line]):
    # given random order lines (returns, unknown margins and categories included)
    frame = _frame(lines)
    # when the features are computed by the engine, from the expression and from its
    # compiled SQL (over the same lines as the view "ledger")
    by_ibis = account_sales_features(ibis.memtable(frame.to_arrow()), as_of=AS_OF).to_polars()
    connection = duckdb.connect()
    connection.register("ledger", frame.to_arrow())
    by_sql = duckdb_sales_features(connection, as_of=AS_OF)
    # then every account with a line before as_of appears once, with the same values
    expected = _expected(lines)
    for computed in (by_ibis, by_sql):
        found = {row.pop("account_id"): row for row in computed.to_dicts()}
        assert found == expected
