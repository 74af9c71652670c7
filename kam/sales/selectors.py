"""Reads of the sales ledger, always scoped to the requesting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from kam.core.roles import can_view_imports
from kam.ledger import LedgerBatch, ParquetLedger
from kam.sales.models import BatchStatus, ImportBatch, ImportKind

if TYPE_CHECKING:
    import ibis
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from kam.accounts.models import Account


def ledger() -> ParquetLedger:
    """The ledger of this instance (under ``KAM_LEDGER_DIR``)."""
    return ParquetLedger(settings.KAM_LEDGER_DIR)


def committed_ledger_batches() -> list[LedgerBatch]:
    rows = ImportBatch.objects.filter(
        kind=ImportKind.SALES, status=BatchStatus.COMMITTED
    ).values_list("id", "file_name", "replaces_from", "replaces_to")
    return [LedgerBatch(pk, name, start, end) for pk, name, start, end in rows]


def ledger_table() -> ibis.Table:
    """Every order line of the committed batches. Not scoped: for services and selectors
    that scope their own results; views must go through a user-scoped selector."""
    return ledger().table(committed_ledger_batches())


def import_batch_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportBatch]:
    """Import history: directors and analysts see every batch, other roles none."""
    if not can_view_imports(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.select_related("created_by").all()


def account_monthly_sales(*, account: Account) -> list[dict[str, object]]:
    """Revenue, margin, orders and quantity of one account per calendar month.

    The caller has already checked that the user may see ``account``
    (``kam.accounts.selectors.account_get``)."""
    t = ledger_table()
    lines = t.filter(t.account_id == account.external_id)
    month = lines.order_date.truncate("M").name("month")
    by_month = (
        lines.group_by(month)
        .aggregate(
            revenue=lines.amount.sum(),
            margin=lines.margin.sum(),
            orders=lines.order_id.nunique(),
            quantity=lines.quantity.sum(),
        )
        .order_by("month")
    )
    return by_month.to_polars().to_dicts()
