"""How the feature frame is read fast: the accounts by one plain query decoded in Polars,
the ledger scanned on a thread of its own meanwhile, and what either does with odd data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from kam.accounts.models import Account
from kam.sales.models import ImportBatch
from kam.sales.selectors import ledger
from kam.sales.services import sales_import_frame
from kam.scoring.features import account_attributes, account_features, sales_features
from tests.factories import AccountFactory
from tests.scoring.conftest import AS_OF, Book

pytestmark = pytest.mark.django_db


def _countries() -> dict[str, list[str]]:
    return dict(account_attributes().select("account_id", "countries").iter_rows())


def test_countries_of_operation_keep_escaped_and_accented_names():
    # given names the JSON text escapes (accents, quotes, a backslash), padding, case
    AccountFactory(
        external_id="ESC",
        country="ci",
        countries_of_operation=["Côte d'Ivoire", 'say "hi"', "back\\slash", " de ", "DE", ""],
    )
    # when the attributes are read
    countries = _countries()
    # then each name comes back decoded, trimmed, upper-case, once, sorted, blanks dropped
    assert countries["ESC"] == ["BACK\\SLASH", "CI", "CÔTE D'IVOIRE", "DE", 'SAY "HI"']


def test_countries_of_operation_that_are_not_a_list_of_names_are_read_safely():
    # given values a hand-edited database may hold beside ordinary ones: a bare string,
    # an object, a number, a list mixing names with other things, an empty list
    odd = {
        "STR": "FR",
        "OBJ": {"country": "FR"},
        "NUM": 7,
        "MIX": ["it", 3, None, ["ES"], {"x": "PT"}, "be"],
        "NONE": [],
    }
    for external_id in odd:
        AccountFactory(external_id=external_id, country="", countries_of_operation=[])
    AccountFactory(external_id="PLAIN", country="LU", countries_of_operation=["nl"])
    for external_id, value in odd.items():
        Account.objects.filter(external_id=external_id).update(countries_of_operation=value)
    # when the attributes are read
    countries = _countries()
    # then only the names in a list count; anything else is no country, and the ordinary
    # accounts read as usual
    assert countries["MIX"] == ["BE", "IT"]
    assert countries["STR"] == countries["OBJ"] == countries["NUM"] == countries["NONE"] == []
    assert countries["PLAIN"] == ["LU", "NL"]


def test_amounts_come_as_floats_and_unknowns_as_nulls():
    # given precise decimals, large ones, and unknown values
    AccountFactory(
        external_id="BIG",
        market_share=Decimal("0.987654"),
        spend_potential=Decimal("123456789012.34"),
        employees=None,
        strategic_fit=None,
    )
    # when the attributes are read
    row = account_attributes().row(0, named=True)
    # then the numbers are the stored ones, as floats
    assert row["market_share"] == pytest.approx(0.987654, abs=1e-12)
    assert row["spend_potential"] == pytest.approx(123456789012.34, rel=1e-15)
    assert row["employees"] is None and row["strategic_fit"] is None
    assert isinstance(row["pk"], int) and row["pk"] == Account.objects.get().pk


def test_the_sales_scan_and_the_attributes_meet_in_one_frame(book: Book):
    # when the features are computed (the ledger scanned on another thread)
    features = account_features(as_of=AS_OF, use_cache=False)
    rows = {r["account_id"]: r for r in features.frame.to_dicts()}
    # then every account has its sales beside its attributes
    assert rows["A"]["revenue_12m"] == 1500.0 and rows["A"]["orders_12m"] == 2
    assert rows["C"]["revenue_prev_12m"] == 300.0
    assert rows["D"]["revenue_12m"] == 0.0 and rows["D"]["recency_days"] is None
    assert rows["A"]["name"] == "Alpha"
    # and each external id maps to its account's key
    ids = dict(features.ids.iter_rows())
    assert ids == {a.external_id: a.pk for a in Account.objects.all()}
    # and the sales alone are the same as the scan on this thread gives
    alone = sales_features(as_of=AS_OF).sort("account_id")
    assert alone["account_id"].to_list() == ["A", "B", "C"]
    assert alone["revenue_12m"].to_list() == [1500.0, 1000.0, 100.0]


def test_accounts_without_any_sales_batch_get_empty_sales(db):
    # given accounts and no sales imported yet
    AccountFactory(external_id="NEW1")
    AccountFactory(external_id="NEW2")
    # when the features are computed, every account is there with no sales
    frame = account_features(as_of=AS_OF).frame.sort("account_id")
    assert frame["account_id"].to_list() == ["NEW1", "NEW2"]
    assert frame["revenue_12m"].to_list() == [0.0, 0.0]
    assert frame["last_order_date"].null_count() == 2


def test_a_corrected_period_replaces_the_lines_it_covers(book: Book):
    # given a later batch replacing January 2026: A's order O1 (1,000) becomes 700
    correction = pl.DataFrame(
        {
            "account_id": ["A"],
            "order_id": ["O1"],
            "order_date": [date(2026, 1, 10)],
            "product": ["P1"],
            "quantity": [1.0],
            "amount": [700.0],
        }
    )
    result = sales_import_frame(
        frame=correction,
        source_name="correction",
        user=None,
        replace_period=(date(2026, 1, 1), date(2026, 1, 31)),
    )
    assert result.ok, result.errors
    # when the features are computed
    rows = {r["account_id"]: r for r in account_features(as_of=AS_OF).frame.to_dicts()}
    # then the replaced line counts once, at its corrected amount
    assert rows["A"]["revenue_12m"] == 1200.0 and rows["A"]["orders_12m"] == 2
    assert rows["B"]["revenue_12m"] == 1000.0


def test_a_failure_of_the_sales_scan_reaches_the_caller(book: Book):
    # given a committed ledger file damaged on disk
    batch = ImportBatch.objects.exclude(file_name="").get()
    ledger().path(batch.file_name).write_bytes(b"not a parquet file")
    # when the features are computed, the scan's error comes back here (no hang, no
    # frame without sales)
    with pytest.raises(duckdb.Error):
        account_features(as_of=date(2026, 6, 15), use_cache=False)
