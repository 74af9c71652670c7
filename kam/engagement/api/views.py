"""The engagement endpoints of the REST API: thin adapters over the engagement services
and selectors (the same rules and messages as the pages and the command line)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.accounts.models import Account, Contact
from kam.accounts.selectors import account_get
from kam.engagement.api.serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    ChannelPlanSerializer,
    ChannelPlanWriteSerializer,
    ChannelSerializer,
    ChannelUpdateSerializer,
    RecommendationSerializer,
    plan_data,
)
from kam.engagement.models import Activity, Channel
from kam.engagement.recommendations import channel_recommendation, key_account_recommendations
from kam.engagement.selectors import activity_list, channel_get, channel_list, channel_plan_get
from kam.engagement.services import (
    PlanItemInput,
    activity_log,
    channel_create,
    channel_plan_set,
    channel_update,
)

EXTERNAL_ID = OpenApiParameter(
    "external_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The account's external id.",
)


def refused(exc: DjangoValidationError) -> ApiValidationError:
    """A service's refusal as a 400 whose keys name the fields."""
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"detail": exc.messages})


def _account(request: Request, external_id: str) -> Account:
    try:
        return account_get(user=request.user, external_id=external_id)
    except Http404:
        raise NotFound("No such account.") from None


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiValidationError({name: "not a date (YYYY-MM-DD)"}) from None


@extend_schema_view(
    list=extend_schema(summary="List the channels of the catalogue"),
    retrieve=extend_schema(summary="One channel, by its code"),
    create=extend_schema(
        summary="Add a channel (marketing and directors)",
        request=ChannelSerializer,
        responses={201: ChannelSerializer},
    ),
    update=extend_schema(
        summary="Change a channel (marketing and directors)",
        description="Its name, kind, unit cost or active flag; the code never changes.",
        request=ChannelUpdateSerializer,
        responses={200: ChannelSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a channel (marketing and directors)",
        request=ChannelUpdateSerializer,
        responses={200: ChannelSerializer},
    ),
)
class ChannelViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet[Channel]
):
    """The channel catalogue: everyone reads it; marketing and directors edit it."""

    queryset = Channel.objects.none()
    serializer_class = ChannelSerializer
    lookup_field = "code"
    filterset_fields = ["kind", "active"]
    ordering_fields = ["code", "name", "unit_cost"]

    def get_queryset(self) -> QuerySet[Channel]:
        return channel_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ChannelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            channel = channel_create(
                code=data["code"],
                name=data["name"],
                kind=data.get("kind", "other"),
                unit_cost=data.get("unit_cost", 0),
                active=data.get("active", True),
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ChannelSerializer(channel).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ChannelUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        try:
            channel = channel_update(
                channel=channel_get(user=request.user, code=kwargs["code"]),
                user=request.user,
                **given.validated_data,
            )
        except Http404:
            raise NotFound("No such channel.") from None
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ChannelSerializer(channel).data)


@extend_schema_view(
    list=extend_schema(
        summary="List activities (a timeline, the latest first)",
        description="The activities of the accounts you may see.",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.STR, description="An account's external id."),
            OpenApiParameter("channel", OpenApiTypes.STR, description="A channel's code."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="From this day."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Until this day."),
        ],
    ),
    retrieve=extend_schema(summary="One activity"),
    create=extend_schema(
        summary="Log an activity (the account's managers and directors)",
        description="An account and a channel are enough: today, the channel's unit cost "
        "and the outcome 'none' by default. 400 naming the field for a contact of another "
        "account or an order amount without the outcome 'order'; 403 for others.",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer},
    ),
)
class ActivityViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Activity]):
    """Activities: read along the accounts' access; written by their managers."""

    queryset = Activity.objects.none()
    serializer_class = ActivitySerializer
    filter_backends: list[Any] = []  # the filters are read by get_queryset

    def get_queryset(self) -> QuerySet[Activity]:
        request = self.request
        params = request.query_params
        account = _account(request, params["account"]) if params.get("account") else None
        channel = None
        if params.get("channel"):
            try:
                channel = channel_get(user=request.user, code=params["channel"])
            except Http404:
                raise ApiValidationError({"channel": "unknown channel"}) from None
        return activity_list(
            user=request.user,
            account=account,
            channel=channel,
            date_from=_date(request, "date_from"),
            date_to=_date(request, "date_to"),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ActivityCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        account = _account(request, data["account"])
        channel = Channel.objects.filter(code=data["channel"]).first()
        if channel is None:
            raise ApiValidationError({"channel": "unknown channel"})
        contacts = list(Contact.objects.filter(pk__in=data["contacts"]))
        if len(contacts) != len(set(data["contacts"])):
            raise ApiValidationError({"contacts": "unknown contact id"})
        try:
            activity = activity_log(
                account=account,
                channel=channel,
                user=request.user,
                outcome=data["outcome"],
                occurred_on=data.get("occurred_on"),
                subject=data["subject"],
                contacts=contacts,
                cost=data.get("cost"),
                order_amount=data.get("order_amount"),
                order_reference=data["order_reference"],
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class ChannelPlanView(APIView):
    """``/accounts/{external_id}/channel-plan/``: the account's current plan."""

    @extend_schema(
        summary="An account's current channel plan",
        description="`channels` is empty when the account has no plan.",
        parameters=[EXTERNAL_ID],
        responses={200: ChannelPlanSerializer},
    )
    def get(self, request: Request, external_id: str) -> Response:
        account = _account(request, external_id)
        plan = channel_plan_get(user=request.user, account=account)
        return Response(ChannelPlanSerializer(plan_data(account.external_id, plan)).data)

    @extend_schema(
        summary="Set an account's channel plan (its managers and directors)",
        description="1 to 3 channels, each with a cadence. A 4th channel is refused: 400 "
        '`{"channels": ["a key account has at most 3 channels (got 4)"]}`. The plan '
        "it replaces stays in the history.",
        parameters=[EXTERNAL_ID],
        request=ChannelPlanWriteSerializer,
        responses={200: ChannelPlanSerializer},
    )
    def put(self, request: Request, external_id: str) -> Response:
        account = _account(request, external_id)
        given = ChannelPlanWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        items = [
            PlanItemInput(i["channel"], i["times"], i["period"])
            for i in given.validated_data["channels"]
        ]
        try:
            channel_plan_set(
                account=account,
                items=items,
                user=request.user,
                from_recommendation=given.validated_data["from_recommendation"],
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        plan = channel_plan_get(user=request.user, account=account)
        return Response(ChannelPlanSerializer(plan_data(account.external_id, plan)).data)


class RecommendationView(APIView):
    """``/accounts/{external_id}/channel-recommendation/``."""

    @extend_schema(
        summary="The channels recommended for an account, and why",
        description="Every active channel ranked by expected revenue per unit of cost, "
        "from the account's history shrunk toward similar accounts (same sector and tier), "
        "with a reason per channel; `suggested_plan` holds at most 3 channels.",
        parameters=[EXTERNAL_ID],
        responses={200: RecommendationSerializer},
    )
    def get(self, request: Request, external_id: str) -> Response:
        account = _account(request, external_id)
        advice = channel_recommendation(user=request.user, account=account)
        return Response(RecommendationSerializer(advice.as_dict()).data)


class KeyAccountRecommendationsView(APIView):
    """``/channel-recommendations/``: every key account's recommendation."""

    @extend_schema(
        summary="The recommendation of every key account you may see",
        description="Key accounts of the score run in force, by external id.",
        responses={200: RecommendationSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = key_account_recommendations(user=request.user)
        return Response([RecommendationSerializer(r.as_dict()).data for r in found])
