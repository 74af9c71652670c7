"""Fixtures for the web UI tests: logged-in clients and sales written to the ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import polars as pl
import pytest
from django.conf import settings

from kam.ledger import ParquetLedger
from kam.sales.models import BatchStatus, ImportBatch, ImportKind

SaleLine = tuple[str, str, date, float, float]  # account, order, date, amount, margin


@pytest.fixture
def committed_sales(db) -> Callable[[Iterable[SaleLine]], ImportBatch]:
    """Write order lines as one committed ledger batch, the way an import commits it."""

    def _commit(lines: Iterable[SaleLine]) -> ImportBatch:
        rows = list(lines)
        frame = pl.DataFrame(
            {
                "account_id": [r[0] for r in rows],
                "order_id": [r[1] for r in rows],
                "order_date": [r[2] for r in rows],
                "product": ["P1"] * len(rows),
                "quantity": [1.0] * len(rows),
                "amount": [r[3] for r in rows],
                "margin": [r[4] for r in rows],
            },
            schema_overrides={"order_date": pl.Date},
        )
        store = ParquetLedger(settings.KAM_LEDGER_DIR)
        name = store.write_batch(frame)
        return ImportBatch.objects.create(
            kind=ImportKind.SALES,
            source_name="test.csv",
            content_hash=name,
            status=BatchStatus.COMMITTED,
            file_name=name,
            rows_read=len(rows),
            rows_stored=len(rows),
        )

    return _commit


# Browser tests of this folder (Playwright on Debian's Chromium).
from tests.browser import browser, page  # noqa: E402, F401
