"""The KPI pages: the company dashboard (a KAM's lands on their portfolio), the per-KAM
dashboard, the per-account KPI block, the chart data as CSV, the dashboard's JSON and
the XLSX / PDF downloads. Thin: the numbers come from :mod:`kam.kpis.dashboard`
(cached), the files from :mod:`kam.kpis.reports`."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kam.accounts.selectors import account_get
from kam.domain.kpis import Period
from kam.kpis.dashboard import KpiDashboard, kpi_dashboard
from kam.kpis.formatting import cell
from kam.kpis.permissions import sees_company_kpis
from kam.kpis.reports import (
    TEXT_COLUMNS,
    group_columns,
    render_pdf,
    report_file_name,
    workbook_bytes,
)
from kam.kpis.selectors import GROUPS, default_period
from kam.kpis.selectors import account_kpis as account_kpis_selector

TABS = (
    ("company", gettext_lazy("Company")),
    ("kam", gettext_lazy("Per KAM")),
    ("channel", gettext_lazy("Per channel")),
    ("account", gettext_lazy("Per account")),
)


def _period(request: HttpRequest) -> tuple[Period, dict[str, str]]:
    """The period of ``?from=&to=`` (default: the trailing 12 months) and the errors, each
    naming its parameter; on an error the default period is used."""
    default = default_period()
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name, fallback in (("from", default.date_from), ("to", default.date_to)):
        raw = (request.GET.get(name) or "").strip()
        if not raw:
            days[name] = fallback
            continue
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = _("%(name)s: not a date (YYYY-MM-DD): %(value)s") % {
                "name": name,
                "value": raw,
            }
    if not errors and days["from"] > days["to"]:
        errors["to"] = _("The period ends (%(to)s) before it starts (%(from)s).") % {
            "to": days["to"].isoformat(),
            "from": days["from"].isoformat(),
        }
    if errors:
        return default, errors
    return Period(days["from"], days["to"]), errors


def _group(request: HttpRequest) -> str:
    group = request.GET.get("group") or "company"
    return group if group in GROUPS else "company"


def _kam(request: HttpRequest) -> Any | None:
    """The KAM of ``?kam=USERNAME`` (404 when there is no such manager)."""
    name = (request.GET.get("kam") or "").strip()
    if not name:
        return None
    found = (
        get_user_model()
        .objects.filter(username=name, manager_profile__isnull=False, is_active=True)
        .first()
    )
    if found is None:
        raise Http404(_("No KAM named %(name)s.") % {"name": name})
    return found


def _managers() -> list[str]:
    return sorted(
        get_user_model()
        .objects.filter(manager_profile__isnull=False, is_active=True)
        .values_list("username", flat=True)
    )


def _dashboard(request: HttpRequest, kam: Any | None) -> tuple[KpiDashboard, dict[str, str]]:
    period, errors = _period(request)
    dashboard = kpi_dashboard(
        user=request.user, date_from=period.date_from, date_to=period.date_to, kam=kam
    )
    return dashboard, errors


def _context(
    request: HttpRequest, dashboard: KpiDashboard, errors: dict[str, str], kam: Any | None
) -> dict[str, Any]:
    group = _group(request)
    view = dashboard.view
    query = {
        "from": dashboard.period.date_from.isoformat(),
        "to": dashboard.period.date_to.isoformat(),
    }
    if kam is not None:
        query["kam"] = kam.get_username()
    columns = group_columns(group) if group != "company" else []
    rows = view.rows(group) if group != "company" else []
    return {
        "dashboard": dashboard,
        "view": view,
        "period": dashboard.period,
        "errors": errors,
        "tiles": dashboard.tiles(),
        "did_sentence": view.did_sentence(),
        "charts": dashboard.charts,
        "monthly": dashboard.monthly_rows(),
        "curve_rows": _curve_rows(dashboard),
        "tabs": TABS,
        "group": group,
        "columns": [(header, column not in TEXT_COLUMNS) for column, header in columns],
        "table": [[(cell(row, c), c not in TEXT_COLUMNS) for c, _h in columns] for row in rows],
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "kam": kam,
        "sees_company": sees_company_kpis(request.user),
        "managers": _managers() if sees_company_kpis(request.user) else [],
    }


def _curve_rows(dashboard: KpiDashboard) -> list[tuple[float, float]]:
    if dashboard.pareto is None:
        return []
    curve = dashboard.pareto.curve
    return curve[::5] if len(curve) > 21 else curve


@require_safe
@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The company's KPIs (a KAM: their portfolio's) for a period: tiles with trend and
    target, the charts with their tables, and the tables per KAM, channel and account."""
    kam = _kam(request)
    dashboard, errors = _dashboard(request, kam)
    return render(request, "kpis/dashboard.html", _context(request, dashboard, errors, kam))


@require_safe
@login_required
def kam_dashboard_view(request: HttpRequest) -> HttpResponse:
    """One KAM's portfolio: a KAM lands on their own; directors, analysts and marketing
    pick a KAM (the list of KAMs until they do)."""
    kam = _kam(request)
    if kam is None and not sees_company_kpis(request.user):
        kam = request.user
    if kam is None:
        period, errors = _period(request)
        context = {"managers": _managers(), "period": period, "errors": errors, "kam": None}
        return render(request, "kpis/kam_picker.html", context)
    dashboard, errors = _dashboard(request, kam)
    return render(request, "kpis/dashboard.html", _context(request, dashboard, errors, kam))


@require_safe
@login_required
def dashboard_json_view(request: HttpRequest) -> JsonResponse:
    """The dashboard's numbers as JSON (the same figures as the page and the reports)."""
    dashboard, errors = _dashboard(request, _kam(request))
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(dashboard.as_dict(_group(request)), json_dumps_params={"default": str})


# The CSV behind each chart and table: (columns) per name.
CSV_NAMES = ("monthly", "pareto", "company", "kam", "account", "channel")
TILE_COLUMNS = ("kpi", "label", "value", "previous", "change", "target", "direction", "status")


@require_safe
@login_required
def dashboard_csv_view(request: HttpRequest, name: str) -> HttpResponse:
    """The numbers of one chart or table as CSV (numbers unformatted, dot decimals)."""
    if name not in CSV_NAMES:
        raise Http404(name)
    dashboard, errors = _dashboard(request, _kam(request))
    if errors:
        return HttpResponse("; ".join(errors.values()), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    file_name = report_file_name(dashboard, "csv").replace(".csv", f"-{name}.csv")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    writer = csv.writer(response)
    if name == "monthly":
        rows = dashboard.monthly_rows()
        header = list(rows[0]) if rows else ["month"]
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[k].isoformat() if k == "month" else row[k] for k in header])
    elif name == "pareto":
        writer.writerow(["share_of_accounts", "share_of_revenue"])
        for x, y in dashboard.pareto.curve if dashboard.pareto else []:
            writer.writerow([x, y])
    elif name == "company":
        writer.writerow(TILE_COLUMNS)
        for tile in dashboard.tiles():
            d = tile.as_dict()
            writer.writerow([_csv(d[k]) for k in TILE_COLUMNS])
    else:
        rows = dashboard.view.rows(name)
        header = [k for k in (rows[0] if rows else {}) if k != "targets"]
        writer.writerow(header or [c for c, _h in group_columns(name)])
        for row in rows:
            writer.writerow([_csv(row[k]) for k in header])
    return response


def _csv(value: Any) -> Any:
    return "" if value is None else value


@require_safe
@login_required
def report_download_view(request: HttpRequest, extension: str) -> HttpResponse:
    """The report of the dashboard as a workbook (xlsx) or a PDF."""
    dashboard, errors = _dashboard(request, _kam(request))
    if errors:
        return HttpResponse("; ".join(errors.values()), status=400, content_type="text/plain")
    if extension == "pdf":
        content, kind = render_pdf(dashboard), "application/pdf"
    elif extension == "xlsx":
        content = workbook_bytes(dashboard)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404(extension)
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = (
        f'attachment; filename="{report_file_name(dashboard, extension)}"'
    )
    return response


@require_safe
@login_required
def account_kpis_view(request: HttpRequest, external_id: str) -> HttpResponse:
    """The KPI block of one account (loaded into the account page by htmx): its revenue
    in P and P', uplift, activities and ROI, and whether it was key at the start of P."""
    account = account_get(user=request.user, external_id=external_id)
    period, errors = _period(request)
    figures = account_kpis_selector(
        user=request.user, account=account, date_from=period.date_from, date_to=period.date_to
    )
    context = {"account": account, "figures": figures, "period": period, "errors": errors}
    template = "kpis/_account_block.html" if request.htmx else "kpis/account_kpis.html"  # type: ignore[attr-defined]
    return render(request, template, context)
