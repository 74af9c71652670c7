"""Acceptance on the demo data set: the seed scorecard scores it, contributions sum to the
score, the top 20 % hold the share the Pareto chart shows, runs are reproducible, and a
preview of new weights says who would enter and leave the key list."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kam.demo.generate import DemoSpec
from kam.demo.services import DemoLoadResult, demo_load
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.selectors import account_score_list, run_in_force
from kam.scoring.services import (
    score_run_create,
    scorecard_preview,
    scorecard_revise,
)

pytestmark = pytest.mark.django_db

SPEC = DemoSpec(as_of=date(2026, 6, 15), accounts=200, lines=12_000, seed=5)


@pytest.fixture
def demo() -> DemoLoadResult:
    return demo_load(spec=SPEC)


def _rows(run: ScoreRun) -> list[tuple[Any, ...]]:
    return sorted(
        (s.account_id, s.score, s.rank, s.abc, s.computed_tier, s.contributions)
        for s in account_score_list(user=None, run=run)
    )


def test_the_demo_is_scored_with_the_seed_scorecard_and_put_in_force(demo: DemoLoadResult):
    # then the demo's run is in force, with the seed's seven criteria
    run = run_in_force()
    assert run is not None and run.pk == demo.score_run
    assert run.scorecard.name == "seed" and run.scorecard.status == "active"
    assert run.accounts_scored == SPEC.accounts
    assert demo.key_tier == run.stats["tiers"]["key"] > 0
    # and every account's contributions sum to its score
    for score, contributions in (
        (s.score, s.contributions) for s in account_score_list(user=None, run=run)
    ):
        assert len(contributions) == 7
        assert sum(c["points"] for c in contributions) == pytest.approx(score, abs=1e-9)
        assert 0.0 <= score <= 100.0


def test_the_top_fifth_holds_the_share_the_pareto_chart_shows(demo: DemoLoadResult):
    run = run_in_force()
    assert run is not None
    # given every account's revenue, largest first
    revenue = sorted(
        (
            max(r, 0.0)
            for r in AccountScore.objects.filter(run=run).values_list("revenue_12m", flat=True)
        ),
        reverse=True,
    )
    top = round(0.2 * len(revenue))  # 40 of 200: exactly a fifth
    share = sum(revenue[:top]) / sum(revenue)
    # then the stored share and the curve's point at 20 % are that share
    assert run.stats["top20_share"] == pytest.approx(share, rel=1e-9)
    assert run.stats["pareto"][20] == [0.2, pytest.approx(share, abs=1e-6)]
    # and it is a Pareto: a fifth of the accounts bring most of the revenue
    assert 0.5 < share < 0.9


def test_a_second_run_with_no_data_change_gives_identical_scores(demo: DemoLoadResult):
    first = run_in_force()
    assert first is not None
    second = score_run_create(as_of=SPEC.as_of, user=None).run
    assert second is not None
    assert _rows(second) == _rows(first)


def test_a_preview_of_new_weights_lists_who_enters_and_leaves_the_key_tier(
    demo: DemoLoadResult, director
):
    # given the seed's definition, with market share and sector outweighing revenue, and
    # the 40 best scores as key accounts
    in_force = run_in_force()
    assert in_force is not None
    definition = dict(in_force.scorecard.definition)
    definition["tier_rules"] = [{"tier": "key", "top_n": 40}]
    weights = {"revenue_12m": 10, "orders_12m": 10, "countries_count": 10, "market_share": 30}
    weights["sector"] = 20
    definition["criteria"] = [
        {**c, "weight": weights.get(c["feature"], c["weight"])} for c in definition["criteria"]
    ]
    runs_before = ScoreRun.objects.count()
    # when it is previewed
    comparison = scorecard_preview(definition=definition, user=director)
    key = comparison.movement("key")
    # then accounts enter and leave the key tier, and nothing was stored
    assert key.entering and key.leaving
    assert ScoreRun.objects.count() == runs_before
    # and they are exactly the difference a real run of those weights makes
    revised = scorecard_revise(scorecard=in_force.scorecard, definition=definition, user=director)
    after = score_run_create(scorecard=revised, as_of=SPEC.as_of, user=director).run
    assert after is not None

    def key_ids(run: ScoreRun) -> set[str]:
        return set(run.scores.filter(tier="key").values_list("account__external_id", flat=True))

    assert set(key.entering) == key_ids(after) - key_ids(in_force)
    assert set(key.leaving) == key_ids(in_force) - key_ids(after)
    assert comparison.key_coverage_before == pytest.approx(in_force.stats["key_revenue_share"])


def test_a_kam_cannot_preview_a_scorecard(demo: DemoLoadResult, kam_user):
    run = run_in_force()
    assert run is not None
    with pytest.raises(PermissionDenied):
        scorecard_preview(definition=run.scorecard.definition, user=kam_user)
