"""How accounts look in the REST API. Read-only: accounts are written by imports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Manager, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kam.accounts.api.groups import account_group_ids
from kam.accounts.models import Account
from kam.accounts.selectors import account_list

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Attributes the view's queryset puts on each account (see AccountViewSet.get_queryset).
CURRENT_LEADS = "current_lead_assignments"
VISIBLE_SUBSIDIARIES = "visible_subsidiaries"
GROUP_ID = "group_external_id"


class AccountListSerializer(serializers.ListSerializer[Account]):
    """Computes the group of a whole page of accounts at once (no query per account)."""

    def to_representation(self, data: Any) -> list[Any]:
        accounts = list(data.all() if isinstance(data, Manager | QuerySet) else data)
        groups = account_group_ids(accounts=accounts)
        for account in accounts:
            setattr(account, GROUP_ID, groups[account.pk])
        child = self.child
        assert child is not None  # set by ModelSerializer.many_init
        return [child.to_representation(account) for account in accounts]


class AccountSerializer(serializers.ModelSerializer[Account]):
    """An account as a list row: its attributes, its group and its lead manager."""

    # DRF's metaclass moves declared fields off the class, so this does not shadow
    # Field.parent at run time; mypy only sees the class attribute.
    parent: serializers.SlugRelatedField[Account] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="external_id",
        read_only=True,
        help_text=_("External id of the parent group, if any."),
    )
    group = serializers.SerializerMethodField(
        help_text=_(
            "External id of the top of the parent chain (the account itself when it has no parent)."
        )
    )
    countries_of_operation = serializers.ListField(
        child=serializers.CharField(max_length=2),
        read_only=True,
        help_text=_("ISO 3166-1 alpha-2 codes."),
    )
    lead_manager = serializers.SerializerMethodField(
        help_text=_("Username of the current lead manager, if any.")
    )

    class Meta:
        model = Account
        list_serializer_class = AccountListSerializer
        fields = [
            "external_id",
            "name",
            "parent",
            "group",
            "sector",
            "country",
            "countries_of_operation",
            "employees",
            "market_share",
            "spend_potential",
            "strategic_fit",
            "status",
            "lead_manager",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_group(self, account: Account) -> str:
        group = getattr(account, GROUP_ID, None)
        if group is None:  # a single account (detail): walk up for this one
            group = account_group_ids(accounts=[account])[account.pk]
        return str(group)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_lead_manager(self, account: Account) -> str | None:
        leads = getattr(account, CURRENT_LEADS, None)
        if leads is None:  # not prefetched: still correct, one query
            leads = list(
                account.assignments.filter(ended_at__isnull=True, role="lead").select_related(
                    "manager"
                )
            )
        return leads[0].manager.get_username() if leads else None


class AccountDetailSerializer(AccountSerializer):
    """One account: the list fields plus its subsidiaries the user may see."""

    subsidiaries = serializers.SerializerMethodField(
        help_text=_("External ids of the direct subsidiaries that you may see.")
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "subsidiaries"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_subsidiaries(self, account: Account) -> list[str]:
        subsidiaries = getattr(account, VISIBLE_SUBSIDIARIES, None)
        if subsidiaries is None:  # not prefetched: still scoped to the user, one query
            subsidiaries = visible_subsidiaries(user=self.context["request"].user).filter(
                parent=account
            )
        return [s.external_id for s in subsidiaries]


def visible_subsidiaries(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Account]:
    """The accounts this user may see, reduced to what a subsidiaries list needs."""
    return account_list(user=user).only("pk", "external_id", "parent_id").order_by("external_id")
