"""`kam kpis`: the KPIs of a period, as a table, JSON, an Excel workbook or a PDF report,
and `kam kpis send-monthly`, the monthly PDF e-mailed to the directors. A thin adapter
over :func:`kam.kpis.selectors.kpi_report`, :mod:`kam.kpis.reports` and
:mod:`kam.kpis.mail` (the same figures as the API and the dashboard)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context
from kam.cli.scoring import acting_user, add_as_option, write_table

if TYPE_CHECKING:
    from kam.kpis.selectors import KpiReportView

GROUPS = ("company", "kam", "account", "channel")

KPIS_HELP = """\
The KPIs of a period P = FROM:TO (both days included; default: the 12 months before
today) against P', the period of the same length just before it, with the key-account
list in force at the start of P: key accounts that increased purchases, new key accounts,
uplift per key account (mean, median, %), share of revenue from key accounts, retention,
ROI of actions ((uplift − cost) / cost; "—" when the cost is 0), activities per key
account, channel mix, and the difference in differences against comparable non-key
accounts with its 95 % confidence interval. Targets set for exactly P are shown with
their status (on track, at risk, off track).

--group chooses the rows of the table and of the JSON: company (one row per KPI), kam
(per lead at the start of P), account (per key account) or channel. The xlsx workbook
has one sheet per group (and one of the targets), numbers as numbers; the pdf report
(A4) has the KPIs with their trend and target, the charts and the tables per KAM,
channel and key account: the same files as the dashboard's downloads.
Without --out, the table and the JSON go to standard output and the files to
kpis-FROM-TO.xlsx / .pdf.

With --as USER, that user's view: a KAM gets their portfolio.

`kam kpis send-monthly` e-mails the PDF of the last complete month (against the period
of the same length before it) to every active director with an e-mail address, through
Django's e-mail settings (EMAIL_HOST, EMAIL_PORT, DEFAULT_FROM_EMAIL...). Schedule it
with cron, e.g. at 06:00 on the first day of each month:

    0 6 1 * *  cd /srv/kam && .venv/bin/kam kpis send-monthly
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kpis = commands.add_parser(
        "kpis",
        help="the KPIs of a period (table, JSON, Excel or PDF); send-monthly: e-mail the "
        "monthly PDF to the directors",
        description=KPIS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kpis.add_argument(
        "--period",
        type=period_arg,
        metavar="FROM:TO",
        help="YYYY-MM-DD:YYYY-MM-DD, both days included (default: the trailing 12 months)",
    )
    kpis.add_argument(
        "action",
        nargs="?",
        choices=["send-monthly"],
        help="send-monthly: e-mail the PDF of the last complete month to the directors",
    )
    kpis.add_argument("--group", choices=GROUPS, default="company")
    kpis.add_argument("--format", choices=["table", "json", "xlsx", "pdf"], default="table")
    kpis.add_argument("--out", type=Path, metavar="PATH", help="write to this file")
    add_as_option(kpis)
    kpis.set_defaults(handler=run_kpis)


def period_arg(text: str) -> tuple[date, date]:
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected FROM:TO as YYYY-MM-DD:YYYY-MM-DD, got {text!r}"
        ) from None


def run_kpis(args: argparse.Namespace, ctx: Context) -> int:
    from django.core.exceptions import ValidationError

    from kam.kpis.selectors import default_period, kpi_report

    if args.action == "send-monthly":
        return send_monthly(ctx)
    if args.period is None:
        default = default_period()
        date_from, date_to = default.date_from, default.date_to
    else:
        date_from, date_to = args.period
    if date_from > date_to:
        raise CommandFailed(f"--period: {date_to} is before {date_from}")
    try:
        if args.format in ("xlsx", "pdf"):
            return _write_file(args, ctx, date_from, date_to)
        view = kpi_report(
            user=acting_user(args), date_from=date_from, date_to=date_to, group=args.group
        )
    except ValidationError as exc:
        raise CommandFailed("; ".join(exc.messages)) from None
    if args.out is None:
        _write(view, args, ctx)
        return 0
    with open(args.out, "w", encoding="utf-8") as handle:
        _write(view, args, Context(out=handle, err=ctx.err, interactive=False))
    ctx.out.write(f"KPIs of {date_from} to {date_to} written to {args.out}\n")
    return 0


def _write_file(args: argparse.Namespace, ctx: Context, date_from: date, date_to: date) -> int:
    """The workbook or the PDF report: the same files as the dashboard's downloads."""
    from kam.kpis.dashboard import kpi_dashboard
    from kam.kpis.reports import render_pdf, workbook_bytes

    dashboard = kpi_dashboard(user=acting_user(args), date_from=date_from, date_to=date_to)
    ext = args.format
    path = args.out or Path(f"kpis-{date_from.isoformat()}-{date_to.isoformat()}.{ext}")
    content = workbook_bytes(dashboard) if ext == "xlsx" else render_pdf(dashboard)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    ctx.out.write(f"KPIs of {date_from} to {date_to} written to {path}\n")
    return 0


def _write(view: KpiReportView, args: argparse.Namespace, ctx: Context) -> None:
    if args.format == "json":
        json.dump(view.as_dict(args.group), ctx.out, indent=2, ensure_ascii=False, default=str)
        ctx.out.write("\n")
    else:
        write_kpi_table(view, args.group, ctx)


# -- the table -----------------------------------------------------------------------------

NONE = "—"
_PERCENT = {"increased_share", "uplift_pct", "key_revenue_share", "retention", "activity_share"}
_COUNTS = {"increased", "new_key_accounts", "accounts", "key_accounts", "activities", "retained"}
_RATIOS = {"roi", "activities_per_key_account"}


def show(code: str, value: Any) -> str:
    """A figure as the table shows it: "—" when undefined."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if code in _PERCENT:
        return f"{value * 100:.1f} %"
    if code in _COUNTS:
        return f"{int(value):,}"
    if code in _RATIOS:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


# (column of the rows, header) per group
_COLUMNS: dict[str, Sequence[tuple[str, str]]] = {
    "kam": (
        ("lead", "LEAD"),
        ("accounts", "ACCOUNTS"),
        ("key_accounts", "KEY"),
        ("increased", "INCREASED"),
        ("uplift_total", "UPLIFT"),
        ("uplift_pct", "UPLIFT %"),
        ("retention", "RETENTION"),
        ("activities", "ACTIVITIES"),
        ("activity_cost", "COST"),
        ("roi", "ROI"),
    ),
    "account": (
        ("account_id", "ACCOUNT"),
        ("name", "NAME"),
        ("lead", "LEAD"),
        ("revenue_previous", "REVENUE P'"),
        ("revenue", "REVENUE P"),
        ("uplift", "UPLIFT"),
        ("uplift_pct", "UPLIFT %"),
        ("activities", "ACTIVITIES"),
        ("activity_cost", "COST"),
        ("roi", "ROI"),
        ("key_at_end", "KEY AT END"),
    ),
    "channel": (
        ("channel", "CHANNEL"),
        ("label", "NAME"),
        ("activities", "ACTIVITIES"),
        ("activity_share", "SHARE"),
        ("activity_cost", "COST"),
        ("allocated_uplift", "UPLIFT ALLOCATED"),
        ("roi", "ROI"),
    ),
}


def write_kpi_table(view: KpiReportView, group: str, ctx: Context) -> None:
    period = view.period
    ctx.out.write(
        f"KPIs of {period.date_from} to {period.date_to} against {period.previous_from} "
        f"to {period.previous_to} ({period.days} days), {_scope(view)}\n"
    )
    for message in view.messages:
        ctx.out.write(f"! {message}\n")
    ctx.out.write("\n")
    if group == "company":
        table: list[tuple[str, ...]] = [("KPI", "VALUE", "TARGET", "STATUS")]
        for row in view.rows("company"):
            target = NONE
            if row["target"] is not None:
                sign = "≥" if row["direction"] == "at_least" else "≤"
                target = f"{sign} {show(row['kpi'], row['target'])}"
            status = (row["status"] or NONE).replace("_", " ")
            table.append((row["label"], show(row["kpi"], row["value"]), target, status))
        write_table(ctx, table)
        sentence = view.did_sentence()
        if sentence:
            ctx.out.write(f"\n{sentence}\n")
        return
    rows = view.rows(group)
    if not rows:
        ctx.out.write("(no rows)\n")
        return
    columns = _COLUMNS[group]
    table = [tuple(header for _, header in columns)]
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            cells.append("(no lead)" if key == "lead" and value is None else show(key, value))
        table.append(tuple(cells))
    write_table(ctx, table)


def _scope(view: KpiReportView) -> str:
    who = "company" if view.scope == "company" else "your portfolio"
    if view.key_list_start is None:
        return f"{who}, no key-account list at the start"
    start = view.key_list_start
    return f"{who}, key accounts of run #{start.run_id} (as of {start.as_of})"


# -- the monthly e-mail --------------------------------------------------------------------


def send_monthly(ctx: Context) -> int:
    from kam.kpis.mail import send_monthly_report

    sent = send_monthly_report()
    period = sent.period
    if not sent.recipients:
        ctx.err.write(
            f"No active director with an e-mail address: nothing sent for {period.date_from} "
            f"to {period.date_to}.\n"
        )
        return 0
    ctx.out.write(
        f"KPIs of {period.date_from} to {period.date_to} ({sent.attachment}, "
        f"{sent.pdf_bytes:,} bytes) sent to {len(sent.recipients)} director(s): "
        f"{', '.join(sent.recipients)}\n"
    )
    return 0
