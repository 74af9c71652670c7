"""Account plans: the completion of a plan and whether its objectives are on track.
No Django import.

- An action counts toward completion unless it was cancelled: completion is the share of
  the remaining actions that are done (None when there is none).
- An objective's progress is the share of its target reached (its current value over its
  target value, 0–100 %), unless a progress was set by hand; an objective is on track
  when its progress is at least the elapsed share of the plan's year (on 1 July about
  50 %), or when it is reached (100 %).
- A plan's completion, 0–1, is the mean of the action share and the share of objectives
  on track, over those of the two that exist (None when the plan has neither).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

TODO = "todo"
DOING = "doing"
DONE = "done"
CANCELLED = "cancelled"
ACTION_STATUSES = (TODO, DOING, DONE, CANCELLED)


def elapsed_share(year: int, as_of: date) -> float:
    """How much of ``year`` has gone by on ``as_of`` (0 before it starts, 1 after it ends):
    the days since 1 January over the days of the year."""
    start = date(year, 1, 1)
    end = date(year + 1, 1, 1)
    if as_of <= start:
        return 0.0
    if as_of >= end:
        return 1.0
    return (as_of - start).days / (end - start).days


def objective_progress(
    *, current: float | None, target: float | None, set_progress: float | None = None
) -> float | None:
    """The objective's progress in % (0–100): the progress set by hand if any, else
    ``current / target`` (capped to 0–100); None when neither is known (no target, or a
    target of 0)."""
    if set_progress is not None:
        return max(0.0, min(100.0, float(set_progress)))
    if current is None or target is None or target == 0:
        return None
    return max(0.0, min(100.0, 100.0 * float(current) / float(target)))


def on_track(progress: float | None, elapsed: float) -> bool:
    """Progress (%) at least the elapsed share of the year; reached objectives are on track."""
    if progress is None:
        return False
    return progress >= 100.0 or progress >= 100.0 * elapsed - 1e-9


@dataclass(frozen=True)
class ActionState:
    status: str
    due: date | None = None


@dataclass(frozen=True)
class PlanCompletion:
    """A plan's completion: its actions and objectives counted."""

    actions: int  # not cancelled
    actions_done: int
    objectives: int
    objectives_on_track: int
    overdue_actions: int

    @property
    def action_share(self) -> float | None:
        return self.actions_done / self.actions if self.actions else None

    @property
    def on_track_share(self) -> float | None:
        return self.objectives_on_track / self.objectives if self.objectives else None

    @property
    def completion(self) -> float | None:
        """0–1: the mean of the shares that exist; None for an empty plan."""
        shares = [s for s in (self.action_share, self.on_track_share) if s is not None]
        return sum(shares) / len(shares) if shares else None

    @property
    def completion_pct(self) -> float | None:
        value = self.completion
        return None if value is None else 100.0 * value


def is_overdue(action: ActionState, as_of: date) -> bool:
    """Past its due date and neither done nor cancelled."""
    return action.due is not None and action.due < as_of and action.status not in (DONE, CANCELLED)


def plan_completion(
    actions: Iterable[ActionState], progresses: Iterable[float | None], *, year: int, as_of: date
) -> PlanCompletion:
    """The completion of a plan of ``year`` on ``as_of``, from its actions and its
    objectives' progress (%, see :func:`objective_progress`)."""
    acts = list(actions)
    counted = [a for a in acts if a.status != CANCELLED]
    elapsed = elapsed_share(year, as_of)
    progress = list(progresses)
    return PlanCompletion(
        actions=len(counted),
        actions_done=sum(1 for a in counted if a.status == DONE),
        objectives=len(progress),
        objectives_on_track=sum(1 for p in progress if on_track(p, elapsed)),
        overdue_actions=sum(1 for a in acts if is_overdue(a, as_of)),
    )
