"""The import-history endpoints of the REST API: read-only, for directors and analysts."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter

from kam.sales.api.serializers import ImportBatchDetailSerializer, ImportBatchSerializer
from kam.sales.models import ImportBatch
from kam.sales.selectors import import_batch_list


@extend_schema_view(
    list=extend_schema(
        summary="List the imports (newest first)",
        description="Directors and analysts see every import; other roles get an empty list.",
    ),
    retrieve=extend_schema(
        summary="One import, with its first row-level errors",
        description="404 when the import does not exist or you may not read the history.",
    ),
)
class ImportBatchViewSet(viewsets.ReadOnlyModelViewSet[ImportBatch]):
    """The import history, filtered by kind and status."""

    queryset = ImportBatch.objects.none()  # the real one depends on the user
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at", "id", "rows_read", "rows_rejected", "source_name"]
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[ImportBatch]]:
        if self.action == "retrieve":
            return ImportBatchDetailSerializer
        return ImportBatchSerializer

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return import_batch_list(user=self.request.user)
