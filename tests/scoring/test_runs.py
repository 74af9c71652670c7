"""Score runs on a book small enough to work out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kam.core.models import AuditEvent
from kam.sales.models import ImportBatch
from kam.sales.selectors import ledger
from kam.scoring.models import AccountScore, RunStatus, ScorecardStatus, ScoreRun
from kam.scoring.selectors import account_score_list
from kam.scoring.services import (
    score_run_apply,
    score_run_create,
    scorecard_create,
    scorecard_in_use,
)
from tests.factories import AccountFactory
from tests.scoring.conftest import AS_OF, SIMPLE, Book, sell


def _scores(run: ScoreRun) -> dict[str, AccountScore]:
    """The run's scores by external id, with their explanations (read like pages do)."""
    return {s.account.external_id: s for s in account_score_list(user=None, run=run)}


def test_a_run_stores_the_hand_computed_scores_ranks_classes_and_tiers(book: Book):
    # given the simple scorecard: revenue percentile rank (60 %), orders min-max (40 %)
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    # when the accounts are scored as of 15 June 2026
    result = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # then the run is done and holds one row per account
    run = result.run
    assert run is not None and run.status == RunStatus.DONE and run.accounts_scored == 4
    scores = _scores(run)
    # revenue 1500/1000/100/0 → ranks 1, 2/3, 1/3, 0; orders 2/1/1/0 → 1, .5, .5, 0
    assert {k: round(s.score, 9) for k, s in scores.items()} == {
        "A": 100.0,
        "B": 60.0,
        "C": 40.0,
        "D": 0.0,
    }
    assert [scores[k].rank for k in "ABCD"] == [1, 2, 3, 4]
    # A holds 1500/2600 = 58 % of revenue (A); B brings the total to 96 % (> 95 %: C)
    assert [scores[k].abc for k in "ABCD"] == ["A", "C", "C", "C"]
    assert scores["A"].cum_revenue_share == pytest.approx(1500 / 2600)
    # the best is key, a score of 40 or more strategic, the rest standard
    assert [scores[k].tier for k in "ABCD"] == ["key", "strategic", "strategic", "standard"]
    assert all(s.tier == s.computed_tier for s in scores.values())
    # and the revenue, growth and portfolio position are kept
    assert scores["C"].revenue_12m == 100.0 and scores["C"].revenue_prev_12m == 300.0
    assert scores["C"].growth == pytest.approx(-2 / 3)
    assert scores["D"].growth is None
    assert all(0 <= s.attractiveness <= 100 for s in scores.values())
    assert {s.quadrant for s in scores.values()} <= {
        "strategic",
        "develop",
        "maintain",
        "opportunistic",
    }


def test_contributions_explain_the_score_with_the_raw_values(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    b = _scores(run)["B"]
    # then each criterion says its raw value, weight and points, and they sum to the score
    assert b.contributions == [
        {"feature": "revenue_12m", "value": 1000.0, "points": pytest.approx(40.0), "weight": 60.0},
        {"feature": "orders_12m", "value": 1.0, "points": pytest.approx(20.0), "weight": 40.0},
    ]
    for score in _scores(run).values():
        assert sum(c["points"] for c in score.contributions) == pytest.approx(score.score, abs=1e-9)


def test_run_statistics_hold_the_pareto_curve_and_the_counts(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    stats = run.stats
    assert stats["accounts"] == 4 and stats["revenue_total"] == 2600.0
    assert stats["tiers"] == {"strategic": 2, "key": 1, "standard": 1}
    assert stats["abc"] == {"C": 3, "A": 1}
    assert stats["pareto"][0] == [0.0, 0.0] and stats["pareto"][-1] == [1.0, 1.0]
    assert len(stats["pareto"]) == 101
    # the top 20 % of 4 accounts is 0.8 of A (1500 of 2600)
    assert stats["top20_share"] == pytest.approx(0.8 * 1500 / 2600)
    assert stats["key_revenue_share"] == pytest.approx(1500 / 2600)


def test_a_second_run_on_unchanged_data_gives_the_same_scores_from_the_cache(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    first = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # when the same scorecard runs again, nothing having changed
    second = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # then the features come from the cache and every score, rank and tier is the same
    assert first.stats["features_cached"] is False
    assert second.stats["features_cached"] is True
    assert first.run is not None and second.run is not None

    def rows(run: ScoreRun) -> list[tuple[object, ...]]:
        return sorted(
            (s.account_id, s.score, s.rank, s.abc, s.tier, s.contributions)
            for s in _scores(run).values()
        )

    assert rows(first.run) == rows(second.run)


def test_new_sales_make_a_new_feature_frame(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # given D now buys a lot, in three orders
    sell(
        ("D", "O7", date(2026, 6, 1), 3000.0),
        ("D", "O8", date(2026, 6, 2), 1000.0),
        ("D", "O9", date(2026, 6, 3), 1000.0),
        name="more sales",
    )
    # when scored again
    result = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # then the cache was not used and D is first (best revenue and most orders)
    assert result.stats["features_cached"] is False
    assert result.run is not None
    assert _scores(result.run)["D"].revenue_12m == 5000.0
    assert result.scores["account_id"][0] == "D"


def test_a_changed_account_makes_a_new_feature_frame(book: Book):
    # given a scorecard on head count, scored once
    definition = {"criteria": [{"feature": "employees", "weight": 100, "normalisation": "minmax"}]}
    card = scorecard_create(name="size", definition=definition, user=None)
    score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # when an account's head count changes (as an import or the admin would save it)
    book.d.employees = 100_000
    book.d.save()
    result = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # then the new head count counts
    assert result.scores["account_id"][0] == "D"


def test_a_failed_run_is_recorded_with_its_error_and_no_rows(book: Book):
    # given a ledger file lost after its batch was committed
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    for batch in ImportBatch.objects.filter(kind="sales"):
        ledger().path(batch.file_name).unlink()
    # when a run is made
    with pytest.raises(Exception) as raised:
        score_run_create(scorecard=card, as_of=AS_OF, user=None)
    # then the error is raised, and the run is stored as failed with it, without a row
    run = ScoreRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert raised.value.__class__.__name__ in run.error
    assert run.scores.count() == 0 and run.finished_at is not None


def test_a_dry_run_stores_nothing_and_compares_with_the_run_in_force(book: Book):
    # given a run of the simple scorecard in force
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    first = score_run_create(scorecard=card, as_of=AS_OF, user=None)
    assert first.run is not None
    score_run_apply(run=first.run, user=None)
    # when a dry run of a scorecard favouring the number of orders is made
    orders = {**SIMPLE, "criteria": [{**SIMPLE["criteria"][1], "weight": 100}]}
    other = scorecard_create(name="orders", definition=orders, user=None)
    result = score_run_create(scorecard=other, as_of=AS_OF, user=None, dry_run=True)
    # then nothing is stored
    assert result.run is None and result.dry_run
    assert ScoreRun.objects.count() == 1
    # and the comparison says who enters and leaves: orders 2/1/1/0 → A 100, B = C = 50
    comparison = result.comparison
    assert comparison is not None
    assert comparison.movement("key").entering == ()
    assert comparison.movement("strategic").count_after == 2


def test_group_level_scoring_rolls_subsidiaries_up_to_their_group(db):
    # given a group G with a subsidiary S, and a standalone account T
    group = AccountFactory(external_id="G", name="Group", countries_of_operation=["FR"])
    AccountFactory(external_id="S", name="Sub", parent=group, country="DE")
    AccountFactory(external_id="T", name="Alone")
    sell(
        ("G", "O1", date(2026, 1, 5), 100.0),
        ("S", "O2", date(2026, 1, 6), 400.0),
        ("T", "O3", date(2026, 1, 7), 300.0),
    )
    definition = {**SIMPLE, "level": "group"}
    card = scorecard_create(name="groups", definition=definition, user=None)
    # when scored
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    # then there is one row per group, on its top account, with the group's revenue
    scores = _scores(run)
    assert set(scores) == {"G", "T"}
    assert scores["G"].revenue_12m == 500.0 and scores["G"].rank == 1
    assert card.level == "group" and run.stats["level"] == "group"


def test_applying_a_run_puts_it_in_force_and_activates_its_scorecard(book: Book, director):
    # given two runs of two scorecards
    first_card = scorecard_create(name="simple", definition=SIMPLE, user=director)
    second_card = scorecard_create(name="other", definition=SIMPLE, user=director)
    first = score_run_create(scorecard=first_card, as_of=AS_OF, user=director).run
    second = score_run_create(scorecard=second_card, as_of=AS_OF, user=director).run
    assert first is not None and second is not None
    # when the first, then the second is applied
    score_run_apply(run=first, user=director)
    applied = score_run_apply(run=second, user=director)
    # then only the second is in force, both were applied, and only its scorecard is active
    first.refresh_from_db()
    first_card.refresh_from_db()
    second_card.refresh_from_db()
    assert applied.in_force and not first.in_force
    assert first.applied and applied.applied_by == director
    assert second_card.status == ScorecardStatus.ACTIVE and second_card.applied_at is not None
    assert first_card.status == ScorecardStatus.RETIRED and first_card.applied_at is not None
    assert scorecard_in_use() == second_card
    # and each application is in the audit trail
    events = AuditEvent.objects.filter(action="run.apply").order_by("at", "id")
    assert [e.object_id for e in events] == [str(first.pk), str(second.pk)]
    assert events.last().actor == director  # type: ignore[union-attr]


def test_only_a_done_run_can_be_applied(book: Book):
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    run = ScoreRun.objects.create(scorecard=card, as_of=AS_OF, status=RunStatus.FAILED)
    with pytest.raises(ValidationError) as refused:
        score_run_apply(run=run, user=None)
    assert "run" in refused.value.message_dict
    assert not ScoreRun.objects.filter(in_force=True).exists()


def test_without_any_scorecard_the_seed_scorecard_is_created_and_used(book: Book):
    # when a run is made with no scorecard named and none active
    result = score_run_create(as_of=AS_OF, user=None)
    # then the seed scorecard was created (once) and used
    assert result.scorecard.name == "seed" and result.scorecard.version == 1
    again = score_run_create(as_of=AS_OF, user=None)
    assert again.scorecard == result.scorecard
    # and its seven criteria explain each score
    assert result.run is not None
    assert all(len(s.contributions) == 7 for s in _scores(result.run).values())


def test_progress_is_reported_in_order(book: Book):
    seen: list[tuple[str, float]] = []
    score_run_create(as_of=AS_OF, user=None, progress=lambda s, f: seen.append((s, f)))
    assert [s for s, _ in seen] == ["computing features", "scoring", "storing", "done"]
    assert [f for _, f in seen] == sorted(f for _, f in seen)


def test_text_values_and_rescaled_weights_are_stored_as_given(book: Book):
    # given a sector with quotes and an accent, and a market share unknown for D
    book.a.sector = 'Food "&" Boissons élaborées'
    book.a.save()
    book.d.market_share = None
    book.d.save()
    definition = {
        "criteria": [
            {
                "feature": "sector",
                "weight": 50,
                "normalisation": "categories",
                "categories": {"*": 100},
            },
            {
                "feature": "market_share",
                "weight": 50,
                "normalisation": "minmax",
                "missing": "exclude",
            },
        ]
    }
    card = scorecard_create(name="text", definition=definition, user=None)
    # when scored
    run = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert run is not None
    scores = _scores(run)
    # then the text comes back as it was, and D's weights were scaled to the sector only
    assert scores["A"].contributions[0]["value"] == 'Food "&" Boissons élaborées'
    assert scores["D"].contributions == [
        {"feature": "sector", "value": "Industry", "points": 100.0, "weight": 100.0},
        {"feature": "market_share", "value": None, "points": 0.0, "weight": 0.0},
    ]
    assert scores["D"].score == pytest.approx(100.0)


def test_only_the_new_run_and_the_run_in_force_keep_a_cached_copy(book: Book, settings):
    # given a run in force, then two more runs
    card = scorecard_create(name="simple", definition=SIMPLE, user=None)
    first = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert first is not None
    score_run_apply(run=first, user=None)
    score_run_create(scorecard=card, as_of=AS_OF, user=None)
    last = score_run_create(scorecard=card, as_of=AS_OF, user=None).run
    assert last is not None
    # then the cache holds the copies of the run in force and of the last run only
    names = sorted(p.name.split("-")[1] for p in (settings.KAM_HOME / "cache").glob("run-*"))
    assert names == sorted([str(first.pk), str(last.pk)])
