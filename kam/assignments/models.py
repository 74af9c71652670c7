"""Who looks after which account, and since when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead manager")
    SUPPORT = "support", _("Support member")


class AccountAssignment(models.Model):
    """An account entrusted to a manager, as lead or as support member, over a span of
    time. The current portfolio is the rows with no ``ended_at``; ended rows are the
    history (who, from, to, when, why). Record-level access reads the current rows.
    """

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("account"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("manager"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD
    )
    pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Kept as it is by assignment proposals.")
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("account assignment")
        verbose_name_plural = _("account assignments")
        constraints = [
            # One current lead per account.
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(ended_at__isnull=True, role="lead"),
                name="one_current_lead_per_account",
            ),
            models.UniqueConstraint(
                fields=["account", "manager"],
                condition=Q(ended_at__isnull=True),
                name="one_current_assignment_per_manager_and_account",
            ),
        ]
        indexes = [models.Index(fields=["manager", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.manager_id} ({self.role})"
