"""`kam alerts refresh|digest|list`: the alerts of key accounts, thin adapters over the
plans services. Both `refresh` and `digest` are meant for cron (e.g. refresh every night,
digest every Monday morning); `--as-of` sets the day the rules are evaluated on.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from kam.cli.base import CommandFailed, Context
from kam.cli.scoring import acting_user, add_as_option, write_table


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts = commands.add_parser("alerts", help="alerts of key accounts: refresh, digest, list")
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh",
        help="evaluate the alert rules for every key account",
        description="Open one alert per key account and rule whose condition holds, close "
        "those whose condition cleared. Idempotent (cron-able).",
    )
    refresh.add_argument("--as-of", type=_day, help="evaluate on this day (default: today)")
    refresh.add_argument("--format", choices=["table", "json"], default="table")
    refresh.set_defaults(handler=run_refresh)

    digest = actions.add_parser(
        "digest",
        help="e-mail each manager the open alerts of their accounts (weekly, cron-able)",
        description="One e-mail per KAM/GAM with open, unacknowledged alerts on the accounts "
        "entrusted to them; with --refresh, the alerts are refreshed first.",
    )
    digest.add_argument("--as-of", type=_day, help="the day of the digest (default: today)")
    digest.add_argument("--refresh", action="store_true", help="refresh the alerts first")
    digest.set_defaults(handler=run_digest)

    listing = actions.add_parser("list", help="list the open alerts")
    listing.add_argument("--all", action="store_true", help="closed alerts too")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(listing)
    listing.set_defaults(handler=run_list)


def run_refresh(args: argparse.Namespace, ctx: Context) -> int:
    from kam.plans.services import alerts_refresh

    result = alerts_refresh(as_of=args.as_of)
    if args.format == "json":
        json.dump(result.__dict__, ctx.out)
        ctx.out.write("\n")
        return 0
    ctx.out.write(
        f"{result.accounts} key account(s): {result.opened} alert(s) opened, "
        f"{result.closed} closed, {result.kept} still open\n"
    )
    return 0


def run_digest(args: argparse.Namespace, ctx: Context) -> int:
    from kam.plans.services import alerts_digest_send, alerts_refresh

    if args.refresh:
        alerts_refresh(as_of=args.as_of)
    try:
        result = alerts_digest_send(as_of=args.as_of)
    except OSError as exc:  # the SMTP server is unreachable
        raise CommandFailed(f"could not send the digest: {exc}") from None
    ctx.out.write(f"{result.sent} digest e-mail(s) sent, {result.alerts} alert(s) listed\n")
    for name in result.skipped:
        ctx.out.write(f"skipped {name}: no e-mail address\n")
    return 0


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.plans.selectors import alert_list

    alerts = list(alert_list(user=acting_user(args), open_only=not args.all))
    records = [
        {
            "id": a.pk,
            "account": a.account.external_id,
            "name": a.account.name,
            "rule": a.rule,
            "detail": a.detail,
            "opened_at": a.opened_at.isoformat(),
            "closed_at": a.closed_at.isoformat() if a.closed_at else None,
            "acknowledged": a.acknowledged_at is not None,
        }
        for a in alerts
    ]
    if args.format == "json":
        json.dump(records, ctx.out, indent=2, ensure_ascii=False)
        ctx.out.write("\n")
        return 0
    table = [("ID", "ACCOUNT", "RULE", "STATE", "DETAIL")]
    table += [
        (
            str(r["id"]),
            str(r["account"]),
            str(r["rule"]),
            "closed" if r["closed_at"] else ("acknowledged" if r["acknowledged"] else "open"),
            str(r["detail"]),
        )
        for r in records
    ]
    write_table(ctx, table)
    return 0
