"""The ledger queries behind the KPIs and the dashboard: the DuckDB query the KPIs run is
the Ibis expression that defines it; the monthly aggregate takes long id lists."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kam.domain.kpis import Period
from kam.kpis.dashboard import monthly_revenue
from kam.kpis.selectors import _revenue, revenue_expression
from kam.sales.selectors import ledger_table
from tests.kpis.conftest import FROM, TO

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("period", "scope"),
    [
        (Period(FROM, TO), None),
        (Period(FROM, TO), ["K1", "N3", "N4"]),
        (Period(date(2024, 6, 1), date(2025, 3, 31)), None),
        (Period(FROM, TO), []),
    ],
)
def test_the_duckdb_query_is_the_ibis_expression(kpi_book, period, scope):
    ours = _revenue(period, scope).sort("account_id")
    expression = revenue_expression(ledger_table(), period)
    if scope is not None:
        expression = expression.filter(expression.account_id.isin(scope))
    reference = expression.to_polars().sort("account_id")
    reference = reference.select([pl.col(c).cast(ours[c].dtype) for c in ours.columns])
    assert_frame_equal(ours, reference)
    if scope is None and period.date_to == TO:
        assert ours.height == 7  # every account with lines up to the end of P (not N2)


def test_the_monthly_aggregate_takes_thousands_of_ids(kpi_book):
    # given key and scope lists of thousands of ids (most unknown to the ledger)
    many = [f"X{i}" for i in range(20_000)]
    frame = monthly_revenue(
        Period(FROM, TO), external_ids=[*many, "K1", "N1"], key_ids=[*many, "K1"]
    )
    # then the months of K1 (key) and N1 (other) are there, the others excluded
    june = frame.filter((pl.col("month") == date(2025, 6, 1)) & pl.col("key"))
    assert june["revenue"].to_list() == [100.0]
    may = frame.filter((pl.col("month") == date(2025, 5, 1)) & ~pl.col("key"))
    assert may["revenue"].to_list() == [100.0]
    assert frame["revenue"].sum() == (100 + 100 + 50) + (90 + 100)  # K1 and N1, P' and P
