"""Scorecards: the list of every version, the editor (directors) and its live preview
of what the edited scorecard would change, nothing stored."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.selectors import account_list
from kam.core.roles import can_manage_scoring
from kam.domain.scorecard import ScorecardDefinition
from kam.scoring.forms import NewScorecardForm, editor_definition, editor_forms
from kam.scoring.labels import tier_label
from kam.scoring.models import Scorecard
from kam.scoring.selectors import run_in_force, scorecard_list
from kam.scoring.services import (
    scorecard_create,
    scorecard_preview,
    scorecard_revise,
    scorecard_update,
)
from kam.scoring.views.common import EMPTY_DEFINITION, stored_definition

# The preview lists this many accounts per tier and direction, and this many rank moves.
PREVIEW_NAMES = 15
PREVIEW_MOVES = 10


@require_safe
@login_required
def scorecard_list_view(request: HttpRequest) -> HttpResponse:
    """Every scorecard version with its status and criteria; directors may edit."""
    in_force = run_in_force()
    scorecards = []
    for scorecard in scorecard_list(user=request.user):
        definition = stored_definition(scorecard)
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
    editor = editor_forms(stored_definition(scorecard) or EMPTY_DEFINITION, data)
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
        editor_forms(stored_definition(scorecard) or EMPTY_DEFINITION, request.POST)
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
