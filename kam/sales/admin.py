"""The Django admin of the import history, for directors, read-only."""

from __future__ import annotations

from django.contrib import admin

from kam.core.admin import ReadOnlyDirectorAdmin
from kam.sales.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyDirectorAdmin):
    """Imports are immutable records: a committed batch owns a ledger file, so editing or
    deleting its row here would make the ledger and the register disagree."""

    list_display = [
        "id",
        "kind",
        "source_name",
        "status",
        "rows_read",
        "rows_stored",
        "rows_rejected",
        "created_at",
        "created_by",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
    search_fields = ["source_name", "content_hash"]
    date_hierarchy = "created_at"
