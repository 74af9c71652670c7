"""Writes of scoring: score runs (stored, in the background, applied), and the preview
and backtest of a scorecard, which store nothing but are computed like a run. Scorecards
(:mod:`kam.scoring.scorecards`) and tier overrides (:mod:`kam.scoring.overrides`) have
their own modules; their services are importable from here too.

Who may do what (:mod:`kam.core.roles`): only directors edit scorecards, store and apply
runs and override tiers; users who see every account (directors, analysts, marketing) may
preview a scorecard, make a dry run or a backtest. ``user=None`` is kam itself (the
command line without ``--as``, the demo loader). Invalid scorecards raise
:class:`kam.domain.scorecard.ScorecardInvalid` (one problem per line, each naming its
field); other bad input raises ``ValidationError`` naming the field.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.services import audit_record
from kam.domain.backtest import BacktestResult, backtest
from kam.domain.features import group_feature_frame
from kam.domain.preview import RunComparison, compare_runs
from kam.domain.scorecard import ScorecardDefinition, ScoringLevel
from kam.ledger.features import years_before
from kam.scoring.compute import run_stats, score_frame
from kam.scoring.features import AccountFeatures, account_features
from kam.scoring.models import (
    AccountScore,
    RunStatus,
    Scorecard,
    ScorecardStatus,
    ScoreRun,
    TierOverride,
)
from kam.scoring.overrides import (
    known_tiers,
    tier_counts_of,
    tier_override_remove,
    tier_override_set,
)
from kam.scoring.scorecards import (
    SEED_SCORECARD_NAME,
    actor,
    definition_parse,
    require_full_view,
    require_manager,
    scorecard_create,
    scorecard_definition,
    scorecard_in_use,
    scorecard_revise,
    scorecard_update,
)
from kam.scoring.selectors import run_in_force
from kam.scoring.storage import (
    account_scores_insert,
    active_overrides,
    contributions_remove,
    contributions_save,
    run_comparison_frame,
    run_files_prune,
    run_frame_save,
)

if TYPE_CHECKING:
    from kam.scoring.scorecards import Actor

__all__ = [
    "SEED_SCORECARD_NAME",
    "BackgroundRun",
    "ScoreRunResult",
    "definition_parse",
    "known_tiers",
    "score_backtest",
    "score_run_apply",
    "score_run_create",
    "score_run_start",
    "scorecard_create",
    "scorecard_definition",
    "scorecard_in_use",
    "scorecard_preview",
    "scorecard_revise",
    "scorecard_update",
    "tier_override_remove",
    "tier_override_set",
]

Progress = Callable[[str, float], None]

logger = logging.getLogger(__name__)

# -- score runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRunResult:
    """A finished run: the stored ``run`` (None for a dry run), its score frame (see
    :func:`kam.scoring.compute.score_frame`), its statistics and how it differs from the
    run that was in force when it started (None when no run was in force)."""

    run: ScoreRun | None
    scorecard: Scorecard
    as_of: date
    scores: pl.DataFrame
    stats: dict[str, Any]
    comparison: RunComparison | None
    seconds: float
    dry_run: bool


def score_run_create(
    *,
    scorecard: Scorecard | None = None,
    as_of: date | None = None,
    user: Actor,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ScoreRunResult:
    """Score every account (or group) with ``scorecard`` (the active one by default, or
    the seed scorecard) as of ``as_of`` (today by default), and store the run with every
    account's score, rank, ABC class, tier and contributions. The run is stored
    ``running`` first, then ``done`` with all its rows in one transaction, or ``failed``
    with the error and no row (the error is raised again). A dry run stores nothing.
    The new run is not in force until :func:`score_run_apply`."""
    if dry_run:
        require_full_view(user, _("Only users who see every account may make a dry run."))
    else:
        require_manager(user, _("Only directors may store score runs."))
    scorecard = scorecard or scorecard_in_use()
    definition = scorecard_definition(scorecard)
    as_of = as_of or timezone.localdate()
    if dry_run:
        return _compute(scorecard, definition, as_of, run=None, progress=progress)
    run = _run_begin(scorecard, as_of, user)
    return _run_execute(run, definition, progress)


def _run_begin(scorecard: Scorecard, as_of: date, user: Actor) -> ScoreRun:
    run = ScoreRun(
        scorecard=scorecard,
        as_of=as_of,
        status=RunStatus.RUNNING,
        stage="starting",
        created_by=actor(user),
    )
    run.full_clean()
    run.save()
    return run


def _run_execute(
    run: ScoreRun, definition: ScorecardDefinition, progress: Progress | None
) -> ScoreRunResult:
    try:
        return _compute(run.scorecard, definition, run.as_of, run=run, progress=progress)
    except BaseException as exc:
        reason = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        ScoreRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            stage="failed",
            error=reason[:10_000],
            finished_at=timezone.now(),
        )
        raise


def _compute(
    scorecard: Scorecard,
    definition: ScorecardDefinition,
    as_of: date,
    *,
    run: ScoreRun | None,
    progress: Progress | None,
) -> ScoreRunResult:
    started = time.monotonic()
    say = _reporter(run, progress)
    # Files (the feature cache, the run's explanations and comparison copy) are written
    # on a thread of their own while this one scores and stores: Polars writes them
    # without holding the GIL. Leaving the block waits for them.
    with _FileWriter() as files:
        say("computing features", 0.05)
        features = account_features(as_of=as_of, background=files)
        say("scoring", 0.5)
        frame = _level_frame(features, definition, as_of)
        scores = score_frame(frame, definition, overrides=active_overrides())
        stats = run_stats(scores, definition, features_cached=features.from_cache)
        before = _in_force_frame()
        comparison = compare_runs(before, _comparable(scores)) if before is not None else None
        if run is not None:
            say("storing", 0.7)
            _store(run, scores, definition, features, stats, started, files)
        files.wait()
    say("done", 1.0)
    return ScoreRunResult(
        run=run,
        scorecard=scorecard,
        as_of=as_of,
        scores=scores,
        stats=stats,
        comparison=comparison,
        seconds=round(time.monotonic() - started, 3),
        dry_run=run is None,
    )


class _FileWriter(ThreadPoolExecutor):
    """One thread writing files in the background; :meth:`wait` waits for every file
    submitted and raises the first failure."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="kam-score-files")
        self._jobs: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        job = super().submit(fn, *args, **kwargs)
        self._jobs.append(job)
        return job

    def wait(self) -> None:
        for job in self._jobs:
            job.result()


def _level_frame(
    features: AccountFeatures, definition: ScorecardDefinition, as_of: date
) -> pl.DataFrame:
    if ScoringLevel(definition.level) == ScoringLevel.GROUP:
        return group_feature_frame(features.frame, as_of=as_of)
    return features.frame


def _store(
    run: ScoreRun,
    scores: pl.DataFrame,
    definition: ScorecardDefinition,
    features: AccountFeatures,
    stats: dict[str, Any],
    started: float,
    files: Executor,
) -> None:
    """All rows and the status in one transaction: a failure leaves no half run. The
    run's explanation file is written meanwhile (on ``files``: Polars and SQLite both
    work without the GIL) and is in place before the rows are committed; when they are
    not, it is removed. Then the run's comparison copy (a cache) is written."""
    in_force = run_in_force()
    explained = files.submit(contributions_save, run, scores, definition, account_pks=features.ids)
    try:
        with transaction.atomic():
            account_scores_insert(scores, run_id=run.pk, account_pks=features.ids)
            run.status = RunStatus.DONE
            run.stage = "done"
            run.progress = 1.0
            run.accounts_scored = scores.height
            run.stats = stats
            run.finished_at = timezone.now()
            run.seconds = round(time.monotonic() - started, 3)
            run.save()
            explained.result()
    except BaseException:
        if not explained.cancel():
            _wait_quietly(explained)
        contributions_remove(run)
        raise
    files.submit(_keep_run_frame, run, scores, in_force)


def _wait_quietly(job: Future[Any]) -> None:
    """Wait for a job whose result no longer matters (the run failed already)."""
    try:
        job.result()
    except Exception:  # the run's own error is the one worth raising
        logger.debug("explanation file of a failed run", exc_info=True)


def _keep_run_frame(run: ScoreRun, scores: pl.DataFrame, in_force: ScoreRun | None) -> None:
    """Keep the run's comparison copy, and that of the run in force only."""
    run_frame_save(run, scores)
    run_files_prune(keep=[run] if in_force is None else [run, in_force])


def _reporter(run: ScoreRun | None, progress: Progress | None) -> Progress:
    """Tell the caller, and the run's row (what a progress bar in the UI polls)."""

    def say(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)
        if run is not None and stage != "done":
            ScoreRun.objects.filter(pk=run.pk).update(stage=stage, progress=fraction)

    return say


def _comparable(scores: pl.DataFrame) -> pl.DataFrame:
    return scores.select("account_id", "rank", "tier", "revenue_12m")


def _in_force_frame() -> pl.DataFrame | None:
    """The run in force as a comparison frame (account_id, rank, tier, revenue_12m), or
    None when no run is in force."""
    run = run_in_force()
    return run_comparison_frame(run) if run is not None else None


# -- running in the background (the web UI) -----------------------------------------------


@dataclass(frozen=True)
class BackgroundRun:
    """A run started by :func:`score_run_start`: its row (poll ``status``, ``stage`` and
    ``progress``) and the thread computing it."""

    run: ScoreRun
    thread: threading.Thread

    def wait(self, timeout: float | None = None) -> ScoreRun:
        """Wait for the run to finish and return its row as stored."""
        self.thread.join(timeout)
        return ScoreRun.objects.get(pk=self.run.pk)


def score_run_start(
    *,
    scorecard: Scorecard | None = None,
    as_of: date | None = None,
    user: Actor,
    apply: bool = False,
) -> BackgroundRun:
    """Store a ``running`` run now and compute it in a background thread (the web page
    returns at once and polls the run); with ``apply``, put it in force when done. The
    checks (permission, a valid scorecard) are made before returning."""
    require_manager(user, _("Only directors may store score runs."))
    if apply:
        require_manager(user, _("Only directors may apply score runs."))
    scorecard = scorecard or scorecard_in_use()
    definition = scorecard_definition(scorecard)
    run = _run_begin(scorecard, as_of or timezone.localdate(), user)

    def work() -> None:
        try:
            _run_execute(run, definition, None)
            if apply:
                score_run_apply(run=ScoreRun.objects.get(pk=run.pk), user=user)
        except Exception:  # recorded on the run by _run_execute; keep the server alive
            logger.exception("score run #%s failed", run.pk)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=work, name=f"kam-score-run-{run.pk}", daemon=True)
    thread.start()
    return BackgroundRun(run=run, thread=thread)


# A run computes in seconds (100,000 accounts: ~5 s); one still "running" after this long
# lost the process computing it (a restarted server, a killed command).
INTERRUPTED_AFTER = timedelta(hours=1)


def score_runs_interrupted(*, older_than: timedelta = INTERRUPTED_AFTER) -> list[int]:
    """Mark ``failed`` the runs still ``running`` that started more than ``older_than``
    ago: their process stopped (background threads do not survive a restart). Called by
    ``kam check``. Returns their ids."""
    cutoff = timezone.now() - older_than
    stale = ScoreRun.objects.filter(status=RunStatus.RUNNING, created_at__lt=cutoff)
    ids = sorted(stale.values_list("pk", flat=True))
    if ids:
        ScoreRun.objects.filter(pk__in=ids, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error="interrupted: the process computing this run stopped before it finished",
        )
    return ids


# -- applying a run ------------------------------------------------------------------------


def score_run_apply(*, run: ScoreRun, user: Actor) -> ScoreRun:
    """Put a finished run in force: its key tier becomes the key-account list. The run
    that was in force is not any more; the run's scorecard version becomes the active
    one (and immutable); the tiers of the run follow the overrides active now."""
    require_manager(user, _("Only directors may apply score runs."))
    with transaction.atomic():
        run = ScoreRun.objects.select_for_update().select_related("scorecard").get(pk=run.pk)
        if run.status != RunStatus.DONE:
            raise ValidationError(
                {
                    "run": _("Run #%(run)s is %(status)s: only a finished run can be applied.")
                    % {"run": run.pk, "status": run.status}
                }
            )
        previous = ScoreRun.objects.filter(in_force=True).exclude(pk=run.pk).first()
        ScoreRun.objects.filter(in_force=True).exclude(pk=run.pk).update(in_force=False)
        now = timezone.now()
        run.in_force = True
        run.applied = True
        run.applied_at = now
        run.applied_by = actor(user)
        if _overrides_changed_since(run.created_at):
            _sync_overrides(run)
            run.stats = {**run.stats, "tiers": tier_counts_of(run)}
        run.full_clean()
        run.save()
        scorecard = run.scorecard
        if scorecard.status != ScorecardStatus.ACTIVE:
            Scorecard.objects.filter(status=ScorecardStatus.ACTIVE).update(
                status=ScorecardStatus.RETIRED
            )
            scorecard.status = ScorecardStatus.ACTIVE
        if scorecard.applied_at is None:
            scorecard.applied_at = now
        scorecard.save(update_fields=["status", "applied_at"])
        audit_record(
            actor=actor(user),
            action="run.apply",
            obj=run,
            summary=f"Score run #{run.pk} ({scorecard}, as of {run.as_of}) put in force",
            details={
                "previous_run": previous.pk if previous else None,
                "scorecard": scorecard.pk,
                "tiers": run.stats.get("tiers", {}),
            },
        )
    return run


def _overrides_changed_since(moment: datetime) -> bool:
    """Whether a tier override was set or removed since ``moment``. The run read the
    overrides after it was created, so when none changed since, its tiers and tier
    counts are already right (this spares two UPDATEs over 100,000 rows)."""
    return TierOverride.objects.filter(
        Q(created_at__gte=moment) | Q(removed_at__gte=moment)
    ).exists()


def _sync_overrides(run: ScoreRun) -> None:
    """Make the run's tiers the computed ones, except where an override is active: two
    UPDATE statements, whatever the number of rows or overrides."""
    scores = AccountScore.objects.filter(run=run)
    scores.exclude(tier=F("computed_tier")).update(tier=F("computed_tier"))
    active = TierOverride.objects.filter(removed_at__isnull=True)
    forced = active.filter(account_id=OuterRef("account_id")).values("tier")[:1]
    scores.filter(account_id__in=active.values("account_id")).update(tier=Subquery(forced))


# -- preview -------------------------------------------------------------------------------


def scorecard_preview(
    *,
    definition: ScorecardDefinition | Mapping[str, Any],
    as_of: date | None = None,
    user: Actor,
) -> RunComparison:
    """What would change if ``definition`` replaced the run in force: accounts entering
    and leaving each tier, rank changes and the key tier's revenue coverage. Nothing is
    stored; the features come from the cache, so new weights on 100,000 accounts take
    well under a second. ``as_of`` defaults to the run in force's (like for like)."""
    require_full_view(user, _("Only users who see every account may preview scorecards."))
    parsed = definition_parse(definition)
    in_force = run_in_force()
    as_of = as_of or (in_force.as_of if in_force is not None else timezone.localdate())
    features = account_features(as_of=as_of)
    frame = _level_frame(features, parsed, as_of)
    after = _comparable(score_frame(frame, parsed, overrides=active_overrides(), portfolio=False))
    before = _in_force_frame()
    if before is None:
        before = after.clear()
    return compare_runs(before, after)


def score_backtest(
    *,
    as_of: date,
    user: Actor,
    scorecard: Scorecard | ScorecardDefinition | None = None,
) -> BacktestResult:
    """Score as of a past date with a scorecard (the one in use by default; a draft
    definition works too), then report how that date's key accounts actually did in the
    12 months after it, against the other accounts (revenue growth, retention). The
    tiers are the scorecard's own (overrides are today's decisions, not that date's).
    ``as_of`` must be at least a year ago, so that the 12 months after it are known."""
    require_full_view(user, _("Only users who see every account may run a backtest."))
    if years_before(timezone.localdate(), 1) < as_of:
        raise ValidationError(
            {"as_of": _("Must be at least a year ago: the 12 months after it must be known.")}
        )
    if isinstance(scorecard, ScorecardDefinition):
        definition = definition_parse(scorecard)
    else:
        definition = scorecard_definition(scorecard or scorecard_in_use())
    then = _level_frame(account_features(as_of=as_of), definition, as_of)
    one_year_later = _one_year_after(as_of)
    after = _level_frame(account_features(as_of=one_year_later), definition, one_year_later)
    scored = score_frame(then, definition)
    revenue_after = after.select("account_id", revenue_next_12m=pl.col("revenue_12m"))
    return backtest(scored.select("account_id", "tier", "revenue_12m"), revenue_after)


def _one_year_after(day: date) -> date:
    """The same calendar day a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
