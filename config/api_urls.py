"""The REST API, version 1: every app registers its endpoints on one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from kam.accounts.api.views import AccountViewSet
from kam.sales.api.views import ImportBatchViewSet
from kam.scoring.api.views import (
    AccountScoreDetailView,
    AccountScoreViewSet,
    ScorecardViewSet,
    ScoreRunViewSet,
)

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("import-batches", ImportBatchViewSet, basename="import-batch")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("score-runs", ScoreRunViewSet, basename="score-run")
router.register("account-scores", AccountScoreViewSet, basename="account-score")

urlpatterns = [
    path(
        "accounts/<path:external_id>/score/",
        AccountScoreDetailView.as_view(),
        name="account-score-detail",
    ),
    *router.urls,
]
