"""The KPI reports as files: the Excel workbook and the PDF (WeasyPrint, A4, from an HTML
template with the dashboard's charts as SVG rendered by vl-convert from the same specs).
Used by ``kam kpis --format xlsx|pdf``, the dashboard's downloads and the monthly e-mail.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.kpis.formatting import cell

if TYPE_CHECKING:
    from kam.kpis.dashboard import KpiDashboard
    from kam.kpis.selectors import KpiReportView

TEXT_COLUMNS = frozenset({"account_id", "name", "sector", "lead", "channel", "label"})
# The key accounts listed in the PDF (largest revenue first); the workbook has them all.
PDF_ACCOUNT_ROWS = 100


# (column of the rows, header) of the PDF's group tables; headers name the unit.
def _columns() -> dict[str, list[tuple[str, str]]]:
    return {
        "kam": [
            ("lead", _("KAM")),
            ("accounts", _("Accounts")),
            ("key_accounts", _("Key accounts")),
            ("increased", _("Increased")),
            ("uplift_total", _("Uplift (amount)")),
            ("uplift_pct", _("Uplift (%)")),
            ("retention", _("Retention (%)")),
            ("activities", _("Activities")),
            ("activity_cost", _("Cost (amount)")),
            ("roi", _("ROI (×)")),
        ],
        "channel": [
            ("label", _("Channel")),
            ("activities", _("Activities")),
            ("activity_share", _("Share (%)")),
            ("activity_cost", _("Cost (amount)")),
            ("allocated_uplift", _("Uplift allocated (amount)")),
            ("roi", _("ROI (×)")),
        ],
        "account": [
            ("account_id", _("Account")),
            ("name", _("Name")),
            ("lead", _("KAM")),
            ("revenue_previous", _("Revenue P' (amount)")),
            ("revenue", _("Revenue P (amount)")),
            ("uplift", _("Uplift (amount)")),
            ("uplift_pct", _("Uplift (%)")),
            ("activities", _("Activities")),
            ("roi", _("ROI (×)")),
        ],
    }


def group_columns(group: str) -> list[tuple[str, str]]:
    return _columns()[group]


def table_rows(view: KpiReportView, group: str, limit: int | None = None) -> list[list[str]]:
    """The formatted cells of a group's table."""
    rows = view.rows(group)[:limit] if limit else view.rows(group)
    return [[cell(row, column) for column, _header in group_columns(group)] for row in rows]


# -- Excel ---------------------------------------------------------------------------------


def write_workbook(
    view: KpiReportView, path: Path | io.BytesIO, *, monthly: pl.DataFrame | None = None
) -> None:
    """One sheet per group (company: one row per KPI with its target and status), one of
    the targets and, with ``monthly``, one of revenue by month and key flag; numbers stay
    numbers, undefined figures are empty cells."""
    from xlsxwriter import Workbook

    report = view.report
    company = pl.DataFrame(
        view.rows("company"),
        schema={
            "kpi": pl.String,
            "label": pl.String,
            "value": pl.Float64,
            "target": pl.Float64,
            "direction": pl.String,
            "status": pl.String,
        },
    )
    channels = report.by_channel.with_columns(
        label=pl.col("channel").replace_strict(
            view.channel_labels, default=pl.col("channel"), return_dtype=pl.String
        )
    )
    checks = [check.as_dict() for check in view.targets] + [
        check.as_dict() for checks in view.kam_targets.values() for check in checks
    ]
    targets = pl.DataFrame(
        [
            {k: c[k] for k in ("kpi", "manager", "value", "direction", "actual", "status")}
            for c in checks
        ],
        schema={
            "kpi": pl.String,
            "manager": pl.String,
            "value": pl.Float64,
            "direction": pl.String,
            "actual": pl.Float64,
            "status": pl.String,
        },
    )
    sheets = {
        "company": company,
        "kam": report.by_kam,
        "account": report.by_account,
        "channel": channels,
        "targets": targets,
    }
    if monthly is not None:
        sheets["monthly"] = monthly
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    target: Any = str(path) if isinstance(path, Path) else path
    with Workbook(target) as workbook:
        for name, frame in sheets.items():
            frame.write_excel(workbook=workbook, worksheet=name, float_precision=4, autofit=True)


def workbook_bytes(dashboard: KpiDashboard) -> bytes:
    buffer = io.BytesIO()
    write_workbook(dashboard.view, buffer)
    return buffer.getvalue()


# -- PDF -----------------------------------------------------------------------------------


def pdf_html(dashboard: KpiDashboard) -> str:
    """The HTML the PDF is printed from (A4; the tables repeat their headers on every
    page; page numbers in the footer)."""
    from kam.kpis.charts import to_svg

    view = dashboard.view
    svgs = {
        name: "data:image/svg+xml;base64," + base64.b64encode(to_svg(spec).encode()).decode()
        for name, spec in dashboard.charts.items()
        if spec is not None
    }
    accounts = view.rows("account")
    context = {
        "dashboard": dashboard,
        "view": view,
        "period": view.period,
        "tiles": dashboard.tiles(),
        "did_sentence": view.did_sentence(),
        "monthly": dashboard.monthly_rows(),
        "charts": svgs,
        "groups": [
            {
                "code": group,
                "title": title,
                "columns": [
                    (header, column not in TEXT_COLUMNS) for column, header in group_columns(group)
                ],
                "rows": [
                    list(
                        zip(
                            cells,
                            (c not in TEXT_COLUMNS for c, _h in group_columns(group)),
                            strict=True,
                        )
                    )
                    for cells in table_rows(
                        view, group, PDF_ACCOUNT_ROWS if group == "account" else None
                    )
                ],
            }
            for group, title in (
                ("kam", _("Per KAM")),
                ("channel", _("Per channel")),
                ("account", _("Key accounts")),
            )
        ],
        "accounts_total": len(accounts),
        "accounts_shown": min(len(accounts), PDF_ACCOUNT_ROWS),
        "generated": timezone.localtime(),
    }
    return render_to_string("kpis/report_pdf.html", context)


def render_pdf(dashboard: KpiDashboard) -> bytes:
    """The PDF report of a dashboard."""
    from weasyprint import HTML

    return bytes(HTML(string=pdf_html(dashboard)).write_pdf())


def report_file_name(dashboard: KpiDashboard, extension: str) -> str:
    period = dashboard.period
    return f"kpis-{period.date_from.isoformat()}-{period.date_to.isoformat()}.{extension}"
