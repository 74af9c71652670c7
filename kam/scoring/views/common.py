"""What several scoring pages share: the run a page shows, the scores of that run the
user may see, the tier codes worth offering and a stored scorecard definition read back."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from kam.domain.scorecard import ScorecardDefinition, ScorecardInvalid, definition_from_dict
from kam.scoring.models import AccountScore, Scorecard, ScoreRun
from kam.scoring.selectors import account_score_list, run_in_force, score_run_get
from kam.scoring.services import known_tiers

PAGE_SIZE = 50
# The editor's starting point when a stored definition no longer reads.
EMPTY_DEFINITION = ScorecardDefinition(criteria=())


def selected_run(request: HttpRequest) -> ScoreRun | None:
    """The run a page shows: ``?run=<id>`` for a past run, else the run in force."""
    run_id = request.GET.get("run", "")
    if run_id.isdigit():
        return score_run_get(user=request.user, run_id=int(run_id))
    return run_in_force()


def run_scores(request: HttpRequest, run: ScoreRun | None) -> QuerySet[AccountScore]:
    """The scores of ``run`` the user may see; none when there is no run."""
    if run is None:
        return AccountScore.objects.none()
    return account_score_list(user=request.user, run=run)


def tier_codes(present: list[str] | None = None) -> list[str]:
    """Tier codes worth offering: the active scorecard's and any present in the data."""
    return list(dict.fromkeys(known_tiers() + (present or [])))


def stored_definition(scorecard: Scorecard) -> ScorecardDefinition | None:
    """A stored definition as the domain's dataclass; None when it no longer reads (a
    definition stored by an older kam may name a feature that no longer exists)."""
    try:
        return definition_from_dict(scorecard.definition)
    except ScorecardInvalid:
        return None
