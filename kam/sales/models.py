"""The register of sales-ledger batches: which Parquet files are part of the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    SALES = "sales", _("Sales (order lines)")
    ACCOUNTS = "accounts", _("Accounts")
    ACTIVITIES = "activities", _("Activities")
    CONTACTS = "contacts", _("Contacts")


class BatchStatus(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    REJECTED = "rejected", _("Rejected")


class ImportBatch(models.Model):
    """One import of one file. For sales, a committed batch is one immutable Parquet file
    of the ledger; only files of committed batches are ever read, so a crash before the
    commit leaves the ledger as it was. A batch may replace a period of earlier data
    (``replaces_from`` .. ``replaces_to``): earlier batches' lines in that period are then
    no longer read. A rejected batch stores nothing but the record of why.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    source_name = models.CharField(_("source"), max_length=255)
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=BatchStatus.choices)
    file_name = models.CharField(_("ledger file"), max_length=255, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_stored = models.PositiveIntegerField(_("rows stored"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    period_start = models.DateField(_("first order date"), null=True, blank=True)
    period_end = models.DateField(_("last order date"), null=True, blank=True)
    replaces_from = models.DateField(_("replaces from"), null=True, blank=True)
    replaces_to = models.DateField(_("replaces to"), null=True, blank=True)
    amount_total = models.DecimalField(
        _("amount total"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    errors = models.JSONField(_("errors (first ones)"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True, db_index=True)
    seconds = models.FloatField(_("duration (s)"), default=0)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_hash"],
                condition=models.Q(status="committed"),
                name="one_committed_batch_per_content",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.source_name} ({self.status})"
