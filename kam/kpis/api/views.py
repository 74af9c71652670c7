"""The KPI endpoints of the REST API: thin adapters over :mod:`kam.kpis.selectors` and
:mod:`kam.kpis.services` (the same rules and messages as the command line)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.kpis.api.serializers import (
    KpiReportSerializer,
    KpiTargetSerializer,
    KpiTargetWriteSerializer,
)
from kam.kpis.models import KpiTarget
from kam.kpis.selectors import GROUPS, default_period, kpi_report, kpi_target_list
from kam.kpis.services import kpi_target_remove, kpi_target_set


def refused(exc: DjangoValidationError) -> ApiValidationError:
    """A service's refusal as a 400 whose keys name the fields."""
    if hasattr(exc, "error_dict"):
        return ApiValidationError(exc.message_dict)
    return ApiValidationError({"detail": exc.messages})


def _date(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiValidationError({name: f"not a date (YYYY-MM-DD): {raw!r}"}) from None


class KpiReportView(APIView):
    """``/kpis/``: the KPIs of a period on what the user may see."""

    @extend_schema(
        summary="The KPIs of a period",
        description="Key accounts that increased purchases, new key accounts, uplift "
        "(mean, median, %), share of revenue from key accounts, retention, ROI of actions, "
        "activities per key account and channel mix, and the difference in differences "
        "against comparable non-key accounts, for P = [from, to] against the period of the "
        "same length just before it, with the key-account list in force at the start of P "
        "and the targets set for P. A KAM sees their portfolio; directors, analysts and "
        "marketing the company. `group` chooses the `rows`: one per KPI (company), per "
        "KAM (their lead at the start of P), per key account or per channel. 400 naming "
        "the parameter for a bad date, a period that ends before it starts or an unknown "
        "group.",
        parameters=[
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description="First day of P (default: a year before today).",
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last day of P (default: yesterday)."
            ),
            OpenApiParameter(
                "group", OpenApiTypes.STR, enum=list(GROUPS), description="Default: company."
            ),
        ],
        responses={200: KpiReportSerializer},
    )
    def get(self, request: Request) -> Response:
        default = default_period()
        date_from = _date(request, "from", default.date_from)
        date_to = _date(request, "to", default.date_to)
        group = request.query_params.get("group") or "company"
        if date_from > date_to:
            raise ApiValidationError(
                {"to": f"the period ends ({date_to}) before it starts ({date_from})"}
            )
        try:
            view = kpi_report(user=request.user, date_from=date_from, date_to=date_to, group=group)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(KpiReportSerializer(view.as_dict(group)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List KPI targets",
        description="The company's targets and those of the KAMs you see (all of them "
        "for directors, analysts and marketing; your own and your team's for a KAM). The "
        "status against the actual figure is in `/kpis/` for the target's period.",
    ),
    retrieve=extend_schema(summary="One KPI target"),
    create=extend_schema(
        summary="Set a KPI target (directors)",
        description="For the company (no `manager`) or a KAM, over [date_from, date_to]. "
        "A target of the same KPI, KAM and period is replaced. Shares are fractions (0.9 "
        "for 90 %). 400 naming the field when refused; 403 for others than directors.",
        request=KpiTargetWriteSerializer,
        responses={201: KpiTargetSerializer},
    ),
    destroy=extend_schema(summary="Remove a KPI target (directors)"),
)
class KpiTargetViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet[KpiTarget]
):
    """KPI targets: read by everyone on what they see; set and removed by directors."""

    queryset = KpiTarget.objects.none()
    serializer_class = KpiTargetSerializer
    filterset_fields = ["kpi", "direction", "date_from", "date_to"]
    ordering_fields = ["date_from", "kpi", "value"]

    def get_queryset(self) -> QuerySet[KpiTarget]:
        return kpi_target_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = KpiTargetWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        manager = None
        if data.get("manager"):
            manager = get_user_model().objects.filter(username=data["manager"]).first()
            if manager is None:
                raise ApiValidationError({"manager": f"no user named {data['manager']!r}"})
        try:
            target = kpi_target_set(
                kpi=data["kpi"],
                value=data["value"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                direction=data["direction"],
                manager=manager,
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(KpiTargetSerializer(target).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpi_target_remove(target=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
