"""`kam kpis`: the KPIs of a period, as a table, JSON or an Excel workbook. A thin adapter
over :func:`kam.kpis.selectors.kpi_report` (the same figures as the API)."""

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
has one sheet per group (and one of the targets), numbers as numbers. Without --out,
the table and the JSON go to standard output and the workbook to kpis-FROM-TO.xlsx.

With --as USER, that user's view: a KAM gets their portfolio.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kpis = commands.add_parser(
        "kpis",
        help="the KPIs of a period (table, JSON or Excel)",
        description=KPIS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kpis.add_argument(
        "--period",
        type=period_arg,
        metavar="FROM:TO",
        help="YYYY-MM-DD:YYYY-MM-DD, both days included (default: the trailing 12 months)",
    )
    kpis.add_argument("--group", choices=GROUPS, default="company")
    kpis.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
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

    if args.period is None:
        default = default_period()
        date_from, date_to = default.date_from, default.date_to
    else:
        date_from, date_to = args.period
    if date_from > date_to:
        raise CommandFailed(f"--period: {date_to} is before {date_from}")
    try:
        view = kpi_report(
            user=acting_user(args), date_from=date_from, date_to=date_to, group=args.group
        )
    except ValidationError as exc:
        raise CommandFailed("; ".join(exc.messages)) from None
    if args.format == "xlsx":
        path = args.out or Path(f"kpis-{date_from.isoformat()}-{date_to.isoformat()}.xlsx")
        write_workbook(view, path)
        ctx.out.write(f"KPIs of {date_from} to {date_to} written to {path}\n")
        return 0
    if args.out is None:
        _write(view, args, ctx)
        return 0
    with open(args.out, "w", encoding="utf-8") as handle:
        _write(view, args, Context(out=handle, err=ctx.err, interactive=False))
    ctx.out.write(f"KPIs of {date_from} to {date_to} written to {args.out}\n")
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


# -- the workbook --------------------------------------------------------------------------


def write_workbook(view: KpiReportView, path: Path) -> None:
    """One sheet per group (company: one row per KPI with its target and status) and one
    of the targets; numbers stay numbers, undefined figures are empty cells."""
    import polars as pl
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
    path.parent.mkdir(parents=True, exist_ok=True)
    with Workbook(str(path)) as workbook:
        for name, frame in sheets.items():
            frame.write_excel(workbook=workbook, worksheet=name, float_precision=4, autofit=True)
