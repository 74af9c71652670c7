"""Accounts (customers) and their groups of subsidiaries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PROSPECT = "prospect", _("Prospect")
    DORMANT = "dormant", _("Dormant")
    CLOSED = "closed", _("Closed")


class Account(models.Model):
    """A customer company (or a prospect) that buys from us.

    Accounts form groups: a subsidiary points to its ``parent``, at any depth, without
    cycles; the top of the chain is the group. The attributes here are the ones the
    scorecard reads besides sales: sector, size, market share, international dimension,
    spend potential (for share of wallet) and strategic fit (a 1–5 human judgement).
    """

    external_id = models.CharField(
        _("external id"),
        max_length=64,
        unique=True,
        help_text=_("The account's id in your ERP or CRM."),
    )
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent group"),
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True, db_index=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        db_index=True,
        help_text=_("ISO 3166-1 alpha-2 code of the head office."),
    )
    countries_of_operation = models.JSONField(_("countries of operation"), default=list, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    market_share = models.DecimalField(
        _("market share"),
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("The account's share of its own market, from 0 to 1."),
    )
    spend_potential = models.DecimalField(
        _("spend potential per year"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What the account could spend per year on what we sell."),
    )
    strategic_fit = models.PositiveSmallIntegerField(
        _("strategic fit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("A 1–5 judgement entered by people."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AccountStatus.choices,
        default=AccountStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def clean(self) -> None:
        if self.country:
            self.country = self.country.upper()
        if not isinstance(self.countries_of_operation, list) or not all(
            isinstance(c, str) and len(c) == 2 for c in self.countries_of_operation
        ):
            raise ValidationError(
                {"countries_of_operation": _("Must be a list of two-letter country codes.")}
            )
        self.countries_of_operation = sorted({c.upper() for c in self.countries_of_operation})
        if self.parent_id is not None:
            self._check_no_cycle()

    def _check_no_cycle(self) -> None:
        """Walk up from the parent; meeting this account again would make a cycle."""
        seen: set[int] = set()
        parent_id: int | None = self.parent_id
        while parent_id is not None:
            if self.pk is not None and parent_id == self.pk:
                raise ValidationError({"parent": _("This parent would make a cycle of groups.")})
            if parent_id in seen:  # an existing cycle above us: refuse to extend it
                raise ValidationError({"parent": _("The parent chain already has a cycle.")})
            seen.add(parent_id)
            parent_id = (
                Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
            )

    @property
    def is_international(self) -> bool:
        return len((set(self.countries_of_operation) | {self.country}) - {""}) >= 2
