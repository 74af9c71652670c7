"""The import-history endpoints: who may read them, fields, filters, query budget."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import AbstractUser

from kam.sales.models import BatchStatus, ImportBatch, ImportKind
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/import-batches/"
_hashes = count()


def make_batch(by: AbstractUser | None = None, **fields: object) -> ImportBatch:
    """A recorded import, committed unless told otherwise."""
    values: dict[str, object] = {
        "kind": ImportKind.SALES,
        "source_name": "sales-2024.csv",
        "content_hash": f"{next(_hashes):064x}",
        "status": BatchStatus.COMMITTED,
        "file_name": "batch-abc.parquet",
        "rows_read": 10,
        "rows_stored": 10,
        "amount_total": Decimal("1234.50"),
        "created_by": by,
    }
    values.update(fields)
    return ImportBatch.objects.create(**values)


@pytest.mark.parametrize("role", ["director", "analyst"])
def test_directors_and_analysts_read_the_import_history(api, director, role):
    # given two imports, the newest first
    older = make_batch(by=director, source_name="old.csv")
    newer = make_batch(by=director, source_name="new.csv")
    # when a director or an analyst lists them
    response = api(make_user(role)).get(LIST)
    # then both are there, newest first, with who ran them
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [newer.pk, older.pk]
    assert rows[0]["created_by"] == director.username
    assert rows[0]["amount_total"] == "1234.50"
    assert "errors" not in rows[0]


@pytest.mark.parametrize("role", ["kam", "gam", "marketing"])
def test_other_roles_get_an_empty_history_and_404(api, director, role):
    # given an import
    batch = make_batch(by=director)
    client = api(make_user(role))
    # when a KAM, a GAM or marketing reads the history
    listed = client.get(LIST)
    opened = client.get(f"{LIST}{batch.pk}/")
    # then the list is empty and the batch is a 404
    assert listed.status_code == 200
    assert listed.json()["count"] == 0 and listed.json()["results"] == []
    assert opened.status_code == 404


def test_anonymous_is_refused(api):
    make_batch()
    response = api(None).get(LIST)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_detail_shows_the_row_errors(api, analyst):
    # given a rejected import with two row-level errors and one file-level error
    errors = [
        {"row": 7, "column": "amount", "value": "12,5x", "reason": "not a number"},
        {"row": 9, "column": "order_date", "value": "2024-13-01", "reason": "not a date"},
        {"row": None, "column": None, "value": None, "reason": "missing column: account_id"},
    ]
    batch = make_batch(
        status=BatchStatus.REJECTED, rows_stored=0, rows_rejected=2, file_name="", errors=errors
    )
    # when the analyst opens it
    response = api(analyst).get(f"{LIST}{batch.pk}/")
    # then the errors name the row, the column and the value
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected"
    assert body["errors"] == errors
    assert body["created_by"] is None


def test_filter_by_status_and_kind(api, director):
    # given a committed sales import, a rejected one and an accounts import
    committed = make_batch()
    rejected = make_batch(status=BatchStatus.REJECTED)
    accounts = make_batch(kind=ImportKind.ACCOUNTS)
    client = api(director)
    # when filtering, then each filter keeps only its rows
    by_status = client.get(LIST, {"status": "rejected"}).json()["results"]
    by_kind = client.get(LIST, {"kind": "sales", "ordering": "id"}).json()["results"]
    assert [r["id"] for r in by_status] == [rejected.pk]
    assert [r["id"] for r in by_kind] == [committed.pk, rejected.pk]
    assert accounts.pk not in {r["id"] for r in by_kind}
    # and a value that is not a choice is a 400 naming the parameter
    bad = client.get(LIST, {"status": "deleted"})
    assert bad.status_code == 400 and "status" in bad.json()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_budget_does_not_grow_with_rows(
    api, director, analyst, django_assert_num_queries, rows
):
    # given `rows` imports, each by a different director
    for i in range(rows):
        make_batch(by=make_user("director", f"importer{i}"))
    client = api(analyst)
    # when the analyst lists them: session, user, roles, count, page (with importers)
    with django_assert_num_queries(5):
        response = client.get(LIST)
    # then the queries are the same for 3 and 30 rows
    assert len(response.json()["results"]) == rows
    assert {r["created_by"] for r in response.json()["results"]} == {
        f"importer{i}" for i in range(rows)
    }
