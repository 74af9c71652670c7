"""The campaign endpoints of the REST API: thin adapters over
:mod:`kam.engagement.campaigns` (the same rules and messages as the pages and the
command line).

``/campaigns/`` list, create, retrieve; ``/campaigns/{id}/preview/`` (who would be mailed,
who is skipped and why); ``POST /campaigns/{id}/send/``; ``/campaigns/{id}/targets/``;
``/campaigns/{id}/export/?format=csv|xlsx``; ``POST /campaigns/{id}/responses/``;
``/campaigns/{id}/results/?days=N``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from kam.engagement.api.views import refused
from kam.engagement.campaigns import (
    DEFAULT_RESULT_DAYS,
    campaign_create,
    campaign_record_response,
    campaign_results,
    campaign_send,
    campaign_target_list,
    campaign_targets_preview,
    target_list_csv,
    target_list_xlsx,
)
from kam.engagement.models import Campaign, CampaignTarget, Outcome
from kam.engagement.selectors import campaign_list, campaign_target_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CriteriaSerializer(serializers.Serializer[dict[str, Any]]):
    tiers = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_("Default: key.")
    )
    kams = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=_("Managers' usernames.")
    )
    sectors = serializers.ListField(child=serializers.CharField(), required=False)
    min_score = serializers.FloatField(required=False, allow_null=True)


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    """A campaign, with its counts once sent."""

    channel = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code", read_only=True, help_text=_("The channel's code.")
    )
    created_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", read_only=True, allow_null=True
    )
    sent_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", read_only=True, allow_null=True
    )
    criteria = CriteriaSerializer(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "offer",
            "discount_percent",
            "valid_from",
            "valid_to",
            "channel",
            "criteria",
            "status",
            "created_by",
            "created_at",
            "sent_at",
            "sent_by",
            "accounts_count",
            "sent_count",
            "failed_count",
            "skipped_no_consent",
            "skipped_no_email",
            "skipped_left",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200)
    offer = serializers.CharField()
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    channel = serializers.CharField(max_length=40, help_text=_("The channel's code."))
    criteria = CriteriaSerializer(required=False)


class TargetRowSerializer(serializers.Serializer[dict[str, Any]]):
    account = serializers.CharField()
    account_name = serializers.CharField()
    tier = serializers.CharField()
    kam = serializers.CharField()
    contact = serializers.CharField()
    email = serializers.CharField()
    status = serializers.CharField(
        help_text=_(
            "pending (would be mailed), skipped_no_consent, skipped_no_email or skipped_left."
        )
    )


class PreviewSerializer(serializers.Serializer[dict[str, Any]]):
    run = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    targets = TargetRowSerializer(many=True)


class CampaignTargetSerializer(serializers.ModelSerializer[CampaignTarget]):
    account = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="external_id", read_only=True
    )
    contact_name = serializers.SerializerMethodField()

    class Meta:
        model = CampaignTarget
        fields = [
            "id",
            "account",
            "contact",
            "contact_name",
            "email",
            "status",
            "error",
            "responded",
            "responded_on",
            "outcome",
        ]
        read_only_fields = fields

    def get_contact_name(self, target: CampaignTarget) -> str:
        return str(target.contact) if target.contact else ""


class ResponseSerializer(serializers.Serializer[dict[str, Any]]):
    target = serializers.IntegerField(help_text=_("The campaign target's id."))
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    responded_on = serializers.DateField(required=False, allow_null=True)


class SendResultSerializer(serializers.Serializer[dict[str, Any]]):
    accounts = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    skipped_no_consent = serializers.IntegerField()
    skipped_no_email = serializers.IntegerField()
    skipped_left = serializers.IntegerField()
    activities = serializers.IntegerField()


class _FileRenderer(BaseRenderer):
    """Lets ``?format=csv|xlsx`` through DRF's content negotiation; the export view
    returns the file itself (errors come out as JSON)."""

    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return json.dumps(data, default=str).encode("utf-8")


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"


def _denied(exc: DjangoPermissionDenied) -> ApiPermissionDenied:
    return ApiPermissionDenied(str(exc))


@extend_schema_view(
    list=extend_schema(
        summary="List campaigns",
        description="Marketing, directors and analysts see every campaign; a KAM sees the "
        "sent campaigns that reached one of their accounts.",
    ),
    retrieve=extend_schema(summary="One campaign"),
    create=extend_schema(
        summary="Create a draft campaign (marketing and directors)",
        description="400 naming the field for bad dates, a discount outside 0–100, an "
        "unknown or inactive channel, an unknown KAM.",
        request=CampaignCreateSerializer,
        responses={201: CampaignSerializer},
    ),
)
class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Campaign]):
    """Loyalty campaigns: marketing and directors create and send them."""

    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "sent_at", "name"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return campaign_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = CampaignCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        try:
            campaign = campaign_create(user=request.user, **data)
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Who the campaign would reach, and who is skipped and why",
        responses={200: PreviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        found = campaign_targets_preview(campaign=campaign, user=request.user)
        data = {
            "run": found.run.pk if found.run is not None else None,
            "counts": found.counts,
            "targets": [
                {
                    "account": r.external_id,
                    "account_name": r.account_name,
                    "tier": r.tier,
                    "kam": r.kam,
                    "contact": r.contact_name,
                    "email": r.email,
                    "status": r.status,
                }
                for r in found.rows
            ],
        }
        return Response(PreviewSerializer(data).data)

    @extend_schema(
        summary="Send the campaign (marketing and directors; once)",
        description="One e-mail per consenting contact; the answer counts the e-mails sent "
        "and failed and the contacts skipped per reason (no consent, no e-mail, left).",
        request=None,
        responses={200: SendResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        try:
            result = campaign_send(campaign=campaign, user=request.user)
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(SendResultSerializer(result.as_dict()).data)

    @extend_schema(
        summary="The targets of a sent campaign and their responses",
        responses={200: CampaignTargetSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def targets(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        rows: Any = campaign_target_rows(user=request.user, campaign=campaign)
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(CampaignTargetSerializer(page, many=True).data)
        return Response(CampaignTargetSerializer(rows, many=True).data)

    @extend_schema(
        summary="The target list as CSV or XLSX, for external tools",
        description="Columns: account, account_name, contact, email, kam, offer. Skipped "
        "contacts are left out; the header X-Kam-Skipped counts them (the XLSX also has a "
        "sheet 'skipped' per reason).",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"])],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, (200, XLSX): OpenApiTypes.BINARY},
    )
    @action(
        detail=True, methods=["get"], renderer_classes=[CsvRenderer, XlsxRenderer, JSONRenderer]
    )
    def export(self, request: Request, pk: str) -> HttpResponse:
        campaign = self.get_object()
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            raise ApiValidationError({"format": "csv or xlsx"})
        targets = campaign_target_list(campaign=campaign, user=request.user)
        if kind == "csv":
            body, content_type = target_list_csv(targets), "text/csv; charset=utf-8"
        else:
            body, content_type = target_list_xlsx(targets), XLSX
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.{kind}"'
        response["X-Kam-Skipped"] = str(targets.skipped_total)
        return response

    @extend_schema(
        summary="Record a contact's response (marketing, directors, the account's managers)",
        request=ResponseSerializer,
        responses={200: CampaignTargetSerializer},
    )
    @action(detail=True, methods=["post"])
    def responses(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        given = ResponseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        target = (
            campaign_target_rows(user=request.user, campaign=campaign)
            .filter(pk=data["target"])
            .first()
        )
        if target is None:
            raise NotFound("No such target in this campaign.")
        try:
            campaign_record_response(
                target=target,
                outcome=data["outcome"],
                user=request.user,
                responded_on=data.get("responded_on"),
            )
        except DjangoPermissionDenied as exc:
            raise _denied(exc) from None
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(CampaignTargetSerializer(target).data)

    @extend_schema(
        summary="How the campaign did: responses, and revenue against comparable accounts",
        description="Revenue of the accounts reached in the `days` days after sending vs "
        "the same days before, against accounts of the same tiers and sectors that were "
        "not targeted (difference in differences, per account).",
        parameters=[OpenApiParameter("days", OpenApiTypes.INT, description="Default 90.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        raw = request.query_params.get("days") or str(DEFAULT_RESULT_DAYS)
        if not raw.isdigit():
            raise ApiValidationError({"days": "a whole number of days"})
        try:
            found = campaign_results(campaign=campaign, days=int(raw), user=request.user)
        except DjangoValidationError as exc:
            raise refused(exc) from None
        return Response(found.as_dict())
