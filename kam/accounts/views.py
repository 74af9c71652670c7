"""Account pages: the filtered list (HTML and CSV) and one account's page.

Thin adapters: what a user may see comes from ``kam.accounts.selectors``, filtering from
the ``AccountFilterSet`` shared with the API, sales from ``kam.sales.selectors``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kam.accounts.filters import AccountFilterSet
from kam.accounts.models import Account, AccountStatus
from kam.accounts.selectors import account_get, account_list
from kam.assignments.models import AccountAssignment, AssignmentRole
from kam.core.charts import monthly_sales_chart, sales_history
from kam.core.htmx import render_page_or_partial, wants_partial
from kam.sales.selectors import account_monthly_sales

PAGE_SIZE = 50
# Filter drop-downs list at most this many values; beyond it, search by name is the tool.
MAX_CHOICES = 1000
TABLE_TARGET = "#account-table"


def _with_current_lead(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """Accounts with their group and current lead manager loaded in two extra queries
    for the whole page (``account.current_leads``), never one per row."""
    leads = AccountAssignment.objects.filter(
        ended_at__isnull=True, role=AssignmentRole.LEAD
    ).select_related("manager")
    return accounts.select_related("parent").prefetch_related(
        Prefetch("assignments", queryset=leads, to_attr="current_leads")
    )


def _filtered(request: HttpRequest, visible: QuerySet[Account]) -> AccountFilterSet:
    return AccountFilterSet(request.GET or None, queryset=visible, request=request)


def _stable_order(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """The chosen order (name by default) with the primary key as a tie-breaker, so that
    pages never repeat or skip an account among equal sort values."""
    ordering = tuple(accounts.query.order_by) or tuple(Account._meta.ordering or ())
    return accounts.order_by(*ordering, "pk")


def _without_page(request: HttpRequest) -> str:
    """The list's query string minus the page number: the CSV has every page."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def lead_name(account: Account) -> str:
    """The display name of the account's current lead manager, or an empty string."""
    leads = getattr(account, "current_leads", [])
    if not leads:
        return ""
    manager = leads[0].manager
    return str(manager.get_full_name() or manager.get_username())


def _filter_choices(visible: QuerySet[Account]) -> dict[str, list[Any]]:
    """Values offered by the filter drop-downs: those present among visible accounts."""

    def distinct(field: str) -> list[str]:
        values = (
            visible.exclude(**{field: ""})
            .order_by(field)
            .values_list(field, flat=True)
            .distinct()[:MAX_CHOICES]
        )
        return list(values)

    groups = (
        visible.filter(subsidiaries__isnull=False)
        .order_by("name", "pk")
        .values_list("external_id", "name")
        .distinct()[:MAX_CHOICES]
    )
    return {
        "sectors": distinct("sector"),
        "countries": distinct("country"),
        "groups": list(groups),
        "statuses": list(AccountStatus.choices),
    }


@require_safe
@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    """Accounts the user may see, searched, filtered, sorted and paginated. An htmx
    request (the filter form, a column header, a page link) gets only the table."""
    visible = account_list(user=request.user)
    filterset = _filtered(request, visible)
    accounts = _with_current_lead(_stable_order(filterset.qs))
    paginator = Paginator(accounts, PAGE_SIZE)
    page: Page[Account] = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "filterset": filterset,
        "form": filterset.form,
        "page_obj": page,
        "accounts": list(page.object_list),
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
        "target": TABLE_TARGET,
        "export_query": _without_page(request),
    }
    for account in context["accounts"]:
        account.lead_name = lead_name(account)
    if not wants_partial(request):  # the filter form is not part of the partial
        context.update(_filter_choices(visible))
    return render_page_or_partial(
        request,
        page_template="accounts/account_list.html",
        partial_template="accounts/_account_table.html",
        context=context,
    )


# Spreadsheets run a cell that starts with one of these as a formula: a hostile account
# name such as "=HYPERLINK(...)" must reach the user as text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a CSV cell that no spreadsheet will evaluate as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    """A write-only file for csv.writer that hands each line back to the caller."""

    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = (
    "external_id",
    "name",
    "parent_id",
    "parent_name",
    "sector",
    "country",
    "countries_of_operation",
    "employees",
    "status",
    "lead_manager",
    "international",
)


def _csv_rows(accounts: QuerySet[Account]) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    # chunk_size lets the prefetch run once per chunk while rows stream out.
    for account in accounts.iterator(chunk_size=2000):
        parent = account.parent
        yield [
            csv_cell(value)
            for value in (
                account.external_id,
                account.name,
                parent.external_id if parent else "",
                parent.name if parent else "",
                account.sector,
                account.country,
                ";".join(account.countries_of_operation or []),
                "" if account.employees is None else account.employees,
                account.status,
                lead_name(account),
                "yes" if account.is_international else "no",
            )
        ]


@require_safe
@login_required
def account_export_view(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (same filters and order as the page, every page),
    streamed so that a large list never sits in memory."""
    filterset = _filtered(request, account_list(user=request.user))
    accounts = _with_current_lead(_stable_order(filterset.qs))
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in _csv_rows(accounts))
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accounts-{stamp}.csv"'
    return response


@require_safe
@login_required
def account_detail_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """One account: identity, group, managers, and sales by month (chart and table).
    A KAM asking for an account outside their portfolio gets a 404."""
    account = account_get(user=request.user, external_id=external_id)
    visible = account_list(user=request.user)
    # The parent's name is part of the account's identity; a link only if it is visible.
    parent_visible = account.parent_id is not None and visible.filter(pk=account.parent_id).exists()
    subsidiaries = list(visible.filter(parent=account).order_by("name", "pk"))
    managers = list(
        AccountAssignment.objects.filter(account=account, ended_at__isnull=True)
        .select_related("manager", "manager__manager_profile")
        .order_by("role", "started_at", "pk")
    )
    series, comparison = sales_history(
        account_monthly_sales(account=account), today=timezone.localdate()
    )
    has_sales = any(month.revenue or month.margin or month.orders for month in series)
    context = {
        "account": account,
        "parent_visible": parent_visible,
        "subsidiaries": subsidiaries,
        "managers": managers,
        "series": series,
        "series_newest_first": list(reversed(series)),
        "comparison": comparison,
        "has_sales": has_sales,
        "chart_spec": monthly_sales_chart(series) if has_sales else None,
        "totals": {
            "revenue": sum(m.revenue for m in series),
            "margin": sum(m.margin for m in series),
            "orders": sum(m.orders for m in series),
        },
        "chart_title": _("Sales by month"),
    }
    return render(request, "accounts/account_detail.html", context)


@require_safe
@login_required
def account_sales_export_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The numbers of the account's sales chart as CSV (one row per month)."""
    account = account_get(user=request.user, external_id=external_id)
    series, _comparison = sales_history(
        account_monthly_sales(account=account), today=timezone.localdate()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sales-{csv_file_token(account.external_id)}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["month", "revenue", "margin", "orders", "quantity"])
    for month in series:
        writer.writerow(
            [
                month.month.strftime("%Y-%m"),
                f"{month.revenue:.2f}",
                f"{month.margin:.2f}",
                month.orders,
                f"{month.quantity:g}",
            ]
        )
    return response


def csv_file_token(text: str) -> str:
    """Text made safe for a download's file name (external ids are free text)."""
    token = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    return token.strip(".")[:80] or "account"
