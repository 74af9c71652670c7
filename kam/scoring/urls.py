"""The scoring pages: key accounts, one account's score, Pareto, portfolio matrix,
scorecards and their editor, score runs."""

from django.urls import path

from kam.scoring import views

app_name = "scoring"
urlpatterns = [
    path("accounts/", views.key_account_list_view, name="key_accounts"),
    path("accounts/export.csv", views.key_account_csv_view, name="key_accounts_csv"),
    path("accounts/export.xlsx", views.key_account_xlsx_view, name="key_accounts_xlsx"),
    # External ids come from ERPs and may contain slashes: the path converter keeps them.
    path("accounts/<path:external_id>/", views.account_score_view, name="account_score"),
    path("pareto/", views.pareto_view, name="pareto"),
    path("portfolio/", views.portfolio_view, name="portfolio"),
    path("scorecards/", views.scorecard_list_view, name="scorecards"),
    path("scorecards/<int:pk>/edit/", views.scorecard_edit_view, name="scorecard_edit"),
    path("scorecards/<int:pk>/preview/", views.scorecard_preview_view, name="scorecard_preview"),
    path("runs/", views.score_run_list_view, name="runs"),
    path("runs/start/", views.score_run_start_view, name="run_start"),
    path("backtest/", views.backtest_view, name="backtest"),
]
