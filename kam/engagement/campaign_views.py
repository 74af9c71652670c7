"""Campaign pages under /engagement/campaigns/: the list, the creation form (the
criteria), a campaign's page (the preview with who is skipped and why, and the send
button for marketing and directors; once sent, its targets and their responses), the
target-list export and the results page.

Thin adapters over :mod:`kam.engagement.campaigns` and the selectors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.models import Account
from kam.assignments.models import AccountAssignment
from kam.engagement.campaigns import (
    DEFAULT_RESULT_DAYS,
    MAX_RESULT_DAYS,
    campaign_create,
    campaign_record_response,
    campaign_results,
    campaign_send,
    campaign_target_list,
    campaign_targets_preview,
    results_sentence,
    target_list_csv,
    target_list_xlsx,
)
from kam.engagement.forms import CampaignForm
from kam.engagement.models import Outcome, TargetStatus
from kam.engagement.permissions import can_manage_campaigns, can_work_account
from kam.engagement.selectors import campaign_get, campaign_list, campaign_target_rows, channel_list
from kam.engagement.views import add_refusal

PREVIEW_ROWS = 500  # rows shown on the page; the export has them all
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
@login_required
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    context = {
        "campaigns": list(campaign_list(user=request.user)),
        "can_manage": can_manage_campaigns(request.user),
    }
    return render(request, "engagement/campaign_list.html", context)


def _form(request: HttpRequest) -> CampaignForm:
    current = AccountAssignment.objects.filter(ended_at__isnull=True).values("manager_id")
    managers = list(
        get_user_model()
        .objects.filter(pk__in=current)
        .order_by("username")
        .values_list("username", flat=True)
        .distinct()
    )
    sectors = list(
        Account.objects.exclude(sector="")
        .order_by("sector")
        .values_list("sector", flat=True)
        .distinct()
    )
    today = timezone.localdate()
    return CampaignForm(
        request.POST or None,
        channels=list(channel_list(user=request.user, active_only=True)),
        managers=managers,
        sectors=sectors,
        initial={"valid_from": today, "tiers": "key", "channel": "emailing"},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    if not can_manage_campaigns(request.user):
        raise PermissionDenied(_("Only marketing and directors may create and send campaigns."))
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                name=data["name"],
                offer=data["offer"],
                discount_percent=data["discount_percent"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                channel=data["channel"],
                criteria=form.criteria(),
                user=request.user,
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Campaign “%(name)s” created: check whom it reaches, then send it.")
                % {"name": campaign.name},
            )
            return redirect("engagement:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "engagement/campaign_form.html", {"form": form}, status=status)


@require_safe
@login_required
def campaign_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    context: dict[str, Any] = {
        "campaign": campaign,
        "can_manage": can_manage_campaigns(request.user),
        "statuses": dict(TargetStatus.choices),
    }
    if campaign.is_sent:
        targets = list(campaign_target_rows(user=request.user, campaign=campaign))
        workable = {
            t.account_id
            for t in targets
            if context["can_manage"] or can_work_account(request.user, t.account)
        }
        for target in targets:
            target.can_respond = (  # type: ignore[attr-defined]
                target.status == TargetStatus.SENT and target.account_id in workable
            )
        context.update({"targets": targets, "outcomes": Outcome.choices})
    else:
        preview = campaign_targets_preview(campaign=campaign, user=request.user)
        context.update(
            {
                "preview": preview,
                "counts": preview.counts,
                "rows": preview.rows[:PREVIEW_ROWS],
                "more_rows": max(0, len(preview.rows) - PREVIEW_ROWS),
            }
        )
    return render(request, "engagement/campaign_detail.html", context)


@require_POST
@login_required
def campaign_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    try:
        result = campaign_send(campaign=campaign, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        notice = _(
            "Sent: %(sent)s e-mail(s) to %(accounts)s account(s); %(failed)s failed; "
            "%(skipped)s contact(s) skipped (%(consent)s without consent, %(email)s without "
            "e-mail, %(left)s left the company)."
        ) % {
            "sent": result.sent,
            "accounts": result.accounts,
            "failed": result.failed,
            "skipped": result.skipped,
            "consent": result.skipped_no_consent,
            "email": result.skipped_no_email,
            "left": result.skipped_left,
        }
        (messages.warning if result.failed else messages.success)(request, notice)
    return redirect("engagement:campaign", pk=campaign.pk)


@require_POST
@login_required
def campaign_response_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    raw = request.POST.get("target", "")
    target = (
        campaign_target_rows(user=request.user, campaign=campaign)
        .filter(pk=int(raw) if raw.isdigit() else 0)
        .first()
    )
    if target is None:
        raise Http404("No such target in this campaign.")
    try:
        campaign_record_response(
            target=target, outcome=request.POST.get("outcome", ""), user=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Response recorded: %(who)s, %(outcome)s.")
            % {"who": target.email, "outcome": target.get_outcome_display()},
        )
    return redirect("engagement:campaign", pk=campaign.pk)


@require_safe
@login_required
def campaign_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    kind = request.GET.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        return HttpResponse(_("The format is csv or xlsx."), status=400)
    targets = campaign_target_list(campaign=campaign, user=request.user)
    if kind == "csv":
        response = HttpResponse(target_list_csv(targets), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(target_list_xlsx(targets), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.{kind}"'
    response["X-Kam-Skipped"] = str(targets.skipped_total)
    return response


@require_safe
@login_required
def campaign_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get(user=request.user, pk=pk)
    raw = request.GET.get("days") or str(DEFAULT_RESULT_DAYS)
    days = int(raw) if raw.isdigit() else DEFAULT_RESULT_DAYS
    context: dict[str, Any] = {"campaign": campaign, "days": days, "max_days": MAX_RESULT_DAYS}
    try:
        results = campaign_results(campaign=campaign, days=days, user=request.user)
    except ValidationError as exc:
        context["refusal"] = " ".join(exc.messages)
    else:
        labels = dict(Outcome.choices)
        context.update(
            {
                "results": results,
                "outcomes": [(labels[code], n) for code, n in results.outcomes.items() if n],
                "sentence": results_sentence(results),
            }
        )
    status = 400 if "refusal" in context and campaign.is_sent else 200
    return render(request, "engagement/campaign_results.html", context, status=status)
