"""Plan completion and objectives on track (kam.domain.plans), worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kam.domain.plans import (
    ActionState,
    elapsed_share,
    is_overdue,
    objective_progress,
    on_track,
    plan_completion,
)


def test_elapsed_share_of_the_year():
    assert elapsed_share(2026, date(2025, 12, 31)) == 0.0
    assert elapsed_share(2026, date(2026, 1, 1)) == 0.0
    assert elapsed_share(2026, date(2026, 7, 2)) == pytest.approx(182 / 365)
    assert elapsed_share(2026, date(2027, 1, 1)) == 1.0


def test_objective_progress_is_current_over_target_unless_set_by_hand():
    assert objective_progress(current=30, target=120) == pytest.approx(25.0)
    assert objective_progress(current=300, target=120) == 100.0  # capped
    assert objective_progress(current=-5, target=120) == 0.0
    assert objective_progress(current=30, target=120, set_progress=80) == 80.0
    assert objective_progress(current=30, target=0) is None
    assert objective_progress(current=None, target=100) is None


def test_on_track_compares_progress_with_the_elapsed_share():
    assert on_track(50.0, 0.5)
    assert not on_track(49.0, 0.5)
    assert on_track(100.0, 1.0)
    assert not on_track(None, 0.0)


def test_completion_excludes_cancelled_actions_and_counts_objectives_on_track():
    actions = [
        ActionState("done"),
        ActionState("done"),
        ActionState("todo", date(2026, 3, 1)),  # overdue on 1 July
        ActionState("doing", date(2026, 9, 1)),
        ActionState("cancelled", date(2026, 2, 1)),  # neither counted nor overdue
    ]
    # 1 July 2026: 181/365 = 49.6 % of the year elapsed
    done = plan_completion(actions, [60.0, 40.0, None], year=2026, as_of=date(2026, 7, 1))
    assert (done.actions, done.actions_done) == (4, 2)
    assert done.action_share == 0.5
    assert (done.objectives, done.objectives_on_track) == (3, 1)
    assert done.overdue_actions == 1
    assert done.completion == pytest.approx((0.5 + 1 / 3) / 2)
    assert done.completion_pct == pytest.approx(100 * (0.5 + 1 / 3) / 2)


def test_an_empty_plan_has_no_completion_and_one_side_alone_counts():
    assert plan_completion([], [], year=2026, as_of=date(2026, 7, 1)).completion is None
    only_actions = plan_completion([ActionState("done")], [], year=2026, as_of=date(2026, 7, 1))
    assert only_actions.completion == 1.0
    only_cancelled = plan_completion(
        [ActionState("cancelled")], [], year=2026, as_of=date(2026, 7, 1)
    )
    assert only_cancelled.completion is None


def test_overdue_needs_a_past_due_date_and_an_open_status():
    day = date(2026, 5, 1)
    assert is_overdue(ActionState("todo", date(2026, 4, 30)), day)
    assert not is_overdue(ActionState("todo", day), day)
    assert not is_overdue(ActionState("done", date(2026, 1, 1)), day)
    assert not is_overdue(ActionState("todo", None), day)
