"""One account's score: how each criterion contributed, its history across runs, and
its manual tier (set or removed by directors, with a reason) with its audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam.core import charts
from kam.core.roles import can_manage_scoring
from kam.scoring.forms import TierOverrideForm
from kam.scoring.labels import feature_label, tier_label
from kam.scoring.models import AccountScore
from kam.scoring.selectors import account_score_get, account_score_history, tier_override_list
from kam.scoring.services import tier_override_remove, tier_override_set
from kam.scoring.templatetags.scoring_tags import feature_value
from kam.scoring.views.common import selected_run, tier_codes


def _contributions(score: AccountScore) -> list[dict[str, Any]]:
    """The score's explanation, one row per criterion, with labels and formatted values."""
    rows = []
    for item in score.contributions or []:
        feature = str(item.get("feature", ""))
        rows.append(
            {
                "feature": feature,
                "label": feature_label(feature),
                "value": feature_value(item.get("value"), feature),
                "weight": float(item.get("weight") or 0.0),
                "points": float(item.get("points") or 0.0),
            }
        )
    return rows


def _history(scores: list[AccountScore]) -> list[charts.ScorePoint]:
    return [
        charts.ScorePoint(
            run=s.run_id,
            scored_at=s.run.created_at,
            as_of=s.run.as_of,
            score=s.score,
            rank=s.rank,
            tier=s.tier,
            tier_label=tier_label(s.tier),
        )
        for s in sorted(scores, key=lambda s: (s.run.as_of, s.run.created_at))
    ]


def _override(request: HttpRequest, score: AccountScore, form: TierOverrideForm) -> bool:
    """Apply the override form through the services; False (with the error on the form)
    when they refuse it."""
    account, data = score.account, form.cleaned_data
    try:
        if data["action"] == "set":
            tier_override_set(
                account=account, tier=data["tier"], reason=data["reason"], user=request.user
            )
            messages.success(
                request,
                _("%(account)s is now in the %(tier)s tier.")
                % {"account": account.name, "tier": tier_label(data["tier"])},
            )
        else:
            tier_override_remove(account=account, reason=data["reason"], user=request.user)
            messages.success(request, _("The tier set by hand was removed."))
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return False
    return True


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_score_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """One account's score: how each criterion contributed, its history across runs,
    its manual tier (directors set or remove it, with a reason) and its audit trail. A
    KAM asking for an account outside their portfolio gets a 404."""
    run = selected_run(request)
    score = account_score_get(user=request.user, external_id=external_id, run=run)
    run = score.run
    can_manage = can_manage_scoring(request.user)
    tiers = tier_codes()
    form = TierOverrideForm(request.POST or None, tiers=tiers, initial={"action": "set"})
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid() and _override(request, score, form):
            return redirect(request.get_full_path())
        status = 400
    history = list(account_score_history(user=request.user, account=score.account))
    contributions = _contributions(score)
    overrides = list(
        tier_override_list(user=request.user, account=score.account, active_only=False)
    )
    context = {
        "score": score,
        "account": score.account,
        "run": run,
        "contributions": contributions,
        "points_total": sum(c["points"] for c in contributions),
        "weight_total": sum(c["weight"] for c in contributions),
        "contributions_spec": charts.contributions_chart(
            [
                charts.ContributionBar(c["label"], c["points"], c["weight"], c["value"])
                for c in contributions
            ]
        )
        if contributions
        else None,
        "history": history,
        "history_spec": charts.score_history_chart(_history(history)) if len(history) > 1 else None,
        "active_override": next((o for o in overrides if o.removed_at is None), None),
        "overrides": overrides,
        "can_manage": can_manage,
        "override_form": form,
    }
    return render(request, "scoring/account_score.html", context, status=status)
