"""People who own accounts: the manager profile on top of Django's users."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ManagerKind(models.TextChoices):
    KAM = "KAM", _("Key Account Manager")
    GAM = "GAM", _("Global Account Manager")


class ManagerProfile(models.Model):
    """A user who can be entrusted with key accounts: a Key Account Manager, or a Global
    Account Manager for accounts with a strong international dimension.

    ``capacity`` is the workload budget: roughly the number of average key accounts the
    manager can handle well (the seed says a KAM handles only a few). ``reports_to`` makes
    teams: a manager of managers sees the portfolios of everyone who reports to them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_profile"
    )
    kind = models.CharField(
        _("role"), max_length=3, choices=ManagerKind.choices, default=ManagerKind.KAM
    )
    capacity = models.DecimalField(
        _("capacity"),
        max_digits=6,
        decimal_places=2,
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(200)],
        help_text=_("Workload budget, in average key accounts (typically 3 to 15)."),
    )
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("ISO 639-1 codes, e.g. fr, en, de.")
    )
    countries = models.JSONField(
        _("countries"),
        default=list,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 codes, e.g. FR, DE."),
    )
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("reports to"),
    )

    class Meta:
        verbose_name = _("manager profile")
        verbose_name_plural = _("manager profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.kind})"

    def clean(self) -> None:
        for field in ("sectors", "languages", "countries"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({field: _("Must be a list of text values.")})
        if self.reports_to_id is not None and self.reports_to_id == self.user_id:
            raise ValidationError({"reports_to": _("A manager cannot report to themselves.")})


class AuditEvent(models.Model):
    """A decision recorded for the audit trail: who did what, to which record, when and
    why (scorecards created or revised, score runs applied, tiers overridden…).

    Rows are only ever added (by :func:`kam.core.services.audit_record`), never changed:
    the trail is history. ``object_type`` is the model's label (``scoring.scorecard``) and
    ``object_id`` its primary key as text, so that one table serves every kind of record
    and an event outlives the record it names.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty for kam itself (the command line without --as)."),
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    summary = models.TextField(_("summary"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
