"""Importing activities through the shared import path: all-or-nothing, --skip-invalid,
dry runs, the same file applied once, upsert by external id, contacts linked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from kam.engagement.activity_import import KIND, activities_import, activities_import_frame
from kam.engagement.models import Activity
from kam.importing.report import ImportOutcome
from kam.sales.models import BatchStatus, ImportBatch

HEADER = "external_id;account;channel;date;outcome;cost;order_amount;contacts\n"


def write(tmp_path: Path, body: str, name: str = "activities.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_clean_file_is_stored_with_its_contacts(
    portfolio, tmp_path, django_assert_max_num_queries
):
    path = write(
        tmp_path,
        "X1;A;visit;2025-03-01;order;;1500;P1|P2\nX2;B;Emailing;02/03/2025;réponse;0,5;;P3\n",
    )
    with django_assert_max_num_queries(20):
        result = activities_import(path=path, user=None)
    assert result.outcome is ImportOutcome.COMMITTED, result.errors
    assert (result.rows_stored, result.created, result.updated) == (2, 2, 0)
    x1 = Activity.objects.get(external_id="X1")
    assert (x1.account, x1.channel.code, x1.occurred_on, x1.outcome) == (
        portfolio.alpha,
        "visit",
        date(2025, 3, 1),
        "order",
    )
    assert (x1.cost, x1.order_amount, x1.author) == (Decimal("400.00"), Decimal("1500.00"), None)
    assert set(x1.contacts.all()) == {portfolio.ann, portfolio.bob}
    x2 = Activity.objects.get(external_id="X2")
    assert (x2.channel.code, x2.outcome, x2.cost) == ("emailing", "reply", Decimal("0.50"))
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert (batch.kind, batch.status, batch.rows_stored) == (KIND, BatchStatus.COMMITTED, 2)
    assert (batch.period_start, batch.period_end) == (date(2025, 3, 1), date(2025, 3, 2))


def test_a_file_with_an_error_stores_nothing_and_says_where(portfolio, tmp_path):
    path = write(tmp_path, "X1;A;visit;2025-03-01;;;;\nX2;A;visit;2025-03-01;;;;P3\n")
    result = activities_import(path=path, user=None)
    assert result.outcome is ImportOutcome.REJECTED
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "contacts", "not a contact of this account: P3")
    ]
    assert not Activity.objects.exists()
    assert ImportBatch.objects.get(pk=result.batch_id).status == BatchStatus.REJECTED


def test_skip_invalid_stores_the_valid_rows(portfolio, tmp_path):
    path = write(tmp_path, "X1;A;visit;2025-03-01;;;;\nX2;Z;visit;2025-03-01;;;;\n")
    result = activities_import(path=path, user=None, skip_invalid=True)
    assert result.outcome is ImportOutcome.COMMITTED
    assert (result.rows_stored, result.rows_rejected) == (1, 1)
    assert list(Activity.objects.values_list("external_id", flat=True)) == ["X1"]


def test_a_dry_run_stores_nothing(portfolio, tmp_path):
    result = activities_import(
        path=write(tmp_path, "X1;A;visit;2025-03-01;;;;\n"), user=None, dry_run=True
    )
    assert result.outcome is ImportOutcome.VALIDATED
    assert not Activity.objects.exists() and not ImportBatch.objects.exists()


def test_the_same_file_twice_is_applied_once(portfolio, tmp_path):
    path = write(tmp_path, "X1;A;visit;2025-03-01;;;;\n")
    first = activities_import(path=path, user=None)
    again = activities_import(path=path, user=None)
    assert again.outcome is ImportOutcome.UNCHANGED
    assert again.already_imported_as == first.batch_id
    assert Activity.objects.count() == 1


def test_a_corrected_file_updates_the_activities_by_external_id(portfolio, tmp_path):
    activities_import(path=write(tmp_path, "X1;A;visit;2025-03-01;;;;P1\n"), user=None)
    corrected = write(tmp_path, "X1;A;phone;2025-03-02;meeting;;;P2\n", name="fixed.csv")
    result = activities_import(path=corrected, user=None)
    assert (result.created, result.updated) == (0, 1)
    x1 = Activity.objects.get()
    assert (x1.channel.code, x1.occurred_on, x1.outcome) == ("phone", date(2025, 3, 2), "meeting")
    assert list(x1.contacts.all()) == [portfolio.bob]


def test_only_directors_import(portfolio, tmp_path, kam_user):
    with pytest.raises(PermissionDenied):
        activities_import(path=write(tmp_path, "X1;A;visit;2025-03-01;;;;\n"), user=kam_user)


def test_a_frame_goes_through_the_same_rules(portfolio):
    frame = pl.DataFrame(
        {
            "external_id": ["F1", "F2"],
            "account_external_id": ["A", "C"],
            "channel": ["webinar", "visit"],
            "date": [date(2025, 1, 5), date(2025, 1, 6)],
            "outcome": ["none", "order"],
            "order_amount": [None, 99.5],
        }
    )
    result = activities_import_frame(frame=frame, source_name="demo", user=None)
    assert result.ok and result.rows_stored == 2
    assert Activity.objects.get(external_id="F2").order_amount == Decimal("99.50")
