"""Import batch API (to be written)."""

from __future__ import annotations

from rest_framework import viewsets

from kam.sales.models import ImportBatch
from kam.sales.selectors import import_batch_list


class ImportBatchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ImportBatch.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return import_batch_list(user=self.request.user)
