"""Scorecards, score runs and their results, and the tiers people set by hand.

The maths lives in :mod:`kam.domain` (Django-free); these models keep what it produced
and the decisions taken on it: which scorecard version, which run is in force, which
account was put in another tier and why.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class ScoringLevelChoice(models.TextChoices):
    ACCOUNT = "account", _("Account")
    GROUP = "group", _("Group")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Scorecard(models.Model):
    """One version of a named scorecard: weighted criteria, ABC thresholds and tier
    rules (``definition``, the JSON form of :class:`kam.domain.scorecard.ScorecardDefinition`).

    A version is immutable once a run of it has been applied (``applied_at`` set): editing
    it makes version n+1, a draft. At most one version of all scorecards is ``active``:
    the one whose run was applied last, used by ``kam score`` when no scorecard is named.
    """

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT
    )
    level = models.CharField(
        _("scoring level"),
        max_length=10,
        choices=ScoringLevelChoice.choices,
        default=ScoringLevelChoice.ACCOUNT,
        help_text=_("Score each account, or each group with its subsidiaries rolled up."),
    )
    definition = models.JSONField(_("definition"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    applied_at = models.DateTimeField(
        _("first applied"),
        null=True,
        blank=True,
        help_text=_("Set when a run of this version is first applied; it is then immutable."),
    )

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="scorecard_name_version"),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_scorecard"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        if not self.name.strip():
            raise ValidationError({"name": _("A scorecard needs a name.")})
        if not isinstance(self.definition, dict):
            raise ValidationError({"definition": _("Must be a JSON object.")})

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class ScoreRun(models.Model):
    """One scoring of every account (or group) with one scorecard version, as of a date.

    A run is stored ``running``, then ``done`` with all its scores in one transaction (or
    ``failed`` with the error and no score). Runs are history: any past run can be shown.
    Applying a run puts it *in force* (exactly one at a time): its key tier is the
    key-account list.
    """

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="runs", verbose_name=_("scorecard")
    )
    as_of = models.DateField(_("as of"), help_text=_("Sales before this day are counted."))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    applied = models.BooleanField(_("applied"), default=False)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    in_force = models.BooleanField(_("in force"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("duration (s)"), default=0.0)
    accounts_scored = models.PositiveIntegerField(_("accounts scored"), default=0)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_force"], condition=Q(in_force=True), name="one_run_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"run #{self.pk} {self.scorecard_id} as of {self.as_of} ({self.status})"


class AccountScore(models.Model):
    """An account's result in one run: score, rank, ABC class, tier and why.

    Its explanation lists, per criterion, the raw value behind it and the points it gave
    (``[{feature, value, points, weight}]``); the points sum to ``score``. Runs keep the
    explanations of all their accounts in one file, ``KAM_HOME/runs/`` (storing them in
    100,000 rows doubled the time to store a run); the selectors of
    :mod:`kam.scoring.selectors` fill ``contributions`` from it. The column holds them
    only for runs stored before that change (``[]`` for later ones). ``tier``
    is the tier in force (a manual override wins), ``computed_tier`` the scorecard's.
    In a group-level run, ``account`` is the group's top account.
    """

    # No single-column indexes on the keys: the unique (run, account) and the
    # (account, run) indexes serve those lookups, and each index costs on every insert of
    # a run's 100,000 rows.
    run = models.ForeignKey(
        ScoreRun,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("run"),
        db_index=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("account"),
        db_index=False,
    )
    score = models.FloatField(_("score"))
    rank = models.PositiveIntegerField(_("rank"))
    abc = models.CharField(_("ABC class"), max_length=1)
    cum_revenue_share = models.FloatField(_("cumulative revenue share"), default=0.0)
    tier = models.CharField(_("tier"), max_length=30)
    computed_tier = models.CharField(_("computed tier"), max_length=30)
    revenue_12m = models.FloatField(_("revenue, last 12 months"), default=0.0)
    revenue_prev_12m = models.FloatField(_("revenue, 12 months before"), default=0.0)
    growth = models.FloatField(_("growth"), null=True, blank=True)
    contributions = models.JSONField(_("contributions"), default=list)
    attractiveness = models.FloatField(_("attractiveness"), null=True, blank=True)
    strength = models.FloatField(_("relative strength"), null=True, blank=True)
    quadrant = models.CharField(_("portfolio quadrant"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("account score")
        verbose_name_plural = _("account scores")
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="one_score_per_run_account"),
        ]
        indexes = [
            models.Index(fields=["run", "rank"]),
            models.Index(fields=["run", "tier", "rank"]),  # the key-account list
            models.Index(fields=["account", "run"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in run {self.run_id}: {self.score:.1f} ({self.tier})"

    @property
    def is_overridden(self) -> bool:
        return self.tier != self.computed_tier


class TierOverride(models.Model):
    """A tier set by hand for an account, with the reason. It replaces the computed
    tier in the run in force at once and in every new run, until it is removed (the
    row is then kept, with who removed it and why: history). At most one is active per
    account."""

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="tier_overrides",
        verbose_name=_("account"),
    )
    tier = models.CharField(_("tier"), max_length=30)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removal_reason = models.TextField(_("reason for removal"), blank=True)

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(removed_at__isnull=True),
                name="one_active_tier_override_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.tier}"

    def clean(self) -> None:
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("A tier override needs a reason.")})
        if not (self.tier or "").strip():
            raise ValidationError({"tier": _("Choose a tier.")})

    @property
    def is_active(self) -> bool:
        return self.removed_at is None
