"""The charts of a run: the Pareto curve with the ABC classes, and the portfolio matrix
(attractiveness against our relative strength) with its quadrants."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kam.core import charts
from kam.core.roles import can_manage_scoring, sees_all_accounts
from kam.scoring.labels import QUADRANT_LABELS, quadrant_label
from kam.scoring.models import AccountScore
from kam.scoring.selectors import pareto_data
from kam.scoring.views.common import PAGE_SIZE, run_scores, selected_run

# The portfolio matrix draws at most this many accounts (the best ranked): a browser
# keeps a few thousand dots responsive, not a hundred thousand. The table counts them all.
SCATTER_LIMIT = 2000


@dataclass(frozen=True)
class GroupTotal:
    """Accounts, revenue and average score of one ABC class or one quadrant."""

    count: int = 0
    revenue: float = 0.0
    score: float | None = None


def _totals_by(scores: QuerySet[AccountScore], column: str) -> dict[str, GroupTotal]:
    """The scores grouped by ``column``, in one query."""
    rows = (
        scores.order_by()
        .values_list(column)
        .annotate(n=Count("pk"), revenue=Sum("revenue_12m"), score=Avg("score"))
    )
    return {
        str(key): GroupTotal(int(n), float(revenue or 0.0), score)
        for key, n, revenue, score in rows
    }


def _no_run(request: HttpRequest, template: str) -> HttpResponse:
    context = {"run": None, "can_manage": can_manage_scoring(request.user)}
    return render(request, template, context)


@require_safe
@login_required
def pareto_view(request: HttpRequest) -> HttpResponse:
    """The Pareto curve of a run (company-wide: how concentrated revenue is), with the
    top-20 % marker and the ABC thresholds; the ABC classes; the user's largest accounts
    with their cumulative share."""
    run = selected_run(request)
    if run is None:
        return _no_run(request, "scoring/pareto.html")
    data = pareto_data(user=request.user, run=run)
    by_class = _totals_by(data.accounts, "abc")
    total_accounts = sum(data.abc_counts.values())
    visible_revenue = sum(t.revenue for t in by_class.values())
    classes = []
    for abc in ("A", "B", "C"):
        count, mine = data.abc_counts.get(abc, 0), by_class.get(abc, GroupTotal())
        classes.append(
            {
                "abc": abc,
                "count": count,
                "share": count / total_accounts if total_accounts else None,
                "visible_count": mine.count,
                "visible_revenue": mine.revenue,
                "visible_share": mine.revenue / visible_revenue if visible_revenue else None,
            }
        )
    abc_a, abc_b = data.abc_thresholds
    spec = (
        charts.pareto_chart(
            data.curve,
            top_fraction=0.2,
            top_share=data.top20_share or 0.0,
            abc_a=abc_a,
            abc_b=abc_b,
        )
        if data.curve
        else None
    )
    context = {
        "run": run,
        "data": data,
        "spec": spec,
        "classes": classes,
        "sees_all": sees_all_accounts(request.user),
        "top_accounts": list(data.accounts.order_by("-revenue_12m", "rank")[:PAGE_SIZE]),
        "curve_rows": data.curve[::5] if len(data.curve) > 21 else data.curve,
    }
    return render(request, "scoring/pareto.html", context)


@require_safe
@login_required
def portfolio_view(request: HttpRequest) -> HttpResponse:
    """The portfolio matrix of a run: attractiveness against our relative strength, one
    dot per account the user may see (the best ranked ones), and the quadrant counts."""
    run = selected_run(request)
    if run is None:
        return _no_run(request, "scoring/portfolio.html")
    scores = run_scores(request, run)
    dots = list(
        scores.exclude(attractiveness=None)
        .exclude(strength=None)
        .order_by("rank")
        .values_list("account__name", "attractiveness", "strength", "quadrant", "score")[
            :SCATTER_LIMIT
        ]
    )
    totals = _totals_by(scores, "quadrant")
    quadrants = [
        {"code": code, "label": label, "total": totals.get(code, GroupTotal())}
        for code, label in QUADRANT_LABELS.items()
    ]
    labels = {code: str(label) for code, label in QUADRANT_LABELS.items()}
    points = [
        charts.PortfolioPoint(name, a or 0.0, s or 0.0, q, quadrant_label(q), score)
        for name, a, s, q, score in dots
    ]
    context = {
        "run": run,
        "spec": charts.portfolio_chart(points, quadrant_labels=labels) if points else None,
        "quadrants": quadrants,
        "shown": len(points),
        "total": sum(t.count for t in totals.values()),
        "limit": SCATTER_LIMIT,
    }
    return render(request, "scoring/portfolio.html", context)
