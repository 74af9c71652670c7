"""The REST API, version 1: every app registers its endpoints on one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from kam.accounts.api.contacts import ContactViewSet, StakeholderMapView  # contacts
from kam.accounts.api.views import AccountViewSet
from kam.assignments.api.views import (  # assignments
    AccountAssignmentView,
    AssignmentPolicyView,
    PortfolioBoardView,
    ProposalViewSet,
)
from kam.engagement.api.campaigns import CampaignViewSet  # campaigns
from kam.engagement.api.views import (  # engagement
    ActivityViewSet,
    ChannelPlanView,
    ChannelViewSet,
    KeyAccountRecommendationsView,
    RecommendationView,
)
from kam.kpis.api.views import KpiReportView, KpiTargetViewSet  # kpis
from kam.plans.api.views import (  # plans
    AccountHealthView,
    AccountPlanViewSet,
    ActionViewSet,
    AlertViewSet,
    ObjectiveViewSet,
)
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
router.register("contacts", ContactViewSet, basename="contact")  # contacts
router.register("channels", ChannelViewSet, basename="channel")  # engagement
router.register("activities", ActivityViewSet, basename="activity")  # engagement
router.register("campaigns", CampaignViewSet, basename="campaign")  # campaigns
router.register(  # assignments
    "assignment-proposals", ProposalViewSet, basename="assignment-proposal"
)
router.register("kpi-targets", KpiTargetViewSet, basename="kpi-target")  # kpis
router.register("account-plans", AccountPlanViewSet, basename="account-plan")  # plans
router.register("plan-objectives", ObjectiveViewSet, basename="plan-objective")  # plans
router.register("plan-actions", ActionViewSet, basename="plan-action")  # plans
router.register("alerts", AlertViewSet, basename="alert")  # plans

urlpatterns = [
    path(
        "accounts/<path:external_id>/score/",
        AccountScoreDetailView.as_view(),
        name="account-score-detail",
    ),
    # contacts: an account's stakeholder map
    path(
        "accounts/<path:external_id>/stakeholders/",
        StakeholderMapView.as_view(),
        name="account-stakeholders",
    ),
    # engagement: an account's channel plan and recommendation, and every key account's
    path(
        "accounts/<path:external_id>/channel-plan/",
        ChannelPlanView.as_view(),
        name="account-channel-plan",
    ),
    path(
        "accounts/<path:external_id>/channel-recommendation/",
        RecommendationView.as_view(),
        name="account-channel-recommendation",
    ),
    path(
        "channel-recommendations/",
        KeyAccountRecommendationsView.as_view(),
        name="channel-recommendations",
    ),
    # assignments: the portfolio board, an account's assignment, the policy
    path("portfolios/", PortfolioBoardView.as_view(), name="portfolios"),
    path(
        "accounts/<path:external_id>/assignment/",
        AccountAssignmentView.as_view(),
        name="account-assignment",
    ),
    path("assignment-policy/", AssignmentPolicyView.as_view(), name="assignment-policy"),
    path("kpis/", KpiReportView.as_view(), name="kpis"),  # kpis: the KPIs of a period
    path(  # plans: an account's health score
        "accounts/<path:external_id>/health/",
        AccountHealthView.as_view(),
        name="account-health",
    ),
    *router.urls,
]
