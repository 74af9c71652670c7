"""One FilterSet for the accounts list, used by the HTML page and the REST API alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import Account, AccountStatus, BuyingRole, Contact


class AccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    sector = django_filters.CharFilter(field_name="sector", lookup_expr="iexact", label=_("Sector"))
    country = django_filters.CharFilter(
        field_name="country", lookup_expr="iexact", label=_("Country")
    )
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices, label=_("Status"))
    group = django_filters.CharFilter(method="in_group", label=_("Group (external id)"))
    is_group = django_filters.BooleanFilter(method="only_groups", label=_("Groups only"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("external_id", "external_id"),
            ("sector", "sector"),
            ("country", "country"),
            ("employees", "employees"),
            ("created_at", "created_at"),
        ),
        label=_("Sort"),
    )

    class Meta:
        model = Account
        fields: list[str] = []

    def search(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(external_id__icontains=value))

    def in_group(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        """Direct members of a group and the group itself (one level)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(external_id=value) | Q(parent__external_id=value))

    def only_groups(
        self, queryset: QuerySet[Account], name: str, value: bool | None
    ) -> QuerySet[Account]:
        if value is None:
            return queryset
        return queryset.filter(subsidiaries__isnull=not value).distinct()


class ContactFilterSet(django_filters.FilterSet):
    """Filters of the contacts API list."""

    account = django_filters.CharFilter(
        field_name="account__external_id", label=_("Account (external id)")
    )
    buying_role = django_filters.ChoiceFilter(
        choices=BuyingRole.choices, label=_("Role in the buying decision")
    )
    current = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", label=_("Still at the company")
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(last_name__icontains=value)
            | Q(first_name__icontains=value)
            | Q(email__icontains=value)
            | Q(external_id=value)
        )
