"""A score run in force built by hand, so that the key accounts of a test are exactly
the ones it names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest

from kam.accounts.models import Account
from kam.scoring.models import AccountScore, Scorecard, ScoreRun


def run_in_force_with(tiers: Iterable[tuple[Account, str, float]]) -> ScoreRun:
    """A run in force where each (account, tier, revenue) has that tier and revenue
    (ranked in the order given). Any earlier run in force is retired."""
    ScoreRun.objects.filter(in_force=True).update(in_force=False)
    scorecard, _ = Scorecard.objects.get_or_create(
        name="test", version=1, defaults={"definition": {}}
    )
    run = ScoreRun.objects.create(
        scorecard=scorecard, as_of=date(2026, 6, 15), status="done", applied=True
    )
    ScoreRun.objects.filter(pk=run.pk).update(in_force=True)
    AccountScore.objects.bulk_create(
        AccountScore(
            run=run,
            account=account,
            score=90.0 - rank,
            rank=rank + 1,
            abc="A",
            tier=tier,
            computed_tier=tier,
            revenue_12m=revenue,
        )
        for rank, (account, tier, revenue) in enumerate(tiers)
    )
    run.refresh_from_db()
    return run


@pytest.fixture
def key_run():
    return run_in_force_with
