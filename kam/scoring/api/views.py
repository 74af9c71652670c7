"""The scoring endpoints of the REST API: thin adapters over the scoring selectors and
services (the same rules as the web UI and the command line)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from kam.domain.scorecard import ScorecardInvalid
from kam.scoring.api.serializers import (
    AccountScoreSerializer,
    RunComparisonSerializer,
    ScorecardCreateSerializer,
    ScorecardPreviewSerializer,
    ScorecardSerializer,
    ScoreRunSerializer,
)
from kam.scoring.models import AccountScore, Scorecard, ScoreRun
from kam.scoring.selectors import (
    account_score_get,
    account_score_list,
    run_in_force,
    score_run_list,
    scorecard_list,
)
from kam.scoring.services import score_run_apply, scorecard_create, scorecard_preview

RUN_PARAMETER = OpenApiParameter(
    "run",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    description="A score run's id (default: the run in force).",
)


def refused(exc: DjangoValidationError | ScorecardInvalid) -> ApiValidationError:
    """A refusal of a service as a 400 whose keys name the fields: ``definition`` with
    one line per problem for an invalid scorecard (plus ``problems``: field and message)."""
    if isinstance(exc, ScorecardInvalid):
        return ApiValidationError(
            {
                "definition": [str(p) for p in exc.problems],
                "problems": [{"field": p.field, "message": p.message} for p in exc.problems],
            }
        )
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"detail": exc.messages})


def _run_from(request: Request) -> ScoreRun | None:
    """The run named by ``?run=`` (404 if none such), else the run in force."""
    raw = request.query_params.get("run")
    if raw in (None, ""):
        return run_in_force()
    if not str(raw).isdigit():
        raise ApiValidationError({"run": "must be a run id (a whole number)"})
    run = score_run_list(user=request.user).filter(pk=int(str(raw))).first()
    if run is None:
        raise NotFound("No such score run.")
    return run


@extend_schema_view(
    list=extend_schema(summary="List the scorecard versions"),
    retrieve=extend_schema(summary="One scorecard version"),
    create=extend_schema(
        summary="Create a scorecard (directors)",
        description="Version 1 of a new scorecard, as a draft. 400 naming each problem "
        "when the definition is invalid; 403 for other roles.",
        request=ScorecardCreateSerializer,
        responses={201: ScorecardSerializer},
    ),
)
class ScorecardViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Scorecard]):
    """Scorecards: everyone reads them; directors create them."""

    queryset = Scorecard.objects.none()
    serializer_class = ScorecardSerializer
    filterset_fields = ["name", "status", "level"]
    ordering_fields = ["name", "version", "created_at"]

    def get_queryset(self) -> QuerySet[Scorecard]:
        return scorecard_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ScorecardCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            card = scorecard_create(
                name=given.validated_data["name"],
                definition=given.validated_data["definition"],
                description=given.validated_data["description"],
                user=request.user,
            )
        except (DjangoValidationError, ScorecardInvalid) as exc:
            raise refused(exc) from None
        return Response(ScorecardSerializer(card).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Preview a draft scorecard against the run in force",
        description="Nothing is stored. The accounts that would enter or leave each "
        "tier, rank changes and the key tier's revenue coverage. Directors, analysts and "
        "marketing (who see every account); 403 for others.",
        request=ScorecardPreviewSerializer,
        responses={200: RunComparisonSerializer},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        given = ScorecardPreviewSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            comparison = scorecard_preview(
                definition=given.validated_data["definition"],
                as_of=given.validated_data["as_of"],
                user=request.user,
            )
        except (DjangoValidationError, ScorecardInvalid) as exc:
            raise refused(exc) from None
        return Response(comparison.as_dict())


@extend_schema_view(
    list=extend_schema(summary="List the score runs (newest first)"),
    retrieve=extend_schema(summary="One score run, with its statistics"),
)
class ScoreRunViewSet(viewsets.ReadOnlyModelViewSet[ScoreRun]):
    """Score runs are company-level history: every signed-in user reads them."""

    queryset = ScoreRun.objects.none()
    serializer_class = ScoreRunSerializer
    filterset_fields = ["status", "in_force", "applied", "as_of"]
    ordering_fields = ["created_at", "as_of", "id"]

    def get_queryset(self) -> QuerySet[ScoreRun]:
        return score_run_list(user=self.request.user)

    @extend_schema(
        summary="Put a finished run in force (directors)",
        request=None,
        responses={200: ScoreRunSerializer},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        try:
            applied = score_run_apply(run=run, user=request.user)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ScoreRunSerializer(applied).data)


@extend_schema_view(
    list=extend_schema(
        summary="List the account scores of a run",
        description="The run in force unless ?run= names another; only the accounts you "
        "may see (a KAM: their portfolio), best rank first.",
        parameters=[
            RUN_PARAMETER,
            OpenApiParameter(
                "tier", OpenApiTypes.STR, OpenApiParameter.QUERY, description="e.g. key"
            ),
        ],
    ),
)
class AccountScoreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[AccountScore]):
    """Account scores, scoped like the accounts."""

    queryset = AccountScore.objects.none()
    serializer_class = AccountScoreSerializer
    filter_backends: list[Any] = []  # run and tier are read by get_queryset

    def get_queryset(self) -> QuerySet[AccountScore]:
        run = _run_from(self.request)
        if run is None:
            return AccountScore.objects.none()
        tier = self.request.query_params.get("tier") or None
        return account_score_list(user=self.request.user, run=run, tier=tier)


@extend_schema(
    summary="An account's score and its explanation",
    description="404 when the account does not exist, is not yours to see, or has no score "
    "in the run.",
    parameters=[
        OpenApiParameter(
            "external_id",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The account's id in your ERP or CRM.",
        ),
        RUN_PARAMETER,
    ],
)
class AccountScoreDetailView(RetrieveAPIView[AccountScore]):
    """``/accounts/{external_id}/score/``."""

    serializer_class = AccountScoreSerializer
    queryset = AccountScore.objects.none()

    def get_object(self) -> AccountScore:
        from django.http import Http404

        run = _run_from(self.request)
        if run is None:
            raise NotFound("No score run is in force.")
        try:
            return account_score_get(
                user=self.request.user, external_id=self.kwargs["external_id"], run=run
            )
        except Http404:
            raise NotFound("No score for this account.") from None
