"""Channels, the activities logged through them, and the channel plan of each account.

The rule of the seed, enforced by :func:`kam.engagement.services.channel_plan_set` (which
every form, API view and command calls): a key account's plan has 1 to 3 channels.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.engagement.catalogue import seeded_label


class ChannelKind(models.TextChoices):
    VISIT = "visit", _("Visit / prospecting")
    MAILING = "mailing", _("Mailing with offers")
    EMAILING = "emailing", _("Emailing")
    SOCIAL = "social", _("Social community")
    PHONE = "phone", _("Phone")
    EVENT = "event", _("Event")
    WEBINAR = "webinar", _("Webinar")
    OTHER = "other", _("Other")


class Channel(models.Model):
    """A way of reaching accounts (a visit, a mailing with offers, a webinar...) and what
    one contact through it costs. Marketing and directors keep the catalogue.

    ``code`` is the stable identifier (files, API, command line). The channels kam seeds
    show their name in the reader's language as long as nobody renamed them; a renamed
    channel shows its new name as typed (see :attr:`label`)."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("A short identifier used in files, the API and the command line."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ChannelKind.choices, default=ChannelKind.OTHER
    )
    unit_cost = models.DecimalField(
        _("cost per contact"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("What one contact through this channel costs (time, material, fees)."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive channels keep their history.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name to show: a seeded channel's default name in the active language,
        else the name as stored."""
        return seeded_label(self.code, self.name) or self.name

    def clean(self) -> None:
        if not (self.name or "").strip():
            raise ValidationError({"name": gettext("A channel needs a name.")})


class Outcome(models.TextChoices):
    NONE = "none", _("No response")
    REPLY = "reply", _("Reply")
    MEETING = "meeting", _("Meeting")
    ORDER = "order", _("Order")
    LOST = "lost", _("Lost")


class Activity(models.Model):
    """One interaction with an account through a channel: a visit, a mailing, a call...
    with its cost (the channel's unit cost unless said otherwise), the contacts of the
    account involved, and its outcome. When it led to an order, ``order_amount`` (and the
    order's reference) say how much: the revenue after contact of the recommendation.

    ``external_id`` identifies an imported activity, so that importing a file again
    updates its rows instead of doubling them; activities logged in kam have none."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("account"),
        db_index=False,  # the (account, occurred_on) index serves it
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("channel"),
        db_index=False,  # the (channel, occurred_on) index serves it
    )
    occurred_on = models.DateField(_("date"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    contacts = models.ManyToManyField(
        "accounts.Contact", blank=True, related_name="activities", verbose_name=_("contacts")
    )
    cost = models.DecimalField(
        _("cost"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.NONE
    )
    order_amount = models.DecimalField(
        _("order amount"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("When the activity led to an order: its amount."),
    )
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The activity's id in the file it was imported from."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["account", "occurred_on"], name="activity_account_date"),
            models.Index(fields=["channel", "occurred_on"], name="activity_channel_date"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.channel_id} {self.account_id} ({self.outcome})"

    def clean(self) -> None:
        if self.order_amount is not None and self.outcome != Outcome.ORDER:
            raise ValidationError(
                {"order_amount": gettext("An order amount needs the outcome “order”.")}
            )


class PlanPeriod(models.TextChoices):
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class ChannelPlan(models.Model):
    """The channels a key account is worked through (1 to 3, each with a cadence), from
    ``valid_from`` until it is replaced (``valid_to``). The current plan has no
    ``valid_to``; replaced plans are the history of who chose what, and when."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="channel_plans",
        verbose_name=_("account"),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    from_recommendation = models.BooleanField(
        _("suggested by kam"),
        default=False,
        help_text=_("The plan is kam's suggested plan, accepted as it was."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )

    class Meta:
        verbose_name = _("channel plan")
        verbose_name_plural = _("channel plans")
        ordering = ["account", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(valid_to__isnull=True),
                name="one_current_channel_plan_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"plan of {self.account_id} from {self.valid_from:%Y-%m-%d}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class ChannelPlanItem(models.Model):
    """One channel of a plan and its cadence: ``times`` contacts per ``period`` (a visit
    per quarter is 1 per quarter; a mailing per month, 1 per month)."""

    plan = models.ForeignKey(
        ChannelPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="plan_items", verbose_name=_("channel")
    )
    times = models.PositiveSmallIntegerField(
        _("times"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    period = models.CharField(_("per"), max_length=10, choices=PlanPeriod.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("channel plan item")
        verbose_name_plural = _("channel plan items")
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "channel"], name="one_item_per_plan_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.times}/{self.period}"


# -- loyalty campaigns --------------------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")


class Campaign(models.Model):
    """A loyalty campaign: an offer (text, validity, optional discount) sent through a
    channel to the contacts of the key accounts chosen by ``criteria``.

    ``criteria`` holds ``tiers`` (default: key), ``kams`` (usernames of the accounts'
    managers), ``sectors`` and ``min_score``; an empty list or a null means "any". The
    counts are set when the campaign is sent (:func:`kam.engagement.campaigns.campaign_send`),
    which can happen once."""

    name = models.CharField(_("name"), max_length=200)
    offer = models.TextField(_("offer"))
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("channel")
    )
    criteria = models.JSONField(_("selection criteria"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    score_run = models.ForeignKey(
        "scoring.ScoreRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("score run"),
        help_text=_("The score run in force when the campaign was sent (its tiers)."),
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
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    accounts_count = models.PositiveIntegerField(_("accounts targeted"), default=0)
    sent_count = models.PositiveIntegerField(_("e-mails sent"), default=0)
    failed_count = models.PositiveIntegerField(_("e-mails failed"), default=0)
    skipped_no_consent = models.PositiveIntegerField(_("skipped: no consent"), default=0)
    skipped_no_email = models.PositiveIntegerField(_("skipped: no e-mail"), default=0)
    skipped_left = models.PositiveIntegerField(_("skipped: left the company"), default=0)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sent(self) -> bool:
        return self.status == CampaignStatus.SENT

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": gettext("The offer must end on or after the day it starts.")}
            )


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("not sent yet")
    SENT = "sent", _("sent")
    SKIPPED_NO_CONSENT = "skipped_no_consent", _("skipped: no consent")
    SKIPPED_NO_EMAIL = "skipped_no_email", _("skipped: no e-mail")
    SKIPPED_LEFT = "skipped_left", _("skipped: left the company")
    FAILED = "failed", _("failed")


class CampaignTarget(models.Model):
    """One contact of a targeted account and what became of the campaign's e-mail to
    them. An account without any contact has one row with no contact (skipped: no
    e-mail)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="targets", verbose_name=_("campaign")
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="campaign_targets",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_targets",
        verbose_name=_("contact"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TargetStatus.choices, default=TargetStatus.PENDING
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    responded = models.BooleanField(_("responded"), default=False)
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.NONE
    )

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        ordering = ["campaign", "account", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"], name="one_target_per_campaign_contact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.email or self.account_id} ({self.status})"
