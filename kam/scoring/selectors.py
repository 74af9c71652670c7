"""Reads of scorecards, score runs and account scores, scoped to the requesting user.

What is company-level (scorecards, runs and their aggregate statistics: the Pareto curve,
counts per tier) is visible to every signed-in user: how accounts are judged is not a
secret within the company. Account rows (scores, ranks, contributions) follow the
accounts' record-level access (:func:`kam.accounts.selectors.account_list`).

``user=None`` is kam itself (the command line without ``--as``): it sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from kam.accounts.models import Account
from kam.accounts.selectors import account_list
from kam.assignments.models import AccountAssignment, AssignmentRole
from kam.scoring.models import (
    AccountScore,
    RunStatus,
    Scorecard,
    ScorecardStatus,
    ScoreRun,
    TierOverride,
)
from kam.scoring.storage import contributions_attach

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser | None

# The lead manager's username, put on each account score by :func:`account_score_list`.
LEAD_MANAGER = "lead_manager"


def _signed_in(user: User) -> bool:
    return user is None or user.is_authenticated


def _visible_accounts(user: User) -> QuerySet[Account]:
    return Account.objects.all() if user is None else account_list(user=user)


def run_in_force() -> ScoreRun | None:
    """The run whose tiers are the key-account list today, if any run was applied."""
    return ScoreRun.objects.select_related("scorecard").filter(in_force=True).first()


def score_run_list(*, user: User) -> QuerySet[ScoreRun]:
    """Every score run, newest first (company-level history, no account row)."""
    if not _signed_in(user):
        return ScoreRun.objects.none()
    return ScoreRun.objects.select_related("scorecard", "created_by", "applied_by").order_by(
        "-created_at", "-id"
    )


def score_run_get(*, user: User, run_id: int) -> ScoreRun:
    """One run, or 404."""
    run = score_run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such score run.")
    return run


def score_run_as_of(*, user: User, as_of: date) -> ScoreRun | None:
    """The key-account list that held for ``as_of``: among finished runs computed as of
    that day or before, the latest as-of date, applied runs first, then the newest."""
    return (
        score_run_list(user=user)
        .filter(status=RunStatus.DONE, as_of__lte=as_of)
        .order_by("-as_of", "-applied", "-in_force", "-created_at", "-id")
        .first()
    )


def scorecard_list(*, user: User) -> QuerySet[Scorecard]:
    """Every scorecard version, by name then newest version first."""
    if not _signed_in(user):
        return Scorecard.objects.none()
    return Scorecard.objects.select_related("created_by").order_by("name", "-version")


def scorecard_get(*, user: User, name: str, version: int | None = None) -> Scorecard:
    """A scorecard by name: the given version, else the active version of that name,
    else its latest version. 404 when there is none."""
    versions = scorecard_list(user=user).filter(name=name)
    if version is not None:
        found = versions.filter(version=version).first()
    else:
        found = (
            versions.filter(status=ScorecardStatus.ACTIVE).first()
            or versions.order_by("-version").first()
        )
    if found is None:
        raise Http404("No such scorecard.")
    return found


class ExplainedScores(QuerySet[AccountScore]):
    """Account scores that carry their explanation: when rows are fetched as model
    objects, ``contributions`` is read from their run's file for those rows only
    (:func:`kam.scoring.storage.contributions_attach`: one small read per page), not for
    ``values()``, counts or ``iterator()``."""

    def _fetch_all(self) -> None:
        fetched = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache or []
        if fetched and rows and isinstance(rows[0], AccountScore):
            contributions_attach(rows)


def account_score_list(
    *, user: User, run: ScoreRun | None = None, tier: str | None = None
) -> QuerySet[AccountScore]:
    """The scores of one run (the run in force by default) of the accounts the user may
    see, best rank first, each with its account, its run, its lead manager's username
    (``lead_manager``) and its explanation (``contributions``, see
    :class:`ExplainedScores`). Empty when no run is in force."""
    if not _signed_in(user):
        return AccountScore.objects.none()
    if run is None:
        run = run_in_force()
        if run is None:
            return AccountScore.objects.none()
    lead = AccountAssignment.objects.filter(
        account=OuterRef("account_id"), ended_at__isnull=True, role=AssignmentRole.LEAD
    ).values("manager__username")[:1]
    scores = ExplainedScores(AccountScore).filter(run=run)
    if user is not None:
        scores = scores.filter(account__in=_visible_accounts(user))
    if tier:
        scores = scores.filter(tier=tier)
    return (
        scores.select_related("account", "run")
        .annotate(**{LEAD_MANAGER: Subquery(lead)})
        .order_by("rank", "account_id")
    )


def account_score_get(*, user: User, external_id: str, run: ScoreRun | None = None) -> AccountScore:
    """One account's score in a run (the run in force by default), with its run and
    scorecard. 404 when the account does not exist, is not the user's to see, or has no
    score in that run (a subsidiary in a group-level run)."""
    found = (
        account_score_list(user=user, run=run)
        .select_related("run__scorecard")
        .filter(account__external_id=external_id)
        .first()
    )
    if found is None:
        raise Http404("No score for this account.")
    return found


def account_score_history(*, user: User, account: Account) -> QuerySet[AccountScore]:
    """The account's scores in every finished run, the latest as-of date first; empty
    when the user may not see the account. Without their explanations (one file per
    run): :func:`account_score_get` gives a run's."""
    if not _signed_in(user):
        return AccountScore.objects.none()
    scores = AccountScore.objects.filter(account=account, run__status=RunStatus.DONE)
    if user is not None:
        scores = scores.filter(account__in=_visible_accounts(user))
    return scores.select_related("run__scorecard").order_by("-run__as_of", "-run__created_at")


def tier_override_list(
    *, user: User, account: Account | None = None, active_only: bool = True
) -> QuerySet[TierOverride]:
    """Tier overrides of the accounts the user may see (of one account if given), the
    newest first; only the active ones unless ``active_only`` is false (history)."""
    if not _signed_in(user):
        return TierOverride.objects.none()
    overrides = TierOverride.objects.all()
    if user is not None:
        overrides = overrides.filter(account__in=_visible_accounts(user))
    if account is not None:
        overrides = overrides.filter(account=account)
    if active_only:
        overrides = overrides.filter(removed_at__isnull=True)
    return overrides.select_related("account", "created_by", "removed_by")


@dataclass(frozen=True)
class ParetoData:
    """The Pareto chart of a run: the curve (share of accounts → share of revenue), the
    share of revenue of the top 20 % and the ABC counts are company-level and shown to
    everyone; ``accounts`` holds only the rows the user may see."""

    run: ScoreRun
    curve: list[tuple[float, float]]
    top20_share: float | None
    revenue_total: float
    abc_counts: dict[str, int]
    abc_thresholds: tuple[float, float]
    accounts: QuerySet[AccountScore] = field(repr=False)


def pareto_data(*, user: User, run: ScoreRun) -> ParetoData:
    """The Pareto/ABC view of a run (see :class:`ParetoData` for who sees what)."""
    stats: dict[str, Any] = run.stats or {}
    thresholds = stats.get("abc_thresholds") or [0.8, 0.95]
    return ParetoData(
        run=run,
        curve=[(float(x), float(y)) for x, y in stats.get("pareto", [])],
        top20_share=stats.get("top20_share"),
        revenue_total=float(stats.get("revenue_total", 0.0)),
        abc_counts={k: int(v) for k, v in (stats.get("abc") or {}).items()},
        abc_thresholds=(float(thresholds[0]), float(thresholds[1])),
        accounts=account_score_list(user=user, run=run)
        if _signed_in(user)
        else AccountScore.objects.none(),
    )
