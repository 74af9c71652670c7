"""Account plans (one per account and year, with objectives and actions), the health
policy (weights of the health score and alert thresholds: one row) and the alerts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.domain import alerts as rules
from kam.domain import health


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class AccountPlan(models.Model):
    """The plan of a key account for a year: what it needs and expects, a SWOT, and the
    objectives and actions of the year. A new year's plan may start as a copy of the
    previous one (``copied_from``)."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="account_plans",
        verbose_name=_("account"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    needs = models.TextField(_("needs"), blank=True)
    expectations = models.TextField(_("expectations"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    opportunities = models.TextField(_("opportunities"), blank=True)
    threats = models.TextField(_("threats"), blank=True)
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["account", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="one_plan_per_account_year"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.year}"


class Objective(models.Model):
    plan = models.ForeignKey(
        AccountPlan, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("plan")
    )
    title = models.CharField(_("title"), max_length=200)
    measure = models.CharField(_("measure"), max_length=200, blank=True)
    target_value = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    current_value = models.DecimalField(
        _("current value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    progress_set = models.DecimalField(
        _("progress set by hand (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to compute it from the current value and the target."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> float | None:
        from kam.domain.plans import objective_progress

        return objective_progress(
            current=None if self.current_value is None else float(self.current_value),
            target=None if self.target_value is None else float(self.target_value),
            set_progress=None if self.progress_set is None else float(self.progress_set),
        )


class ActionStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Action(models.Model):
    plan = models.ForeignKey(
        AccountPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("objective"),
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.TODO
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["plan", "due_date", "id"]

    def __str__(self) -> str:
        return self.title


class HealthPolicy(models.Model):
    """The weights of the health score's components and the alert thresholds: one row,
    edited by directors (the defaults hold until then)."""

    weight_revenue_trend = models.PositiveSmallIntegerField(
        _("weight: revenue trend"), default=int(health.DEFAULT_WEIGHTS[health.REVENUE_TREND])
    )
    weight_order_recency = models.PositiveSmallIntegerField(
        _("weight: recency of orders"), default=int(health.DEFAULT_WEIGHTS[health.ORDER_RECENCY])
    )
    weight_activity_freshness = models.PositiveSmallIntegerField(
        _("weight: activity freshness"),
        default=int(health.DEFAULT_WEIGHTS[health.ACTIVITY_FRESHNESS]),
    )
    weight_stakeholder_coverage = models.PositiveSmallIntegerField(
        _("weight: stakeholder coverage"),
        default=int(health.DEFAULT_WEIGHTS[health.STAKEHOLDER_COVERAGE]),
    )
    weight_plan_progress = models.PositiveSmallIntegerField(
        _("weight: plan progress"), default=int(health.DEFAULT_WEIGHTS[health.PLAN_PROGRESS])
    )
    revenue_drop_pct = models.DecimalField(
        _("alert: revenue drop over (%)"),
        max_digits=5,
        decimal_places=1,
        default=rules.DEFAULT_REVENUE_DROP_PCT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    inactivity_days = models.PositiveSmallIntegerField(
        _("alert: no activity for (days)"),
        default=rules.DEFAULT_INACTIVITY_DAYS,
        validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    WEIGHT_FIELDS = {
        health.REVENUE_TREND: "weight_revenue_trend",
        health.ORDER_RECENCY: "weight_order_recency",
        health.ACTIVITY_FRESHNESS: "weight_activity_freshness",
        health.STAKEHOLDER_COVERAGE: "weight_stakeholder_coverage",
        health.PLAN_PROGRESS: "weight_plan_progress",
    }

    class Meta:
        verbose_name = _("health policy")
        verbose_name_plural = _("health policy")

    def __str__(self) -> str:
        return "health policy"

    def weights(self) -> dict[str, float]:
        return {code: float(getattr(self, name)) for code, name in self.WEIGHT_FIELDS.items()}

    def thresholds(self) -> rules.Thresholds:
        return rules.Thresholds(
            revenue_drop_pct=float(self.revenue_drop_pct), inactivity_days=self.inactivity_days
        )


class AlertRule(models.TextChoices):
    REVENUE_DROP = rules.REVENUE_DROP, _("Revenue drop")
    NO_ACTIVITY = rules.NO_ACTIVITY, _("No activity")
    CHAMPION_LOST = rules.CHAMPION_LOST, _("Champion lost")
    PLAN_OVERDUE = rules.PLAN_OVERDUE, _("Plan overdue")


class Alert(models.Model):
    """A rule whose condition holds for a key account. Open while ``closed_at`` is empty
    (one open alert per account and rule); closed by ``alerts_refresh`` once the
    condition cleared. A manager acknowledges it with a note: it stays open (the
    condition still holds) but leaves the digest."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("account"),
    )
    rule = models.CharField(_("rule"), max_length=20, choices=AlertRule.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "rule"],
                condition=Q(closed_at__isnull=True),
                name="one_open_alert_per_account_rule",
            ),
        ]
        indexes = [models.Index(fields=["closed_at", "account"], name="alert_open_account")]

    def __str__(self) -> str:
        return f"{self.rule} {self.account_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
