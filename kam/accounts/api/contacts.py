"""The contacts endpoints of the REST API and an account's stakeholder map: thin adapters
over the contacts selectors and services (the same rules as the account page)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam.accounts.contacts.selectors import (
    StakeholderMap,
    account_stakeholder_map,
    contact_list,
)
from kam.accounts.contacts.services import (
    EDITABLE_FIELDS,
    contact_create,
    contact_mark_left,
    contact_update,
    contacts_editable,
)
from kam.accounts.filters import ContactFilterSet
from kam.accounts.models import Account, Attitude, BuyingRole, Contact
from kam.accounts.selectors import account_get, account_list
from kam.core.roles import Role, is_director, user_roles


def refused(error: DjangoValidationError) -> ApiValidationError:
    """A refusal of the services as a 400 whose keys name the fields."""
    if hasattr(error, "error_dict"):
        return ApiValidationError(error.message_dict)
    return ApiValidationError({"detail": error.messages})


class VisibleAccountField(serializers.SlugRelatedField[Account]):
    """An account named by external id, among those the requesting user may see."""

    def get_queryset(self) -> QuerySet[Account]:
        return account_list(user=self.context["request"].user)


class VisibleContactField(serializers.PrimaryKeyRelatedField[Contact]):
    """A contact named by id, among those the requesting user may see."""

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list(user=self.context["request"].user)


class ContactSerializer(serializers.ModelSerializer[Contact]):
    """A contact and their stakeholder profile."""

    account = VisibleAccountField(
        slug_field="external_id",
        help_text=_("External id of the contact's account (set once, at creation)."),
    )
    reports_to = VisibleContactField(
        allow_null=True,
        required=False,
        help_text=_("Id of the contact this one reports to: someone of the same account."),
    )
    is_current = serializers.BooleanField(
        read_only=True, help_text=_("False once the contact left the company.")
    )

    class Meta:
        model = Contact
        fields = ["id", "account", *EDITABLE_FIELDS, "is_current", "created_at", "updated_at"]
        read_only_fields = ["id", "is_current", "created_at", "updated_at"]
        # The services check the external id's uniqueness in the account, naming the field.
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "account" in attrs:
            if attrs["account"] != self.instance.account:
                raise ApiValidationError(
                    {"account": [gettext("A contact cannot move to another account.")]}
                )
            del attrs["account"]
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Contact:
        account = validated_data.pop("account")
        try:
            return contact_create(
                account=account, user=self.context["request"].user, values=validated_data
            )
        except DjangoValidationError as error:
            raise refused(error) from None

    def update(self, instance: Contact, validated_data: dict[str, Any]) -> Contact:
        try:
            return contact_update(
                contact=instance, user=self.context["request"].user, values=validated_data
            )
        except DjangoValidationError as error:
            instance.refresh_from_db()
            raise refused(error) from None


class ContactLeftSerializer(serializers.Serializer[Any]):
    left_on = serializers.DateField(
        required=False, help_text=_("The day the contact left (default: today).")
    )


class ContactWritePermission(permissions.BasePermission):
    """Everyone who sees a contact reads it; the account's managers and directors write
    (the services check again)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_director(request.user) or Role.KAM in user_roles(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return contacts_editable(user=request.user, account=obj.account)


@extend_schema_view(
    list=extend_schema(
        summary="List the contacts you may see",
        description=(
            "The contacts of the accounts you may see (every account for directors, analysts "
            "and marketing; for a KAM or GAM, the accounts entrusted to them or their team). "
            "`account` filters by the account's external id."
        ),
    ),
    retrieve=extend_schema(summary="One contact"),
    create=extend_schema(
        summary="Add a contact to an account",
        description="The account's managers and directors only. 400 names each refused field.",
    ),
    update=extend_schema(summary="Change a contact"),
    partial_update=extend_schema(summary="Change some fields of a contact"),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Contact],
):
    """Contacts: no delete, a contact who leaves is marked as left (``POST .../left/``)."""

    queryset = Contact.objects.none()  # the real one depends on the user
    serializer_class = ContactSerializer
    permission_classes = [permissions.IsAuthenticated, ContactWritePermission]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilterSet

    def get_queryset(self) -> QuerySet[Contact]:
        return (
            contact_list(user=self.request.user)
            .select_related("account")
            .order_by("account__external_id", "last_name", "first_name", "pk")
        )

    @extend_schema(
        summary="Record that a contact left the company",
        request=ContactLeftSerializer,
        responses=ContactSerializer,
    )
    @action(detail=True, methods=["post"])
    def left(self, request: Request, pk: str | None = None) -> Response:
        contact = self.get_object()
        given = ContactLeftSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            contact_mark_left(
                contact=contact, user=request.user, left_on=given.validated_data.get("left_on")
            )
        except DjangoValidationError as error:
            raise refused(error) from None
        return Response(ContactSerializer(contact, context=self.get_serializer_context()).data)


# -- the stakeholder map ---------------------------------------------------------------------


class StakeholderNodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    job_title = serializers.CharField()
    buying_role = serializers.ChoiceField(choices=BuyingRole.choices, allow_blank=True)
    influence = serializers.IntegerField(allow_null=True, help_text=_("1 (little) to 5."))
    attitude = serializers.ChoiceField(choices=Attitude.choices)
    do_not_mail = serializers.BooleanField()
    is_current = serializers.BooleanField()
    left_on = serializers.DateField(allow_null=True)
    level = serializers.IntegerField(help_text=_("Depth in the org chart, 0 at the top."))
    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Field.parent at run time; mypy only sees the class attribute.
    parent: serializers.IntegerField = serializers.IntegerField(  # type: ignore[assignment]
        allow_null=True, help_text=_("The node above this one in the chart (null at the top).")
    )
    children = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Ids of the nodes just below.")
    )


class CoverageGapSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text=_(
            "no_contacts, no_decision_maker, no_economic_buyer, no_champion or single_level."
        )
    )
    text = serializers.CharField()


class CoverageSerializer(serializers.Serializer[Any]):
    rules_met = serializers.IntegerField()
    rules_total = serializers.IntegerField()
    complete = serializers.BooleanField()
    levels = serializers.IntegerField(help_text=_("Org chart levels of the current contacts."))
    gaps = CoverageGapSerializer(many=True)


class StakeholderMapSerializer(serializers.Serializer[Any]):
    account = serializers.CharField(help_text=_("The account's external id."))
    contacts = serializers.IntegerField()
    current = serializers.IntegerField()
    coverage = CoverageSerializer()
    nodes = StakeholderNodeSerializer(
        many=True, help_text=_("The org chart, depth first, most influential first.")
    )


def map_data(account: Account, stakeholders: StakeholderMap) -> dict[str, Any]:
    """The map as the API gives it: flat nodes (depth first) linked by ids."""
    nodes = []
    for root in stakeholders.roots:
        stack: list[tuple[Any, int | None]] = [(root, None)]
        while stack:
            node, parent = stack.pop()
            contact = node.contact
            nodes.append(
                {
                    "id": contact.pk,
                    "name": str(contact),
                    "job_title": contact.job_title,
                    "buying_role": contact.buying_role,
                    "influence": contact.influence,
                    "attitude": contact.attitude,
                    "do_not_mail": contact.do_not_mail,
                    "is_current": contact.is_current,
                    "left_on": contact.left_on,
                    "level": node.level,
                    "parent": parent,
                    "children": [c.contact.pk for c in node.children],
                }
            )
            stack.extend((child, contact.pk) for child in reversed(node.children))
    cov = stakeholders.coverage
    return {
        "account": account.external_id,
        "contacts": len(stakeholders.contacts),
        "current": stakeholders.current,
        "coverage": {
            "rules_met": cov.rules_met,
            "rules_total": cov.rules_total,
            "complete": cov.complete,
            "levels": cov.levels,
            "gaps": [{"code": g.code, "text": gettext(g.text)} for g in cov.gaps],
        },
        "nodes": nodes,
    }


class StakeholderMapView(APIView):
    """An account's stakeholder map: its org chart and coverage gaps."""

    @extend_schema(
        summary="An account's stakeholder map and coverage gaps",
        description=(
            "The org chart of the account's contacts (flat nodes, depth first, linked by "
            "`parent` and `children`) and the coverage rules: a decision maker, an economic "
            "buyer and a champion among current contacts, at more than one level. 404 when "
            "the account does not exist or is not yours to see."
        ),
        parameters=[
            OpenApiParameter(
                "external_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The account's id in your ERP or CRM.",
            ),
            OpenApiParameter(
                "include_left",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description=(
                    "Keep the people who left in the chart (default true); false moves "
                    "their reports up to the nearest current boss."
                ),
            ),
        ],
        responses=StakeholderMapSerializer,
    )
    def get(self, request: Request, external_id: str) -> Response:
        account = account_get(user=request.user, external_id=external_id)
        include_left = request.query_params.get("include_left", "true").lower() not in (
            "false",
            "0",
            "no",
        )
        stakeholders = account_stakeholder_map(
            user=request.user, account=account, include_left=include_left
        )
        return Response(StakeholderMapSerializer(map_data(account, stakeholders)).data)
