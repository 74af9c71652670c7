"""Scoring pages: key accounts (list in :mod:`.key_accounts`, exports in :mod:`.exports`,
one account's score in :mod:`.account_score`), Pareto and portfolio matrix
(:mod:`.charts`), scorecards and their editor with a live preview (:mod:`.scorecards`),
score runs (:mod:`.runs`), the backtest of a scorecard (:mod:`.backtest`); what several
pages share is in :mod:`.common`.

Thin adapters: what a user may see comes from ``kam.scoring.selectors``, what changes
goes through ``kam.scoring.services`` (which also refuse what a role may not do), the
editor's input becomes a scorecard definition in ``kam.scoring.forms``, the charts come
from ``kam.core.charts``. A score run started here runs in the background
(``score_run_start``); the runs page polls its progress from the run's row.
"""

from kam.scoring.views.account_score import account_score_view
from kam.scoring.views.backtest import backtest_view
from kam.scoring.views.charts import pareto_view, portfolio_view
from kam.scoring.views.exports import key_account_csv_view, key_account_xlsx_view
from kam.scoring.views.key_accounts import key_account_list_view
from kam.scoring.views.runs import score_run_list_view, score_run_start_view
from kam.scoring.views.scorecards import (
    scorecard_edit_view,
    scorecard_list_view,
    scorecard_preview_view,
)

__all__ = [
    "account_score_view",
    "backtest_view",
    "key_account_csv_view",
    "key_account_list_view",
    "key_account_xlsx_view",
    "pareto_view",
    "portfolio_view",
    "score_run_list_view",
    "score_run_start_view",
    "scorecard_edit_view",
    "scorecard_list_view",
    "scorecard_preview_view",
]
