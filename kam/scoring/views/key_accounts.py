"""The key accounts list: the accounts of a run with their score and tier, filtered,
searched, sorted and paged (an htmx request gets only the table)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from kam.core.htmx import render_page_or_partial, wants_partial
from kam.core.roles import can_manage_scoring
from kam.scoring.forms import KeyAccountFilterSet
from kam.scoring.labels import QUADRANT_LABELS, tier_label
from kam.scoring.models import AccountScore, ScoreRun
from kam.scoring.views.common import PAGE_SIZE, run_scores, selected_run, tier_codes

TABLE_TARGET = "#key-account-table"


def filtered_key_accounts(request: HttpRequest) -> tuple[ScoreRun | None, KeyAccountFilterSet]:
    """The run the page shows and the request's filters over its scores: the list and its
    exports show the same accounts."""
    run = selected_run(request)
    filterset = KeyAccountFilterSet(request.GET, queryset=run_scores(request, run))
    return run, filterset


def _filter_choices(scores: QuerySet[AccountScore]) -> dict[str, Any]:
    """The values offered by the filters: those present among the user's scored accounts."""
    sectors = (
        scores.exclude(account__sector="")
        .order_by("account__sector")
        .values_list("account__sector", flat=True)
        .distinct()
    )
    managers = (
        scores.filter(account__assignments__role="lead", account__assignments__ended_at=None)
        .order_by("account__assignments__manager__username")
        .values_list("account__assignments__manager_id", "account__assignments__manager__username")
        .distinct()
    )
    present = list(scores.order_by("tier").values_list("tier", flat=True).distinct())
    return {
        "sectors": list(sectors),
        "managers": list(managers),
        "tiers": [(code, tier_label(code)) for code in tier_codes(present)],
        "quadrants": [(code, str(label)) for code, label in QUADRANT_LABELS.items()],
    }


def _export_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    if "tier" not in query:
        query["tier"] = "key"  # the export has what the page shows
    return query.urlencode()


@require_safe
@login_required
def key_account_list_view(request: HttpRequest) -> HttpResponse:
    """The key accounts of the run in force (or of ``?run=``): every tier can be shown,
    filtered, searched, sorted and paged; an htmx request gets only the table."""
    run, filterset = filtered_key_accounts(request)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "run": run,
        "filterset": filterset,
        "form": filterset.form,
        "page_obj": page,
        "scores": list(page.object_list),
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
        "target": TABLE_TARGET,
        "export_query": _export_query(request),
        "can_manage": can_manage_scoring(request.user),
    }
    if not wants_partial(request):
        context.update(_filter_choices(filterset.queryset))
    return render_page_or_partial(
        request,
        page_template="scoring/key_account_list.html",
        partial_template="scoring/_key_account_table.html",
        context=context,
    )
