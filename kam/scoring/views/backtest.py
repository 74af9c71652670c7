"""The backtest page: judge a scorecard on evidence, by how the key accounts it picked at
a past date actually did in the following 12 months, against the others."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kam.core.roles import sees_all_accounts
from kam.scoring.forms import BacktestForm
from kam.scoring.selectors import scorecard_list
from kam.scoring.services import score_backtest


@require_safe
@login_required
def backtest_view(request: HttpRequest) -> HttpResponse:
    """A GET form (the result has a shareable URL); the backtest runs when a date is
    given. Only users who see every account may compare cohorts of all accounts."""
    if not sees_all_accounts(request.user):
        raise PermissionDenied
    form = BacktestForm(
        request.GET if "as_of" in request.GET else None,
        scorecards=scorecard_list(user=request.user),
    )
    context: dict[str, Any] = {"form": form, "result": None}
    if form.is_bound and form.is_valid():
        try:
            context["result"] = score_backtest(
                as_of=form.cleaned_data["as_of"],
                user=request.user,
                scorecard=form.cleaned_data["scorecard"],
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        context["as_of"] = form.cleaned_data.get("as_of")
    return render(request, "scoring/backtest.html", context)
