"""The plan, health and alert endpoints of the REST API: thin adapters over the plans
services and selectors (the same rules and messages as the pages and the command line)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.engagement.api.views import EXTERNAL_ID, _account, refused
from kam.plans.api.serializers import (
    AccountPlanCreateSerializer,
    AccountPlanSerializer,
    AccountPlanUpdateSerializer,
    AcknowledgeSerializer,
    ActionSerializer,
    ActionUpdateSerializer,
    AlertSerializer,
    HealthSerializer,
    ObjectiveSerializer,
    ObjectiveUpdateSerializer,
)
from kam.plans.models import AccountPlan, Action, Alert, Objective
from kam.plans.selectors import (
    account_health,
    action_list,
    alert_get,
    alert_list,
    objective_list,
    plan_get,
    plan_list,
)
from kam.plans.services import (
    action_create,
    action_delete,
    action_update,
    alert_acknowledge,
    objective_create,
    objective_delete,
    objective_update,
    plan_create,
    plan_delete,
    plan_update,
)


def _plan(request: Request, pk: Any) -> AccountPlan:
    try:
        return plan_get(user=request.user, pk=int(pk))
    except (Http404, TypeError, ValueError):
        raise NotFound("No such account plan.") from None


@extend_schema_view(
    list=extend_schema(
        summary="List account plans (newest year first)",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.STR, description="An account's external id."),
            OpenApiParameter("year", OpenApiTypes.INT, description="A year."),
        ],
    ),
    retrieve=extend_schema(summary="One account plan with its objectives, actions, completion"),
    create=extend_schema(
        summary="Start an account plan (the account's managers and directors)",
        description="copy_previous starts from the latest earlier plan (texts, objectives, "
        "open actions). 400 naming the field (a second plan for the same year...).",
        request=AccountPlanCreateSerializer,
        responses={201: AccountPlanSerializer},
    ),
    update=extend_schema(
        request=AccountPlanUpdateSerializer, responses={200: AccountPlanSerializer}
    ),
    partial_update=extend_schema(
        request=AccountPlanUpdateSerializer, responses={200: AccountPlanSerializer}
    ),
)
class AccountPlanViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet[AccountPlan],
):
    """Account plans: read along the accounts' access; written by their managers."""

    queryset = AccountPlan.objects.none()
    serializer_class = AccountPlanSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[AccountPlan]:
        params = self.request.query_params
        account = _account(self.request, params["account"]) if params.get("account") else None
        year = params.get("year")
        if year is not None and not year.isdigit():
            raise ApiValidationError({"year": "not a year"})
        return plan_list(user=self.request.user, account=account, year=int(year) if year else None)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = AccountPlanCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        account = _account(request, data.pop("account"))
        try:
            plan = plan_create(account=account, user=request.user, **data)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(
            AccountPlanSerializer(_plan(request, plan.pk)).data, status=status.HTTP_201_CREATED
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = _plan(request, kwargs["pk"])
        given = AccountPlanUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        try:
            plan_update(plan=plan, user=request.user, **given.validated_data)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(AccountPlanSerializer(_plan(request, plan.pk)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan_delete(plan=_plan(request, kwargs["pk"]), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


PLAN_PARAM = OpenApiParameter("plan", OpenApiTypes.INT, description="An account plan's id.")


@extend_schema_view(
    list=extend_schema(summary="List objectives of account plans", parameters=[PLAN_PARAM]),
    update=extend_schema(request=ObjectiveUpdateSerializer),
    partial_update=extend_schema(request=ObjectiveUpdateSerializer),
)
class ObjectiveViewSet(viewsets.ModelViewSet[Objective]):
    """Objectives of account plans (measure, target, current value, progress)."""

    queryset = Objective.objects.none()
    serializer_class = ObjectiveSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Objective]:
        plan_id = self.request.query_params.get("plan")
        plan = _plan(self.request, plan_id) if plan_id else None
        return objective_list(user=self.request.user, plan=plan)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ObjectiveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        plan = _plan(request, data.pop("plan").pk)
        try:
            objective = objective_create(plan=plan, user=request.user, **data)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        objective = self.get_object()
        given = ObjectiveUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        try:
            objective = objective_update(
                objective=objective, user=request.user, **given.validated_data
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ObjectiveSerializer(objective).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        objective_delete(objective=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List actions of account plans", parameters=[PLAN_PARAM]),
    update=extend_schema(request=ActionUpdateSerializer),
    partial_update=extend_schema(request=ActionUpdateSerializer),
)
class ActionViewSet(viewsets.ModelViewSet[Action]):
    """Actions of account plans (owner, due date, status todo/doing/done/cancelled)."""

    queryset = Action.objects.none()
    serializer_class = ActionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Action]:
        plan_id = self.request.query_params.get("plan")
        plan = _plan(self.request, plan_id) if plan_id else None
        return action_list(user=self.request.user, plan=plan)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        plan = _plan(request, data.pop("plan").pk)
        try:
            created = action_create(plan=plan, user=request.user, **data)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        given = ActionUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        try:
            found = action_update(action=found, user=request.user, **given.validated_data)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ActionSerializer(found).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action_delete(action=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountHealthView(APIView):
    @extend_schema(
        summary="An account's health score and its components (points sum to the score)",
        parameters=[EXTERNAL_ID],
        responses={200: HealthSerializer},
    )
    def get(self, request: Request, external_id: str) -> Response:
        account = _account(request, external_id)
        as_of = timezone.localdate()
        found = account_health(user=request.user, account=account, as_of=as_of)
        if found is None:
            raise NotFound("No such account.")
        health = found.health
        return Response(
            HealthSerializer(
                {
                    "account": account.external_id,
                    "as_of": as_of,
                    "score": health.score,
                    "components": [c.__dict__ for c in health.components],
                }
            ).data
        )


@extend_schema_view(
    list=extend_schema(
        summary="List alerts of key accounts (open ones unless open=false)",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.STR, description="An account's external id."),
            OpenApiParameter("open", OpenApiTypes.BOOL, description="Only open alerts (default)."),
        ],
    ),
    retrieve=extend_schema(summary="One alert"),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet[Alert]):
    """Alerts of the accounts you may see; their managers acknowledge them with a note."""

    queryset = Alert.objects.none()
    serializer_class = AlertSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Alert]:
        params = self.request.query_params
        account = _account(self.request, params["account"]) if params.get("account") else None
        open_only = params.get("open", "true").lower() not in {"false", "0", "no"}
        return alert_list(user=self.request.user, account=account, open_only=open_only)

    @extend_schema(
        summary="Acknowledge an alert with a note (the account's managers and directors)",
        request=AcknowledgeSerializer,
        responses={200: AlertSerializer},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        try:
            alert = alert_get(user=request.user, pk=int(pk or 0))
        except (Http404, ValueError):
            raise NotFound("No such alert.") from None
        given = AcknowledgeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            alert = alert_acknowledge(
                alert=alert, user=request.user, note=given.validated_data["note"]
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(AlertSerializer(alert).data)
