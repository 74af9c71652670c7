"""Assignment pages: the portfolio board, the proposals (list, review with accept /
reject per line, apply, discard), an account's assignment section (history, manual
reassign, pin) and the policy.

Thin adapters: the reads are in :mod:`kam.assignments.selectors`, the writes in
:mod:`kam.assignments.services` and :mod:`kam.assignments.proposals`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.models import Account
from kam.accounts.selectors import account_get
from kam.assignments.forms import (
    BandRows,
    LineDecisionForm,
    PinForm,
    PolicyForm,
    ReassignForm,
    TierRows,
    add_policy_errors,
    band_rows_initial,
    bands_from,
    tier_rows_initial,
    tiers_from,
)
from kam.assignments.models import LineDecision
from kam.assignments.policy import EDITABLE_FIELDS, policy_get, policy_update
from kam.assignments.proposals import (
    ProposalError,
    proposal_apply,
    proposal_create,
    proposal_discard,
    proposal_line_decide,
)
from kam.assignments.selectors import (
    account_assignment_state,
    can_manage_assignments,
    can_review_proposals,
    manager_choices,
    portfolio_board,
    proposal_get,
    proposal_line_get,
    proposal_list,
    proposal_review,
    review_line,
    review_loads,
)
from kam.assignments.services import account_reassign, assignment_pin
from kam.core.htmx import wants_partial
from kam.scoring.selectors import run_in_force

SECTION = "assignments/_account_assignment.html"
PAGE_SIZE = 50


def _require_director(request: HttpRequest) -> None:
    if not can_manage_assignments(request.user):
        raise PermissionDenied


# -- the board ------------------------------------------------------------------------------


@require_safe
@login_required
def board_view(request: HttpRequest) -> HttpResponse:
    """One card per manager the user may see: load against capacity, value, accounts."""
    board = portfolio_board(user=request.user)
    context = {
        "board": board,
        "over": [p for p in board if p.over_capacity],
        "run": run_in_force(),
        "can_review": can_review_proposals(request.user),
        "can_manage": can_manage_assignments(request.user),
        "totals": {
            "accounts": sum(len(p.led) for p in board),
            "load": round(sum(p.load for p in board), 2),
            "capacity": round(sum(p.capacity for p in board), 2),
            "value": sum(p.value for p in board),
        },
    }
    return render(request, "assignments/board.html", context)


# -- proposals ------------------------------------------------------------------------------


@require_safe
@login_required
def proposal_list_view(request: HttpRequest) -> HttpResponse:
    """The proposals, newest first (directors and analysts); directors propose."""
    if not can_review_proposals(request.user):
        raise PermissionDenied
    proposals = list(proposal_list(user=request.user)[:PAGE_SIZE])
    return render(
        request,
        "assignments/proposal_list.html",
        {
            "proposals": proposals,
            "can_manage": can_manage_assignments(request.user),
            "run": run_in_force(),
        },
    )


@require_POST
@login_required
def proposal_create_view(request: HttpRequest) -> HttpResponse:
    """Compute a proposal now (it takes up to the policy's time limit) and open it."""
    _require_director(request)
    try:
        proposal = proposal_create(user=request.user)
    except ProposalError as error:
        messages.error(request, _("No proposal could be made: %(error)s") % {"error": error})
        return redirect("assignments:proposals")
    if proposal.feasible:
        messages.success(
            request,
            _("Proposal #%(id)s is ready: review its lines, then apply the accepted ones.")
            % {"id": proposal.pk},
        )
    else:
        messages.warning(
            request,
            _("Proposal #%(id)s could not place every key account: see why below.")
            % {"id": proposal.pk},
        )
    return redirect("assignments:proposal", pk=proposal.pk)


def _changes_only(request: HttpRequest) -> bool:
    return (request.GET.get("show") or request.POST.get("show") or "changes") != "all"


def _proposal_url(pk: int, changes_only: bool) -> str:
    url = reverse("assignments:proposal", kwargs={"pk": pk})
    return url if changes_only else f"{url}?show=all"


@require_safe
@login_required
def proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The review of a proposal: status, objective, counts, the diff (changes only by
    default), the loads before and after, and the director's buttons."""
    proposal = proposal_get(user=request.user, pk=pk)
    changes_only = _changes_only(request)
    review = proposal_review(user=request.user, proposal=proposal, changes_only=changes_only)
    context: dict[str, Any] = {
        "proposal": proposal,
        "review": review,
        "changes_only": changes_only,
        "show": "changes" if changes_only else "all",
        "can_manage": can_manage_assignments(request.user),
        "gap_percent": proposal.gap * 100,
        "missing": sorted((proposal.missing_capacity or {}).items()),
    }
    return render(request, "assignments/proposal_detail.html", context)


@require_POST
@login_required
def proposal_line_view(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    """Accept or reject one line. htmx gets the row back (and the loads table, out of
    band); a plain form post goes back to the proposal."""
    _require_director(request)
    proposal = proposal_get(user=request.user, pk=pk)
    line = proposal_line_get(user=request.user, proposal=proposal, line_id=line_id)
    form = LineDecisionForm(request.POST)
    changes_only = _changes_only(request)
    error = ""
    if not form.is_valid():
        error = _("Choose accepted or rejected.")
    else:
        try:
            line = proposal_line_decide(
                line=line, decision=form.cleaned_data["decision"], user=request.user
            )
        except ProposalError as exc:
            error = str(exc)
    if not wants_partial(request):
        if error:
            messages.error(request, error)
        return redirect(f"{_proposal_url(pk, changes_only)}#line-{line.pk}")
    lines = list(proposal.lines.all())
    changing = [each for each in lines if each.is_change]
    context = {
        "proposal": proposal,
        "row": review_line(line),
        "loads": review_loads(proposal, lines),
        "accepted": sum(1 for each in changing if each.decision == LineDecision.ACCEPTED),
        "rejected": sum(1 for each in changing if each.decision == LineDecision.REJECTED),
        "can_manage": True,
        "show": "changes" if changes_only else "all",
        "row_error": error,
        "oob": True,
    }
    return render(request, "assignments/_line_toggle.html", context)


@require_POST
@login_required
def proposal_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply the accepted lines: all or nothing; a refusal is shown and nothing changes."""
    _require_director(request)
    proposal = proposal_get(user=request.user, pk=pk)
    try:
        proposal = proposal_apply(proposal=proposal, user=request.user)
    except ProposalError as error:
        messages.error(request, _("Nothing was applied: %(error)s") % {"error": error})
    else:
        messages.success(
            request,
            _("Proposal #%(id)s applied: the accepted lines are the new assignments.")
            % {"id": proposal.pk},
        )
    return redirect("assignments:proposal", pk=pk)


@require_POST
@login_required
def proposal_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_director(request)
    proposal = proposal_get(user=request.user, pk=pk)
    try:
        proposal_discard(proposal=proposal, user=request.user)
    except ProposalError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, _("Proposal #%(id)s discarded.") % {"id": proposal.pk})
    return redirect("assignments:proposal", pk=pk)


# -- an account's assignment ------------------------------------------------------------


def _account_context(
    request: HttpRequest, account: Account, *, form: ReassignForm | None = None
) -> dict[str, Any]:
    can_manage = can_manage_assignments(request.user)
    state = account_assignment_state(user=request.user, account=account, with_facts=can_manage)
    if can_manage and form is None:
        form = ReassignForm(managers=manager_choices(user=request.user))
    return {"account": account, "state": state, "can_manage": can_manage, "form": form}


@require_safe
@login_required
def account_assignment_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The account's assignment: the section of the account page (loaded by htmx) or,
    without JavaScript, a page of its own. 404 for an account the user may not see."""
    account = account_get(user=request.user, external_id=external_id)
    template = SECTION if wants_partial(request) else "assignments/account.html"
    return render(request, template, _account_context(request, account))


def _back_to_account(account: Account) -> HttpResponse:
    return redirect(reverse("accounts:detail", args=[account.external_id]) + "#assignment")


@require_POST
@login_required
def account_reassign_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """A director's manual reassign; a refusal is shown on the form."""
    _require_director(request)
    account = account_get(user=request.user, external_id=external_id)
    managers = manager_choices(user=request.user)
    form = ReassignForm(request.POST, managers=managers)
    if form.is_valid():
        manager = User.objects.filter(username=form.cleaned_data["manager"]).first()
        try:
            if manager is None:
                raise ValidationError({"manager": _("No such manager.")})
            account_reassign(
                account=account,
                manager=manager,
                user=request.user,
                reason=form.cleaned_data["reason"],
                pinned=form.cleaned_data["pinned"],
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request,
                _("%(account)s is now led by %(manager)s.")
                % {"account": account.name, "manager": manager.get_username()},
            )
            return _back_to_account(account)
    context = _account_context(request, account, form=form)
    return render(request, "assignments/account.html", context, status=400)


@require_POST
@login_required
def account_pin_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """A director pins or unpins the current lead."""
    _require_director(request)
    account = account_get(user=request.user, external_id=external_id)
    form = PinForm(request.POST)
    pinned = form.is_valid() and bool(form.cleaned_data["pinned"])
    try:
        assignment_pin(account=account, user=request.user, pinned=pinned)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The lead of %(account)s is pinned.") % {"account": account.name}
            if pinned
            else _("The lead of %(account)s is no longer pinned.") % {"account": account.name},
        )
    return _back_to_account(account)


# -- the policy -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def policy_view(request: HttpRequest) -> HttpResponse:
    """The assignment policy, edited by directors; each refusal is shown on its field."""
    _require_director(request)
    policy = policy_get()
    section_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = PolicyForm(request.POST, policy=policy)
        tiers = TierRows(request.POST, prefix="tiers")
        bands = BandRows(request.POST, prefix="bands")
        rows_ok = tiers.is_valid() & bands.is_valid()
        typed_tiers, typed_bands = tiers_from(tiers), bands_from(bands)
        rows_ok = rows_ok and not any(f.errors for f in (*tiers.forms, *bands.forms))
        if form.is_valid() and rows_ok:
            wanted = {**form.cleaned_data, "tiers": typed_tiers, "size_bands": typed_bands}
            changes = {
                name: wanted[name]
                for name in EDITABLE_FIELDS
                if name in wanted and wanted[name] != getattr(policy, name)
            }
            if not changes:
                messages.info(request, _("Nothing changed."))
                return redirect("assignments:policy")
            try:
                policy_update(user=request.user, changes=changes)
            except ValidationError as error:
                add_policy_errors(form, error, section_errors=section_errors)
            else:
                messages.success(
                    request,
                    _("Assignment policy saved: the next proposal follows it."),
                )
                return redirect("assignments:policy")
        status = 400
    else:
        form = PolicyForm(policy=policy)
        tiers = TierRows(initial=tier_rows_initial(policy.tiers), prefix="tiers")
        bands = BandRows(initial=band_rows_initial(policy.size_bands), prefix="bands")
        status = 200
    context = {
        "form": form,
        "tiers": tiers,
        "bands": bands,
        "section_errors": section_errors,
        "policy": policy,
    }
    return render(request, "assignments/policy.html", context, status=status)
