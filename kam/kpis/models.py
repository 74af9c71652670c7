"""The targets set for KPIs. The KPIs themselves are computed on demand from the sales
ledger, the score runs, the assignments and the activities (:mod:`kam.kpis.selectors`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.domain import kpis


class KpiCode(models.TextChoices):
    """The KPIs a target can be set for (the codes of :data:`kam.domain.kpis.KPI_CODES`)."""

    INCREASED = kpis.INCREASED, _("Key accounts that increased purchases")
    INCREASED_SHARE = kpis.INCREASED_SHARE, _("Share of key accounts that increased purchases")
    NEW_KEY_ACCOUNTS = kpis.NEW_KEY_ACCOUNTS, _("New key accounts signed")
    UPLIFT_MEAN = kpis.UPLIFT_MEAN, _("Mean uplift per key account")
    UPLIFT_MEDIAN = kpis.UPLIFT_MEDIAN, _("Median uplift per key account")
    UPLIFT_PCT = kpis.UPLIFT_PCT, _("Uplift of key accounts (%)")
    KEY_REVENUE_SHARE = kpis.KEY_REVENUE_SHARE, _("Share of revenue from key accounts")
    RETENTION = kpis.RETENTION, _("Key-account retention")
    ROI = kpis.ROI, _("ROI of actions")
    ACTIVITIES_PER_KEY_ACCOUNT = kpis.ACTIVITIES_PER_KEY_ACCOUNT, _("Activities per key account")
    DID = kpis.DID, _("Uplift against comparable accounts (difference in differences)")


class TargetDirection(models.TextChoices):
    AT_LEAST = kpis.AT_LEAST, _("at least")
    AT_MOST = kpis.AT_MOST, _("at most")


class TargetStatus(models.TextChoices):
    """Where the actual figure stands against its target (not stored: computed)."""

    ON_TRACK = kpis.ON_TRACK, _("on track")
    AT_RISK = kpis.AT_RISK, _("at risk")
    OFF_TRACK = kpis.OFF_TRACK, _("off track")


class KpiTarget(models.Model):
    """A target for one KPI over one period, for the company (no ``manager``) or for a
    KAM's portfolio: e.g. "retention at least 0.9 for 2026", "ROI at least 2 for Kim in
    the first half". Against the actual figure of the same period it is *on track* when
    met, *at risk* when short by at most 10 %, *off track* beyond. Shares and percentages
    are fractions (0.9 = 90 %). Directors set and remove targets."""

    kpi = models.CharField(_("KPI"), max_length=40, choices=KpiCode.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kpi_targets",
        verbose_name=_("KAM"),
        help_text=_("Empty: a target for the whole company."),
    )
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    value = models.FloatField(_("target"))
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=TargetDirection.choices,
        default=TargetDirection.AT_LEAST,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["date_from", "date_to", "kpi", "manager_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "manager", "date_from", "date_to"],
                condition=Q(manager__isnull=False),
                name="one_kam_target_per_kpi_and_period",
            ),
            models.UniqueConstraint(
                fields=["kpi", "date_from", "date_to"],
                condition=Q(manager__isnull=True),
                name="one_company_target_per_kpi_and_period",
            ),
        ]

    def __str__(self) -> str:
        who = self.manager_id or "company"
        return f"{self.kpi} {self.direction} {self.value} ({who}, {self.date_from}–{self.date_to})"

    @property
    def is_company(self) -> bool:
        return self.manager_id is None
