"""Engagement pages: the account's activities and channel plan (a section of the account
page, loaded by htmx, also a page of its own), the channel catalogue and the key
accounts without a channel plan.

Thin adapters: the rules are in :mod:`kam.engagement.services`, reads in the selectors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.models import Account
from kam.accounts.selectors import account_get
from kam.core.htmx import render_page_or_partial, wants_partial
from kam.engagement.forms import ActivityLogForm, ChannelForm, ChannelPlanForm
from kam.engagement.models import Channel, Outcome
from kam.engagement.permissions import can_edit_channels, can_work_account
from kam.engagement.recommendations import channel_recommendation
from kam.engagement.selectors import (
    accounts_without_plan,
    activity_list,
    channel_get,
    channel_list,
    channel_plan_get,
)
from kam.engagement.services import (
    activity_log,
    channel_create,
    channel_plan_set,
    channel_update,
)
from kam.scoring.selectors import LEAD_MANAGER, run_in_force

TIMELINE = 20  # activities shown on the account page
PAGE_SIZE = 50
SECTION = "engagement/_account_engagement.html"
PAGE = "engagement/account.html"


def add_refusal(form: Form, exc: ValidationError, *, field_prefixes: bool = False) -> None:
    """A service's refusal on the form. With ``field_prefixes`` the message reads as on
    the command line ("channels: a key account has at most 3 channels (got 4)")."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            if field_prefixes or name not in form.fields:
                form.add_error(None, f"{name}: {message}")
            else:
                form.add_error(name, message)


def _section(
    request: HttpRequest,
    account: Account,
    *,
    log_form: ActivityLogForm | None = None,
    plan_form: ChannelPlanForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    user = request.user
    # ``account`` was read through account_get, so the user may see it: the reads of this
    # one account run as kam (user=None) instead of checking the portfolio three times.
    channels = list(channel_list(user=user, active_only=True))
    plan = channel_plan_get(user=None, account=account)
    return {
        "account": account,
        "can_work": can_work_account(user, account),
        "activities": list(activity_list(user=None, account=account)[:TIMELINE]),
        "timeline_size": TIMELINE,
        "log_form": log_form or ActivityLogForm(account=account, channels=channels),
        "outcomes": Outcome.choices,
        "plan": plan,
        "plan_form": plan_form or ChannelPlanForm(channels=channels, plan=plan),
        "recommendation": channel_recommendation(user=None, account=account),
        "notice": notice,
    }


def _answer(
    request: HttpRequest, account: Account, context: dict[str, Any], *, ok: bool
) -> HttpResponse:
    """After a POST: the section again for htmx; otherwise back to the account page (or
    the engagement page with the errors)."""
    if wants_partial(request):
        return render(request, SECTION, context)
    if ok:
        messages.success(request, context["notice"])
        return redirect(reverse("accounts:detail", args=[account.external_id]) + "#engagement")
    return render(request, PAGE, context, status=400)


def _worked_account(request: HttpRequest, external_id: str) -> Account:
    account = account_get(user=request.user, external_id=external_id)
    if not can_work_account(request.user, account):
        raise PermissionDenied(
            _("Only the account's managers and directors may log activities and set its plan.")
        )
    return account


@require_safe
@login_required
def account_engagement_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The account's timeline, activity logging, channel plan and recommendation."""
    account = account_get(user=request.user, external_id=external_id)
    return render_page_or_partial(
        request, page_template=PAGE, partial_template=SECTION, context=_section(request, account)
    )


@require_POST
@login_required
def activity_log_view(request: HttpRequest, external_id: str) -> HttpResponse:
    account = _worked_account(request, external_id)
    channels = list(channel_list(user=request.user, active_only=True))
    form = ActivityLogForm(request.POST, account=account, channels=channels)
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity = activity_log(
                account=account,
                channel=form.chosen_channel(),
                user=request.user,
                outcome=data["outcome"],
                occurred_on=data["occurred_on"],
                subject=data["subject"],
                contacts=list(data["contacts"]),
                cost=data["cost"],
                order_amount=data["order_amount"],
                order_reference=data["order_reference"],
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            notice = _("Logged: %(channel)s, %(outcome)s.") % {
                "channel": activity.channel.label,
                "outcome": activity.get_outcome_display(),
            }
            return _answer(request, account, _section(request, account, notice=notice), ok=True)
    return _answer(request, account, _section(request, account, log_form=form), ok=False)


@require_POST
@login_required
def plan_set_view(request: HttpRequest, external_id: str) -> HttpResponse:
    account = _worked_account(request, external_id)
    channels = list(channel_list(user=request.user, active_only=True))
    plan = channel_plan_get(user=request.user, account=account)
    form = ChannelPlanForm(request.POST, channels=channels, plan=plan)
    if form.is_valid():
        try:
            channel_plan_set(account=account, items=form.items(), user=request.user)
        except ValidationError as exc:
            add_refusal(form, exc, field_prefixes=True)
        else:
            notice = _("The channel plan is saved.")
            return _answer(request, account, _section(request, account, notice=notice), ok=True)
    return _answer(request, account, _section(request, account, plan_form=form), ok=False)


@require_POST
@login_required
def plan_suggested_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """Accept kam's suggested plan as it is."""
    account = _worked_account(request, external_id)
    items = channel_recommendation(user=request.user, account=account).plan_items()
    try:
        channel_plan_set(account=account, items=items, user=request.user, from_recommendation=True)
    except ValidationError as exc:  # e.g. no active channel at all
        form = ChannelPlanForm(
            channels=list(channel_list(user=request.user, active_only=True)),
            plan=channel_plan_get(user=request.user, account=account),
        )
        add_refusal(form, exc, field_prefixes=True)
        return _answer(request, account, _section(request, account, plan_form=form), ok=False)
    notice = _("The suggested plan is now the account's channel plan.")
    return _answer(request, account, _section(request, account, notice=notice), ok=True)


# -- the channel catalogue --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def channel_list_view(request: HttpRequest) -> HttpResponse:
    """The catalogue; marketing and directors add channels here."""
    editable = can_edit_channels(request.user)
    form = ChannelForm(request.POST or None) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Only marketing and directors may edit the channel catalogue.")
            )
        if form.is_valid():
            try:
                channel = channel_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("Channel “%(name)s” added.") % {"name": channel.label})
                return redirect("engagement:channels")
    context = {
        "channels": list(channel_list(user=request.user)),
        "can_edit": editable,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200  # a POST that got here failed
    return render(request, "engagement/channel_list.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def channel_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    if not can_edit_channels(request.user):
        raise PermissionDenied(_("Only marketing and directors may edit the channel catalogue."))
    channel: Channel = channel_get(user=request.user, code=code)
    form = ChannelForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel_update(
                channel=channel,
                user=request.user,
                name=data["name"],
                kind=data["kind"],
                unit_cost=data["unit_cost"],
                active=data["active"],
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Channel “%(name)s” saved.") % {"name": channel.label})
            return redirect("engagement:channels")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "engagement/channel_edit.html", {"channel": channel, "form": form}, status=status
    )


# -- key accounts without a plan --------------------------------------------------------------


@require_safe
@login_required
def missing_plans_view(request: HttpRequest) -> HttpResponse:
    """Key accounts of the run in force that have no channel plan, best rank first."""
    run = run_in_force()
    scores = accounts_without_plan(user=request.user)
    paginator = Paginator(scores, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for score in rows:
        score.lead = getattr(score, LEAD_MANAGER)  # type: ignore[attr-defined]
    context = {
        "run": run,
        "page_obj": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2)),
        "scores": rows,
    }
    return render(request, "engagement/missing_plans.html", context)
