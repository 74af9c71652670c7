"""How import batches look in the REST API. Read-only: batches are immutable records."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kam.sales.models import ImportBatch


class ImportErrorSerializer(serializers.Serializer[dict[str, object]]):
    """One problem found in an imported file (``kam.importing.report.RowError``)."""

    row = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text=_("Row number as a spreadsheet shows it (header = 1); null for the file."),
    )
    column = serializers.CharField(allow_null=True, read_only=True)
    value = serializers.CharField(allow_null=True, read_only=True)
    reason = serializers.CharField(read_only=True)


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    """An import as a list row: what was read, stored and rejected, when and by whom."""

    created_by: serializers.SlugRelatedField[AbstractBaseUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("Who ran the import.")
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "source_name",
            "content_hash",
            "status",
            "file_name",
            "rows_read",
            "rows_stored",
            "rows_rejected",
            "period_start",
            "period_end",
            "replaces_from",
            "replaces_to",
            "amount_total",
            "created_by",
            "created_at",
            "seconds",
        ]
        read_only_fields = fields


class ImportBatchDetailSerializer(ImportBatchSerializer):
    """One import with the first row-level errors it met."""

    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Serializer.errors at run time; mypy only sees the class attribute.
    errors = ImportErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields
