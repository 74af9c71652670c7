"""Accounts (customers) and their groups of subsidiaries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.domain.stakeholders import would_make_cycle


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


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion / sponsor")
    USER = "user", _("User")
    BLOCKER = "blocker", _("Blocker")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class Contact(models.Model):
    """A person at an account, with their stakeholder profile: their role in the buying
    decision, their influence (1–5), their attitude toward us, whom they report to (the
    account's org chart) and whether they may receive mailings.

    A contact who left the company keeps their row (``left_on`` is set): the history of
    activities and the "champion left" alert need it. The last contact date is not stored:
    it is read from the activities.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("account")
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("The contact's identifier in your source system, unique per account."),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    buying_role = models.CharField(
        _("role in the buying decision"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    influence = models.PositiveSmallIntegerField(
        _("influence"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (little) to 5 (decisive)."),
    )
    attitude = models.CharField(
        _("attitude toward us"),
        max_length=10,
        choices=Attitude.choices,
        default=Attitude.NEUTRAL,
    )
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("reports to"),
    )
    do_not_mail = models.BooleanField(
        _("do not mail"),
        default=False,
        help_text=_("The contact refused mailings: campaigns skip them."),
    )
    left_on = models.DateField(
        _("left the company on"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_current(self) -> bool:
        return self.left_on is None

    def clean(self) -> None:
        if self.reports_to_id is None:
            return
        if self.pk is not None and self.reports_to_id == self.pk:
            raise ValidationError({"reports_to": _("A contact cannot report to themselves.")})
        boss = Contact.objects.filter(pk=self.reports_to_id).values("account_id").first()
        if boss is not None and boss["account_id"] != self.account_id:
            raise ValidationError(
                {"reports_to": _("A contact can only report to someone of the same account.")}
            )
        self._check_no_cycle()

    def _check_no_cycle(self) -> None:
        """One query: the account's reporting lines (a boss is of the same account)."""
        if self.pk is None:  # nobody reports to a new contact yet
            return
        links = dict(
            Contact.objects.filter(account_id=self.account_id).values_list("pk", "reports_to_id")
        )
        if would_make_cycle(links, self.pk, self.reports_to_id):
            raise ValidationError({"reports_to": _("This would make a reporting cycle.")})
