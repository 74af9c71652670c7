"""The accounts endpoints of the REST API: read-only, scoped to the requesting user."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from kam.accounts.api.serializers import (
    CURRENT_LEADS,
    VISIBLE_SUBSIDIARIES,
    AccountDetailSerializer,
    AccountSerializer,
    visible_subsidiaries,
)
from kam.accounts.filters import AccountFilterSet
from kam.accounts.models import Account
from kam.accounts.selectors import account_list
from kam.assignments.models import AccountAssignment, AssignmentRole

_Row = TypeVar("_Row")


@extend_schema_view(
    list=extend_schema(
        summary="List the accounts you may see",
        description=(
            "Directors, analysts and marketing see every account; a KAM or GAM sees the "
            "accounts currently entrusted to them or to their team."
        ),
    ),
    retrieve=extend_schema(
        summary="One account, by its external id",
        description="404 when the account does not exist or is not yours to see.",
        parameters=[
            OpenApiParameter(
                "external_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The account's id in your ERP or CRM.",
            ),
        ],
    ),
)
class AccountViewSet(viewsets.ReadOnlyModelViewSet[Account]):
    """Accounts, filtered and sorted by the same FilterSet as the accounts page."""

    queryset = Account.objects.none()  # the real one depends on the user
    lookup_field = "external_id"
    lookup_value_regex = r"[^/]+"
    # The FilterSet's own `ordering` parameter sorts; DRF's OrderingFilter would read the
    # same parameter a second way.
    filter_backends = [DjangoFilterBackend]
    filterset_class = AccountFilterSet

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Account]]:
        return AccountDetailSerializer if self.action == "retrieve" else AccountSerializer

    def get_queryset(self) -> QuerySet[Account]:
        user = self.request.user
        current_leads = AccountAssignment.objects.filter(
            ended_at__isnull=True, role=AssignmentRole.LEAD
        ).select_related("manager")
        queryset = (
            account_list(user=user)
            .select_related("parent")
            .prefetch_related(Prefetch("assignments", current_leads, to_attr=CURRENT_LEADS))
            .order_by("name", "pk")
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "subsidiaries", visible_subsidiaries(user=user), to_attr=VISIBLE_SUBSIDIARIES
                )
            )
        return queryset

    def filter_queryset(self, queryset: QuerySet[Account, _Row]) -> QuerySet[Account, _Row]:
        filtered = super().filter_queryset(queryset)
        # Whatever the requested sort, end on the primary key so that pages never
        # overlap or skip rows that tie (many accounts share a sector or a country).
        ordering = [str(o) for o in filtered.query.order_by]
        if "pk" not in ordering and "-pk" not in ordering:
            filtered = filtered.order_by(*ordering, "pk")
        return filtered
