"""Scoring pages: key accounts (list, exports, one account's score), Pareto, portfolio
matrix, scorecards and their editor with a live preview, score runs.

Thin adapters: what a user may see comes from ``kam.scoring.selectors``, what changes
goes through ``kam.scoring.services`` (which also refuse what a role may not do), the
editor's input becomes a scorecard definition in ``kam.scoring.forms``, the charts come
from ``kam.core.charts``. A score run started here runs in the background
(``score_run_start``); the runs page polls its progress from the run's row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.selectors import account_list
from kam.accounts.views import csv_cell
from kam.core import charts
from kam.core.htmx import render_page_or_partial, wants_partial
from kam.core.roles import can_manage_scoring, sees_all_accounts
from kam.domain.scorecard import ScorecardDefinition, ScorecardInvalid, definition_from_dict
from kam.scoring.forms import (
    QUADRANT_LABELS,
    KeyAccountFilterSet,
    NewScorecardForm,
    ScoreRunForm,
    TierOverrideForm,
    editor_definition,
    editor_forms,
    feature_label,
    quadrant_label,
    tier_label,
)
from kam.scoring.models import AccountScore, RunStatus, Scorecard, ScoreRun
from kam.scoring.selectors import (
    LEAD_MANAGER,
    account_score_get,
    account_score_history,
    account_score_list,
    pareto_data,
    run_in_force,
    score_run_get,
    score_run_list,
    scorecard_list,
    tier_override_list,
)
from kam.scoring.services import (
    known_tiers,
    score_run_start,
    scorecard_create,
    scorecard_preview,
    scorecard_revise,
    scorecard_update,
    tier_override_remove,
    tier_override_set,
)
from kam.scoring.templatetags.scoring_tags import feature_value

PAGE_SIZE = 50
TABLE_TARGET = "#key-account-table"
# The portfolio matrix draws at most this many accounts (the best ranked): a browser
# keeps a few thousand dots responsive, not a hundred thousand. The table counts them all.
SCATTER_LIMIT = 2000
# The preview lists this many accounts per tier and direction, and this many rank moves.
PREVIEW_NAMES = 15
PREVIEW_MOVES = 10


def _selected_run(request: HttpRequest) -> ScoreRun | None:
    """The run a page shows: ``?run=<id>`` for a past run, else the run in force."""
    run_id = request.GET.get("run", "")
    if run_id.isdigit():
        return score_run_get(user=request.user, run_id=int(run_id))
    return run_in_force()


def _run_scores(request: HttpRequest, run: ScoreRun | None) -> QuerySet[AccountScore]:
    if run is None:
        return AccountScore.objects.none()
    return account_score_list(user=request.user, run=run)


def _tier_codes(present: list[str] | None = None) -> list[str]:
    """Tier codes worth offering: the active scorecard's and any present in the data."""
    return list(dict.fromkeys(known_tiers() + (present or [])))


EMPTY_DEFINITION = ScorecardDefinition(criteria=())


def _definition(scorecard: Scorecard) -> ScorecardDefinition | None:
    """A stored definition as the domain's dataclass; None when it no longer reads (a
    definition stored by an older kam may name a feature that no longer exists)."""
    try:
        return definition_from_dict(scorecard.definition)
    except ScorecardInvalid:
        return None


# -- key accounts ------------------------------------------------------------------------


def _key_accounts(request: HttpRequest) -> tuple[ScoreRun | None, KeyAccountFilterSet]:
    run = _selected_run(request)
    filterset = KeyAccountFilterSet(request.GET, queryset=_run_scores(request, run))
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
        "tiers": [(code, tier_label(code)) for code in _tier_codes(present)],
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
    run, filterset = _key_accounts(request)
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


EXPORT_COLUMNS = (
    "rank",
    "external_id",
    "name",
    "score",
    "tier",
    "tier_overridden",
    "computed_tier",
    "abc",
    "revenue_12m",
    "revenue_prev_12m",
    "growth",
    "sector",
    "country",
    "quadrant",
    "lead_manager",
)


def _export_rows(scores: QuerySet[AccountScore]) -> Iterator[tuple[Any, ...]]:
    """One tuple per account score, in ``EXPORT_COLUMNS`` order (numbers stay numbers)."""
    fields = (
        "rank",
        "account__external_id",
        "account__name",
        "score",
        "tier",
        "computed_tier",
        "abc",
        "revenue_12m",
        "revenue_prev_12m",
        "growth",
        "account__sector",
        "account__country",
        "quadrant",
        LEAD_MANAGER,
    )
    for row in scores.values_list(*fields).iterator(chunk_size=2000):
        rank, ext, name, score, tier, computed, abc, rev, prev, growth, *rest = row
        overridden = tier != computed
        yield (
            rank,
            ext,
            name,
            round(score, 4),
            tier,
            overridden,
            computed,
            abc,
            rev,
            prev,
            None if growth is None else round(growth, 6),
            *rest,
        )


def _export_name(run: ScoreRun | None, suffix: str) -> str:
    stamp = run.as_of.isoformat() if run else timezone.localdate().isoformat()
    return f'attachment; filename="key-accounts-{stamp}.{suffix}"'


def _csv_value(value: Any) -> Any:
    """Text made safe from spreadsheet formulas; numbers as they are (a negative growth
    is a number, not a formula); booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, int | float):
        return "" if value is None else value
    return csv_cell(value)


class _Echo:
    """A write-only file for csv.writer that hands each line back to the caller."""

    def write(self, value: str) -> str:
        return value


@require_safe
@login_required
def key_account_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV (every page, same order), streamed."""
    run, filterset = _key_accounts(request)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(EXPORT_COLUMNS)
        for row in _export_rows(filterset.qs):
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _export_name(run, "csv")
    return response


@require_safe
@login_required
def key_account_xlsx_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as an Excel workbook (Polars ``write_excel``): numbers stay
    numbers, text is stored as text (never run as a formula)."""
    run, filterset = _key_accounts(request)
    schema = {
        "rank": pl.Int64,
        "external_id": pl.String,
        "name": pl.String,
        "score": pl.Float64,
        "tier": pl.String,
        "tier_overridden": pl.Boolean,
        "computed_tier": pl.String,
        "abc": pl.String,
        "revenue_12m": pl.Float64,
        "revenue_prev_12m": pl.Float64,
        "growth": pl.Float64,
        "sector": pl.String,
        "country": pl.String,
        "quadrant": pl.String,
        "lead_manager": pl.String,
    }
    frame = pl.DataFrame(list(_export_rows(filterset.qs)), schema=schema, orient="row")
    buffer = io.BytesIO()
    frame.write_excel(
        buffer,
        worksheet=_("Key accounts")[:31],
        autofit=True,
        float_precision=2,
        column_formats={"growth": "0.0%"},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _export_name(run, "xlsx")
    return response


# -- one account's score -----------------------------------------------------------------


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
    run = _selected_run(request)
    score = account_score_get(user=request.user, external_id=external_id, run=run)
    run = score.run
    can_manage = can_manage_scoring(request.user)
    tiers = _tier_codes()
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


# -- Pareto and portfolio ----------------------------------------------------------------


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
    run = _selected_run(request)
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
    run = _selected_run(request)
    if run is None:
        return _no_run(request, "scoring/portfolio.html")
    scores = _run_scores(request, run)
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


# -- scorecards and the editor -----------------------------------------------------------


@require_safe
@login_required
def scorecard_list_view(request: HttpRequest) -> HttpResponse:
    """Every scorecard version with its status and criteria; directors may edit."""
    in_force = run_in_force()
    scorecards = []
    for scorecard in scorecard_list(user=request.user):
        definition = _definition(scorecard)
        scorecards.append({"scorecard": scorecard, "definition": definition})
    context = {
        "scorecards": scorecards,
        "in_force": in_force,
        "can_manage": can_manage_scoring(request.user),
    }
    return render(request, "scoring/scorecard_list.html", context)


def _editable_scorecard(request: HttpRequest, pk: int) -> Scorecard:
    if not can_manage_scoring(request.user):
        raise PermissionDenied
    return get_object_or_404(scorecard_list(user=request.user), pk=pk)


def _save(
    request: HttpRequest,
    scorecard: Scorecard,
    definition: ScorecardDefinition,
    new: NewScorecardForm,
) -> Scorecard | None:
    """Store the edited definition: as a new version (``save``), in place for a draft
    never applied (``update``), or as a new scorecard when named (``save_new``)."""
    name = (new.cleaned_data.get("new_name") or "").strip() if new.is_valid() else ""
    action = request.POST.get("action")
    try:
        if action == "save_new":
            if not name:
                new.add_error("new_name", _("Give the new scorecard a name."))
                return None
            return scorecard_create(name=name, definition=definition, user=request.user)
        if action == "update":
            return scorecard_update(scorecard=scorecard, definition=definition, user=request.user)
        return scorecard_revise(scorecard=scorecard, definition=definition, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            new.add_error(None, message)
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scorecard_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard editor (directors): criteria, tier rules and settings, with a live
    preview of what the edited scorecard would change; saving makes a new version."""
    scorecard = _editable_scorecard(request, pk)
    data = request.POST if request.method == "POST" else None
    editor = editor_forms(_definition(scorecard) or EMPTY_DEFINITION, data)
    new = NewScorecardForm(data)
    status = 200
    if data is not None:
        editor_definition(editor)
        if editor.definition is not None:
            saved = _save(request, scorecard, editor.definition, new)
            if saved is not None:
                messages.success(
                    request,
                    _("Saved as %(name)s v%(version)s: a draft until a run of it is applied.")
                    % {"name": saved.name, "version": saved.version},
                )
                return redirect("scoring:scorecard_edit", pk=saved.pk)
        status = 400
    context = {
        "scorecard": scorecard,
        "editor": editor,
        "new_form": new,
        "in_force": run_in_force(),
    }
    return render(request, "scoring/scorecard_edit.html", context, status=status)


def _names(request: HttpRequest, ids: set[str]) -> dict[str, str]:
    """External id → name of the accounts named in a preview that the user may see,
    read in one query."""
    if not ids:
        return {}
    rows = (
        account_list(user=request.user)
        .filter(external_id__in=ids)
        .values_list("external_id", "name")
    )
    return dict(rows)


@login_required
@require_POST
def scorecard_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The editor's live what-if (htmx): the edited scorecard against the run in force,
    nothing stored. Problems go next to the fields they name (out-of-band swaps)."""
    scorecard = _editable_scorecard(request, pk)
    editor = editor_definition(
        editor_forms(_definition(scorecard) or EMPTY_DEFINITION, request.POST)
    )
    context: dict[str, Any] = {"editor": editor, "scorecard": scorecard, "oob": True}
    if editor.definition is not None:
        comparison = scorecard_preview(definition=editor.definition, user=request.user)
        context.update(_preview_context(request, comparison))
    return render(request, "scoring/_preview.html", context)


def _preview_context(request: HttpRequest, comparison: Any) -> dict[str, Any]:
    """The comparison as the preview panel shows it: per tier, who enters and leaves
    (names of the first few), the biggest rank moves, the key list's revenue coverage."""
    moves = _rank_moves(comparison)
    wanted = {m["account_id"] for m in moves}
    for movement in comparison.tiers:
        wanted.update(movement.entering[:PREVIEW_NAMES], movement.leaving[:PREVIEW_NAMES])
    names = _names(request, wanted)
    tiers = [
        {
            "code": m.tier,
            "label": tier_label(m.tier),
            "count_before": m.count_before,
            "count_after": m.count_after,
            "entering": [names.get(i, i) for i in m.entering[:PREVIEW_NAMES]],
            "leaving": [names.get(i, i) for i in m.leaving[:PREVIEW_NAMES]],
            "entering_count": len(m.entering),
            "leaving_count": len(m.leaving),
            "entering_more": max(0, len(m.entering) - PREVIEW_NAMES),
            "leaving_more": max(0, len(m.leaving) - PREVIEW_NAMES),
        }
        for m in comparison.tiers
    ]
    for move in moves:
        move["name"] = names.get(move["account_id"], move["account_id"])
        move["distance"] = abs(move["delta"])
    return {
        "changes": bool(moves) or any(t["entering"] or t["leaving"] for t in tiers),
        "tiers": tiers,
        "moves": moves,
        "moves_total": comparison.rank_changes.height,
        "coverage_before": comparison.key_coverage_before,
        "coverage_after": comparison.key_coverage_after,
        "coverage_delta": comparison.key_coverage_after - comparison.key_coverage_before,
    }


def _rank_moves(comparison: Any) -> list[dict[str, Any]]:
    """The biggest rank moves among accounts ranked on both sides (the comparison lists
    them biggest first)."""
    frame = comparison.rank_changes
    both = frame.filter(pl.col("before").is_not_null() & pl.col("after").is_not_null())
    return [dict(row) for row in both.head(PREVIEW_MOVES).iter_rows(named=True)]


# -- score runs --------------------------------------------------------------------------


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
