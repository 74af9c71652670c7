"""Score runs: their history, followed while they run, and starting one (directors)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.core.htmx import render_page_or_partial, wants_partial
from kam.core.roles import can_manage_scoring
from kam.domain.scorecard import ScorecardInvalid
from kam.scoring.forms import ScoreRunForm
from kam.scoring.models import RunStatus
from kam.scoring.selectors import score_run_list, scorecard_list
from kam.scoring.services import score_run_start
from kam.scoring.views.common import PAGE_SIZE


@require_safe
@login_required
def score_run_list_view(request: HttpRequest) -> HttpResponse:
    """The history of score runs; directors may start one. While a run is running, the
    table polls itself (htmx) and shows its stage and progress, read from the run's row."""
    runs = score_run_list(user=request.user)
    paginator = Paginator(runs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    can_manage = can_manage_scoring(request.user)
    context: dict[str, Any] = {
        "page_obj": page,
        "runs": rows,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
        "target": "#run-table",
        "can_manage": can_manage,
        "any_running": any(r.status == RunStatus.RUNNING for r in rows),
    }
    if can_manage and not wants_partial(request):
        context["form"] = ScoreRunForm(scorecards=scorecard_list(user=request.user))
    return render_page_or_partial(
        request,
        page_template="scoring/run_list.html",
        partial_template="scoring/_run_table.html",
        context=context,
    )


@login_required
@require_POST
def score_run_start_view(request: HttpRequest) -> HttpResponse:
    """Start a score run of the chosen scorecard (the active one by default) that is put
    in force when done; it runs in the background and the runs page follows it."""
    if not can_manage_scoring(request.user):
        raise PermissionDenied
    form = ScoreRunForm(request.POST, scorecards=scorecard_list(user=request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("scoring:runs")
    try:
        started = score_run_start(
            scorecard=form.cleaned_data.get("scorecard"),
            as_of=form.cleaned_data.get("as_of"),
            user=request.user,
            apply=True,
        )
    except (ScorecardInvalid, ValidationError) as error:
        messages.error(request, _("The run could not start: %(error)s") % {"error": error})
        return redirect("scoring:runs")
    messages.info(
        request,
        _("Score run #%(run)s started; it is put in force when it is done.")
        % {"run": started.run.pk},
    )
    return redirect("scoring:runs")
