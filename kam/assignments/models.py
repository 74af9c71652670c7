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
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    ended_by = models.ForeignKey(
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


class ValueBasis(models.TextChoices):
    REVENUE = "revenue", _("Revenue over the last 12 months")
    SCORE = "score", _("Score")


class AssignmentPolicy(models.Model):
    """The rules of the assignment proposal, edited by directors: which tiers are placed
    and what they ask for, how workloads are weighted, when an account is international,
    and the points of the objective (see :mod:`kam.domain.workload` and
    :mod:`kam.domain.assignment`). One row (the current rules); changes are audited.
    """

    tiers = models.JSONField(
        _("tiers placed"),
        default=dict,
        help_text=_(
            'Per tier: workload weight and support members, e.g. {"key": '
            '{"workload": 1.0, "support": 0}}.'
        ),
    )
    size_bands = models.JSONField(
        _("size factors"),
        default=list,
        help_text=_("[[employees from, factor], …], the first from 0."),
    )
    per_country = models.FloatField(_("extra workload per country"), default=0.1)
    per_country_cap = models.FloatField(_("cap of the extra workload for countries"), default=0.5)
    international_countries = models.PositiveSmallIntegerField(
        _("countries that make an account international"), default=3
    )
    group_abroad = models.BooleanField(
        _("a group with a subsidiary abroad is international"), default=True
    )
    value_basis = models.CharField(
        _("portfolio value"), max_length=10, choices=ValueBasis.choices, default=ValueBasis.REVENUE
    )
    fit_sector = models.FloatField(_("points for a sector match"), default=3.0)
    fit_language = models.FloatField(_("points for a language match"), default=2.0)
    fit_country = models.FloatField(_("points for a country match"), default=1.0)
    continuity = models.FloatField(
        _("continuity cost of a move"),
        default=5.0,
        help_text=_("A lead changes only when the move gains more points than this."),
    )
    balance = models.FloatField(
        _("balance penalty"),
        default=1.0,
        help_text=_("Points per average account of value outside a portfolio's fair share."),
    )
    balance_band = models.FloatField(
        _("balance tolerance"),
        default=0.10,
        help_text=_("A portfolio within ± this share of its fair share counts as balanced."),
    )
    time_limit_s = models.FloatField(_("time limit (s)"), default=10.0)
    gap_limit = models.FloatField(_("accepted gap to the optimum"), default=0.01)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policies")

    def __str__(self) -> str:
        return str(_("Assignment policy"))


class ProposalState(models.TextChoices):
    OPEN = "open", _("Open")
    APPLIED = "applied", _("Applied")
    PARTLY_APPLIED = "partly_applied", _("Partly applied")
    DISCARDED = "discarded", _("Discarded")
    SUPERSEDED = "superseded", _("Superseded")


class Proposal(models.Model):
    """An assignment proposal: a dry run of the optimiser, kept as a diff against the
    assignments of the moment it was made, until a director applies all or some of its
    lines (or discards it). An infeasible proposal has no line but says which accounts
    could not be placed and how much capacity is missing."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score_run = models.ForeignKey(
        "scoring.ScoreRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("score run"),
    )
    solver_status = models.CharField(_("solver status"), max_length=12)
    state = models.CharField(
        _("state"), max_length=16, choices=ProposalState.choices, default=ProposalState.OPEN
    )
    message = models.TextField(_("message"), blank=True)
    objective = models.JSONField(_("objective"), default=dict)
    best_bound = models.FloatField(_("best bound"), default=0.0)
    gap = models.FloatField(_("gap"), default=0.0)
    seconds = models.FloatField(_("duration (s)"), default=0.0)
    loads = models.JSONField(_("loads"), default=list)
    unplaced = models.JSONField(_("accounts not placed"), default=list)
    missing_capacity = models.JSONField(_("missing capacity"), default=dict)
    policy = models.JSONField(_("policy used"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("assignment proposal")
        verbose_name_plural = _("assignment proposals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"proposal #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == ProposalState.OPEN

    @property
    def feasible(self) -> bool:
        return self.solver_status in ("optimal", "feasible")


class LineChange(models.TextChoices):
    KEPT = "kept", _("Kept")
    MOVED = "moved", _("Moved")
    NEW = "new", _("New")
    UNASSIGNED = "unassigned", _("Unassigned")


class LineDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied")


class ProposalLine(models.Model):
    """One account in a proposal: its proposed lead and support members against today's.
    ``unassigned`` lines release the lead of an account that is no longer in a placed
    tier. A director accepts or rejects each line before applying."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="lines", verbose_name=_("proposal")
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    change = models.CharField(_("change"), max_length=10, choices=LineChange.choices)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed lead"),
    )
    previous_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead today"),
    )
    support = models.JSONField(_("proposed support members"), default=list)
    previous_support = models.JSONField(_("support members today"), default=list)
    reasons = models.JSONField(_("reasons"), default=list)
    workload = models.FloatField(_("workload"), default=0.0)
    value = models.FloatField(_("value"), default=0.0)
    international = models.BooleanField(_("international"), default=False)
    decision = models.CharField(
        _("decision"), max_length=10, choices=LineDecision.choices, default=LineDecision.ACCEPTED
    )

    class Meta:
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "account"], name="one_line_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.change}"

    @property
    def is_change(self) -> bool:
        return self.change != LineChange.KEPT or self.support != self.previous_support
