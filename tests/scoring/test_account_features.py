"""The Django side of the feature frame: attributes in one query, groups found in bulk,
and a cache that follows every change of the data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kam.accounts.models import Account
from kam.scoring.features import (
    account_attributes,
    account_features,
    cache_dir,
    data_fingerprint,
)
from tests.factories import AccountFactory
from tests.scoring.conftest import AS_OF, Book, sell

pytestmark = pytest.mark.django_db


def test_attributes_come_in_one_query_with_groups_and_countries(django_assert_num_queries):
    # given a group of three levels and a standalone account
    top = AccountFactory(external_id="TOP", country="fr", countries_of_operation=["DE", "FR"])
    middle = AccountFactory(external_id="MID", parent=top, country="IT", countries_of_operation=[])
    AccountFactory(
        external_id="LOW",
        parent=middle,
        country="ES",
        countries_of_operation=["PT"],
        market_share=Decimal("0.123456"),
        spend_potential=None,
    )
    AccountFactory(external_id="ALONE", country="", countries_of_operation=[])
    # when the attribute frame is built
    with django_assert_num_queries(1):
        frame = account_attributes()
    rows = {r["account_id"]: r for r in frame.to_dicts()}
    # then each account knows its parent and the top of its chain
    assert rows["LOW"]["parent_id"] == "MID" and rows["LOW"]["group_id"] == "TOP"
    assert rows["MID"]["group_id"] == "TOP" and rows["TOP"]["group_id"] == "TOP"
    assert rows["ALONE"]["parent_id"] is None and rows["ALONE"]["group_id"] == "ALONE"
    # and its countries: head office and countries of operation, no blank
    assert rows["TOP"]["countries"] == ["DE", "FR"]
    assert rows["LOW"]["countries"] == ["ES", "PT"]
    assert rows["ALONE"]["countries"] == []
    # and decimals come as floats, unknowns as nulls
    assert rows["LOW"]["market_share"] == pytest.approx(0.123456)
    assert rows["LOW"]["spend_potential"] is None


def test_a_parent_cycle_in_the_database_does_not_hang(db):
    # given two accounts pointing at each other (the model refuses it; a raw update can)
    a = AccountFactory(external_id="X1")
    b = AccountFactory(external_id="X2", parent=a)
    Account.objects.filter(pk=a.pk).update(parent=b)
    # when the attributes are built, each stands alone
    groups = dict(account_attributes().select("account_id", "group_id").iter_rows())
    assert groups == {"X1": "X1", "X2": "X2"}


def test_the_feature_frame_is_cached_per_as_of_date_and_data(book: Book):
    # when the features of a day are computed twice
    first = account_features(as_of=AS_OF)
    second = account_features(as_of=AS_OF)
    # then the second read the cache file, with the same content
    assert not first.from_cache and second.from_cache
    assert first.frame.equals(second.frame)
    assert second.ids.sort("account_id")["account_id"].to_list() == list("ABCD")
    files = sorted(p.name for p in cache_dir().glob("features-*.parquet"))
    assert files == [f"features-{AS_OF.isoformat()}-{first.fingerprint}.parquet"]
    # and another day has its own file
    other = account_features(as_of=date(2026, 1, 1))
    assert not other.from_cache
    assert len(list(cache_dir().glob("features-*.parquet"))) == 2


def test_an_import_changes_the_fingerprint_and_drops_the_stale_file(book: Book):
    before = account_features(as_of=AS_OF)
    sell(("D", "O77", date(2026, 6, 1), 10.0), name="later")
    after = account_features(as_of=AS_OF)
    assert after.fingerprint != before.fingerprint and not after.from_cache
    # the file made from the older data is gone: it could never be read again
    assert [p.name for p in cache_dir().glob("features-*.parquet")] == [
        f"features-{AS_OF.isoformat()}-{after.fingerprint}.parquet"
    ]


def test_account_changes_change_the_fingerprint(book: Book):
    start = data_fingerprint()
    AccountFactory(external_id="E")
    added = data_fingerprint()
    book.a.strategic_fit = 5
    book.a.save()
    changed = data_fingerprint()
    assert len({start, added, changed}) == 3
    assert data_fingerprint() == changed


def test_the_fingerprint_costs_two_queries(book: Book, django_assert_num_queries):
    with django_assert_num_queries(2):
        data_fingerprint()


def test_a_damaged_cache_file_is_computed_again(book: Book):
    # given the features cached, then the file damaged
    first = account_features(as_of=AS_OF)
    path = cache_dir() / f"features-{AS_OF.isoformat()}-{first.fingerprint}.parquet"
    path.write_bytes(b"not parquet")
    # when they are read again, they are computed again, the same
    again = account_features(as_of=AS_OF)
    assert not again.from_cache and again.frame.equals(first.frame)
    assert account_features(as_of=AS_OF).from_cache
