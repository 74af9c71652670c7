"""What the demo needs for its KPIs: a key-account list in force at the start of the
default period (the 12 months before the demo's as-of date), and lead managers in place
then.

- :func:`demo_past_run` scores the accounts as of the as-of date minus 12 months and
  applies that run, through the same services as ``kam score``. Called in
  :func:`kam.demo.services.demo_load` *before* the current run is scored and applied, so
  that the current run is the one in force; called later (a test, a demo loaded before
  this existed), it puts the run that was in force back in force.
- :func:`demo_past_leads` dates the demo's current lead assignments back to that day: the
  demo's KAMs are taken to have led their accounts for the past year, so that the KPIs
  per KAM (by lead at the start of the period) have leads to show.

Deterministic: the same demo data give the same run (scoring has no randomness).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from kam.assignments.models import AccountAssignment, AssignmentRole
from kam.demo.generate import DemoSpec
from kam.ledger.features import years_before
from kam.scoring.models import ScoreRun
from kam.scoring.selectors import run_in_force
from kam.scoring.services import score_run_apply, score_run_create


def past_as_of(spec: DemoSpec) -> date:
    """The as-of date of the past run: the demo's as-of date minus 12 months."""
    return years_before(spec.as_of, 1)


def demo_past_run(spec: DemoSpec) -> ScoreRun:
    """Score and apply a run as of :func:`past_as_of` (the scorecard in use, as ``kam
    score`` would); the run that was in force, if any, stays in force."""
    in_force = run_in_force()
    scored = score_run_create(as_of=past_as_of(spec), user=None)
    assert scored.run is not None  # not a dry run
    run = score_run_apply(run=scored.run, user=None)
    if in_force is not None:
        score_run_apply(run=in_force, user=None)
        run.refresh_from_db()
    return run


def demo_past_leads(spec: DemoSpec) -> int:
    """Date the current lead assignments that started after the past run's day back to
    the start of that day; returns how many were changed."""
    start = timezone.make_aware(datetime.combine(past_as_of(spec), time.min))
    return AccountAssignment.objects.filter(
        role=AssignmentRole.LEAD, ended_at__isnull=True, started_at__gt=start
    ).update(started_at=start)
