"""Plan, health and alert pages: the account page's sections (loaded by htmx, so the
account page costs no query more), the plan page (and its PDF), the alerts of the
signed-in user, and the health policy. Thin adapters over the services and selectors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.accounts.models import Account
from kam.accounts.selectors import account_get
from kam.core.htmx import render_page_or_partial
from kam.domain.health import COMPONENT_LABELS
from kam.plans.forms import (
    AcknowledgeForm,
    ActionForm,
    ActionStatusForm,
    ObjectiveForm,
    ObjectiveProgressForm,
    PlanCreateForm,
    PlanForm,
    PolicyForm,
)
from kam.plans.models import AccountPlan, Objective
from kam.plans.permissions import can_edit_policy, can_write_plan
from kam.plans.selectors import (
    account_health,
    action_list,
    alert_get,
    alert_list,
    completion_of,
    health_policy,
    is_key_account,
    objective_list,
    plan_get,
    plan_list,
)
from kam.plans.services import (
    action_create,
    action_update,
    alert_acknowledge,
    health_policy_update,
    objective_create,
    objective_update,
    plan_create,
    plan_update,
)

ALERTS_SHOWN = 50


def add_refusal(form: BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form, on the field it names when the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, f"{name}: {message}")


def _today() -> Any:
    return timezone.localdate()


# -- account sections --------------------------------------------------------------------------


@require_safe
@login_required
def account_plan_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The account's plan summary: the plan of the year (objectives, actions,
    completion), the earlier plans, and the form to start a plan."""
    account = account_get(user=request.user, external_id=external_id)
    return render_page_or_partial(
        request,
        page_template="plans/account_plans.html",
        partial_template="plans/_plan_summary.html",
        context=_plan_summary(request, account),
    )


def _plan_summary(
    request: HttpRequest, account: Account, form: PlanCreateForm | None = None
) -> dict[str, Any]:
    today = _today()
    plans = list(plan_list(user=None, account=account))
    current = next((p for p in plans if p.year == today.year), None)
    return {
        "account": account,
        "plans": plans,
        "current": current,
        "completion": None if current is None else completion_of(current, today),
        "can_write": can_write_plan(request.user, account),
        "create_form": form
        or PlanCreateForm(
            initial={"year": today.year + (current is not None), "copy_previous": bool(plans)}
        ),
        "year": today.year,
    }


@require_POST
@login_required
def plan_create_view(request: HttpRequest, external_id: str) -> HttpResponse:
    account = account_get(user=request.user, external_id=external_id)
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            plan = plan_create(
                account=account,
                year=form.cleaned_data["year"],
                copy_previous=form.cleaned_data["copy_previous"],
                user=request.user,
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request, _("The account plan %(year)s is created.") % {"year": plan.year}
            )
            return redirect("plans:detail", pk=plan.pk)
    return render(
        request, "plans/account_plans.html", _plan_summary(request, account, form), status=400
    )


@require_safe
@login_required
def account_health_view(request: HttpRequest, external_id: str) -> HttpResponse:
    account = account_get(user=request.user, external_id=external_id)
    found = account_health(user=request.user, account=account, as_of=_today())
    return render_page_or_partial(
        request,
        page_template="plans/account_health.html",
        partial_template="plans/_health.html",
        context={"account": account, "found": found, "is_key": is_key_account(account)},
    )


@require_safe
@login_required
def account_alerts_view(request: HttpRequest, external_id: str) -> HttpResponse:
    account = account_get(user=request.user, external_id=external_id)
    alerts = list(alert_list(user=None, account=account, open_only=False)[:20])
    return render_page_or_partial(
        request,
        page_template="plans/account_alerts.html",
        partial_template="plans/_alerts.html",
        context={
            "account": account,
            "alerts": alerts,
            "can_ack": can_write_plan(request.user, account),
            "ack_form": AcknowledgeForm(),
        },
    )


# -- the plan page ------------------------------------------------------------------------------


def _plan_page(
    request: HttpRequest,
    plan: AccountPlan,
    *,
    plan_form: PlanForm | None = None,
    objective_form: ObjectiveForm | None = None,
    action_form: ActionForm | None = None,
) -> dict[str, Any]:
    today = _today()
    return {
        "plan": plan,
        "account": plan.account,
        "completion": completion_of(plan, today),
        "objectives": list(plan.objectives.all()),
        "actions": list(plan.actions.all()),
        "today": today,
        "can_write": can_write_plan(request.user, plan.account),
        "plan_form": plan_form or PlanForm(instance=plan),
        "objective_form": objective_form or ObjectiveForm(),
        "action_form": action_form or ActionForm(plan=plan),
        "status_form": ActionStatusForm(),
    }


def _writable_plan(request: HttpRequest, pk: int) -> AccountPlan:
    plan = plan_get(user=request.user, pk=pk)
    if not can_write_plan(request.user, plan.account):
        raise PermissionDenied(
            _("Only the account's managers and directors may change its account plan.")
        )
    return plan


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def plan_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "plans/plan_detail.html", _plan_page(request, plan))
    plan = _writable_plan(request, pk)
    form = PlanForm(request.POST, instance=AccountPlan.objects.get(pk=plan.pk))
    if form.is_valid():
        try:
            plan_update(
                plan=plan,
                user=request.user,
                **{name: form.cleaned_data[name] for name in PlanForm.Meta.fields},
            )
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The account plan is saved."))
            return redirect("plans:detail", pk=plan.pk)
    return render(
        request, "plans/plan_detail.html", _plan_page(request, plan, plan_form=form), status=400
    )


@require_POST
@login_required
def objective_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _writable_plan(request, pk)
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        try:
            objective_create(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The objective is added."))
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#objectives")
    return render(
        request,
        "plans/plan_detail.html",
        _plan_page(request, plan, objective_form=form),
        status=400,
    )


@require_POST
@login_required
def objective_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    objective = objective_list(user=request.user).filter(pk=pk).first()
    if objective is None:
        return render(request, "404.html", status=404)
    plan = _writable_plan(request, objective.plan_id)
    form = ObjectiveProgressForm(request.POST, instance=Objective.objects.get(pk=objective.pk))
    if form.is_valid():
        try:
            objective_update(objective=objective, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The objective is saved."))
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#objectives")
    for field, errors in form.errors.items():
        messages.error(request, f"{objective.title} · {field}: {' '.join(str(e) for e in errors)}")
    return redirect(reverse("plans:detail", args=[plan.pk]) + "#objectives")


@require_POST
@login_required
def action_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _writable_plan(request, pk)
    form = ActionForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            action_create(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The action is added."))
            return redirect(reverse("plans:detail", args=[plan.pk]) + "#actions")
    return render(
        request, "plans/plan_detail.html", _plan_page(request, plan, action_form=form), status=400
    )


@require_POST
@login_required
def action_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    action = action_list(user=request.user).filter(pk=pk).first()
    if action is None:
        return render(request, "404.html", status=404)
    plan = _writable_plan(request, action.plan_id)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        action_update(action=action, user=request.user, status=form.cleaned_data["status"])
        messages.success(
            request, _("The action is now “%(status)s”.") % {"status": action.get_status_display()}
        )
    else:
        messages.error(request, _("Unknown status."))
    return redirect(reverse("plans:detail", args=[plan.pk]) + "#actions")


@require_safe
@login_required
def plan_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as an A4 PDF (WeasyPrint renders the HTML template)."""
    from weasyprint import HTML

    plan = plan_get(user=request.user, pk=pk)
    html = render_to_string("plans/plan_pdf.html", _plan_page(request, plan), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"plan-{plan.account.external_id}-{plan.year}.pdf".replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- alerts --------------------------------------------------------------------------------------


@require_safe
@login_required
def alert_list_view(request: HttpRequest) -> HttpResponse:
    """The open alerts of the accounts the user sees (a KAM: their portfolio); the home
    page loads the short version by htmx."""
    alerts = list(alert_list(user=request.user)[:ALERTS_SHOWN])
    return render_page_or_partial(
        request,
        page_template="plans/alert_list.html",
        partial_template="plans/_home_alerts.html",
        context={"alerts": alerts, "shown": ALERTS_SHOWN, "ack_form": AcknowledgeForm()},
    )


@require_POST
@login_required
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = alert_get(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The alert is acknowledged."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    target = request.POST.get("next") or ""
    if target == "alerts":
        return redirect("plans:alerts")
    return redirect(reverse("accounts:detail", args=[alert.account.external_id]) + "#alerts")


# -- the health policy -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def policy_view(request: HttpRequest) -> HttpResponse:
    policy = health_policy()
    editable = can_edit_policy(request.user)
    status = 200
    form = PolicyForm(instance=policy)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only directors may change the health policy."))
        form = PolicyForm(request.POST, instance=health_policy())
        if form.is_valid():
            try:
                health_policy_update(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The health policy is saved."))
                return redirect("plans:policy")
        status = 400
    return render(
        request,
        "plans/policy.html",
        {"form": form, "editable": editable, "labels": COMPONENT_LABELS, "policy": policy},
        status=status,
    )
