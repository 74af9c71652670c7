"""`kam channels list`, `kam plan show|set|recommend|missing` and `kam campaign
create|list|preview|send|export|results|respond`: the channel catalogue, the channel plans
of accounts (1 to 3 channels each) and loyalty campaigns, thin adapters over the
engagement services and selectors. Importing activities: `kam import activities`
(kam/cli/imports.py).

Every command acts as kam itself unless ``--as USER`` names a person, whose permissions
then apply (a KAM sees and plans only their accounts).
"""

from __future__ import annotations

import argparse
import json
import re
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context
from kam.cli.scoring import acting_user, add_as_option, one_line, write_table

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from kam.accounts.models import Account
    from kam.engagement.recommendations import AccountRecommendation
    from kam.engagement.services import PlanItemInput

_ITEM = re.compile(r"^(?P<channel>[-\w]+):(?P<times>\d+)/(?P<period>[a-z]+)$")

PLAN_SET_HELP = """\
Make CHANNEL:TIMES/PERIOD... the account's channel plan from now on (the plan it replaces
stays in the history). PERIOD is week, month, quarter or year: `visit:4/year
emailing:1/month` means four visits a year and one emailing a month. A key account has 1
to 3 channels: a 4th is refused (exit 1) with the same message as the web page and the
API ("channels: a key account has at most 3 channels (got 4)").
"""

RECOMMEND_HELP = """\
Rank the active channels for an account (or every key account of the run in force) by
expected revenue per unit of cost, from the history of activities shrunk toward similar
accounts, with the reason for each, and the suggested plan (at most 3 channels).

With --format json: a list of {account, name, suggested_plan: [{channel, times, period}],
channels: [{channel, label, rank, suggested, evidence, contacts, replies, orders, revenue,
cost, response_rate, conversion_rate, expected_return, reason}]}.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    channels = commands.add_parser("channels", help="the channel catalogue")
    channel_actions = channels.add_subparsers(
        dest="channels_command", metavar="ACTION", required=True
    )
    listing = channel_actions.add_parser(
        "list",
        help="list the channels and their unit costs",
        description="List the channels: code, name, kind, cost per contact, active. "
        "Files and `kam plan set` name a channel by its code.",
    )
    listing.add_argument("--active", action="store_true", help="only the active channels")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(listing)
    listing.set_defaults(handler=run_channels_list)

    plan = commands.add_parser("plan", help="show, set and recommend accounts' channel plans")
    actions = plan.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="an account's current channel plan")
    show.add_argument("external_id", metavar="EXTERNAL_ID")
    show.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(show)
    show.set_defaults(handler=run_plan_show)

    set_ = actions.add_parser(
        "set",
        help="set an account's channel plan (1 to 3 channels)",
        description=PLAN_SET_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    set_.add_argument("external_id", metavar="EXTERNAL_ID")
    set_.add_argument(
        "items", nargs="+", type=plan_item, metavar="CHANNEL:TIMES/PERIOD", help="e.g. visit:4/year"
    )
    add_as_option(set_)
    set_.set_defaults(handler=run_plan_set)

    recommend = actions.add_parser(
        "recommend",
        help="the channels recommended for an account, and why",
        description=RECOMMEND_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = recommend.add_mutually_exclusive_group(required=True)
    which.add_argument("external_id", nargs="?", metavar="EXTERNAL_ID")
    which.add_argument(
        "--all-key", action="store_true", help="every key account of the run in force"
    )
    recommend.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(recommend)
    recommend.set_defaults(handler=run_plan_recommend)

    missing = actions.add_parser(
        "missing",
        help="key accounts without a channel plan",
        description="The key accounts of the run in force that have no channel plan.",
    )
    missing.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(missing)
    missing.set_defaults(handler=run_plan_missing)

    register_campaigns(commands)


def plan_item(text: str) -> PlanItemInput:
    """``visit:4/year`` as a plan item (the rules are the service's: only the shape here)."""
    from kam.engagement.services import PlanItemInput

    found = _ITEM.match(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"expected CHANNEL:TIMES/PERIOD such as visit:4/year, got {text!r}"
        )
    return PlanItemInput(found["channel"], int(found["times"]), found["period"])


def _account(external_id: str, user: AbstractBaseUser | None) -> Account:
    from kam.engagement.selectors import visible_accounts

    account = visible_accounts(user).filter(external_id=external_id).first()
    if account is None:
        raise CommandFailed(f"no account {external_id!r} (unknown, or not yours to see)")
    return account


def _dump(data: Any, ctx: Context) -> None:
    json.dump(data, ctx.out, indent=2, ensure_ascii=False, default=str)
    ctx.out.write("\n")


# -- kam channels list ----------------------------------------------------------------------


def run_channels_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.selectors import channel_list

    channels = list(channel_list(user=acting_user(args), active_only=args.active))
    records = [
        {
            "code": c.code,
            "name": c.label,
            "kind": c.kind,
            "unit_cost": str(c.unit_cost),
            "active": c.active,
        }
        for c in channels
    ]
    if args.format == "json":
        _dump(records, ctx)
        return 0
    table = [("CODE", "NAME", "KIND", "COST", "ACTIVE")]
    table += [
        (c.code, c.label, c.kind, str(c.unit_cost), "yes" if c.active else "no") for c in channels
    ]
    write_table(ctx, table)
    return 0


# -- kam plan -------------------------------------------------------------------------------------


def run_plan_show(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.selectors import channel_plan_get

    user = acting_user(args)
    account = _account(args.external_id, user)
    plan = channel_plan_get(user=user, account=account)
    items = list(plan.items.all()) if plan is not None else []
    record: dict[str, Any] = {
        "account": account.external_id,
        "name": account.name,
        "valid_from": plan.valid_from.isoformat() if plan is not None else None,
        "from_recommendation": plan.from_recommendation if plan is not None else False,
        "channels": [
            {
                "channel": i.channel.code,
                "label": i.channel.label,
                "times": i.times,
                "period": i.period,
            }
            for i in items
        ],
    }
    if args.format == "json":
        _dump(record, ctx)
        return 0
    if plan is None:
        ctx.out.write(f"{account.external_id} {account.name}: no channel plan\n")
        return 0
    ctx.out.write(
        f"{account.external_id} {account.name}: channel plan since {plan.valid_from:%Y-%m-%d}\n"
    )
    write_table(
        ctx,
        [("CHANNEL", "NAME", "CADENCE")]
        + [(c["channel"], c["label"], f"{c['times']}/{c['period']}") for c in record["channels"]],
    )
    return 0


def run_plan_set(args: argparse.Namespace, ctx: Context) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from kam.engagement.services import channel_plan_set

    user = acting_user(args)
    account = _account(args.external_id, user)
    try:
        plan = channel_plan_set(account=account, items=args.items, user=user)
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ValidationError as exc:
        raise CommandFailed(one_line(exc)) from None
    cadences = ", ".join(f"{i.channel}:{i.times}/{i.period}" for i in args.items)
    ctx.out.write(
        f"{account.external_id}: channel plan #{plan.pk} in force since "
        f"{plan.valid_from:%Y-%m-%d %H:%M} ({cadences})\n"
    )
    return 0


def run_plan_recommend(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.recommendations import (
        channel_recommendation,
        key_account_recommendations,
    )
    from kam.scoring.selectors import run_in_force

    user = acting_user(args)
    if args.all_key:
        if run_in_force() is None:
            raise CommandFailed("no score run is in force yet; run `kam score`")
        found = key_account_recommendations(user=user)
    else:
        found = [channel_recommendation(user=user, account=_account(args.external_id, user))]
    if args.format == "json":
        _dump([r.as_dict() for r in found], ctx)
        return 0
    for position, recommendation in enumerate(found):
        if position:
            ctx.out.write("\n")
        _print_recommendation(recommendation, ctx)
    return 0


def _print_recommendation(recommendation: AccountRecommendation, ctx: Context) -> None:
    plan = " ".join(f"{i.channel}:{i.times}/{i.period}" for i in recommendation.plan_items())
    ctx.out.write(f"{recommendation.external_id} {recommendation.name}: suggested {plan}\n")
    for advice in recommendation.channels:
        mark = "*" if advice.suggested else " "
        ctx.out.write(f" {mark}{advice.rank}. {advice.reason}\n")


def run_plan_missing(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.selectors import accounts_without_plan
    from kam.scoring.selectors import LEAD_MANAGER, run_in_force

    if run_in_force() is None:
        raise CommandFailed("no score run is in force yet; run `kam score`")
    records = [
        {
            "external_id": s.account.external_id,
            "name": s.account.name,
            "rank": s.rank,
            "manager": getattr(s, LEAD_MANAGER),
        }
        for s in accounts_without_plan(user=acting_user(args))
    ]
    if args.format == "json":
        _dump(records, ctx)
        return 0
    ctx.err.write(f"{len(records)} key account(s) without a channel plan\n")
    if records:
        write_table(
            ctx,
            [("RANK", "ID", "NAME", "MANAGER")]
            + [(str(r["rank"]), r["external_id"], r["name"], r["manager"] or "-") for r in records],
        )
    return 0


# -- kam campaign ----------------------------------------------------------------------------

CAMPAIGN_HELP = """\
Loyalty campaigns: choose key accounts (by tier, KAM, sector, score), an offer and a
channel; preview who gets it and who is skipped (no consent, no e-mail, left the company);
send it (one e-mail per consenting contact, through the SMTP server configured by
EMAIL_HOST, EMAIL_PORT...; once only); export the target list; record responses; read the
results (revenue of the accounts reached vs comparable accounts not targeted).
"""


def register_campaigns(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    campaign = commands.add_parser(
        "campaign",
        help="loyalty campaigns: create, preview, send, export, results",
        description=CAMPAIGN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a draft campaign")
    create.add_argument("--name", required=True)
    create.add_argument("--offer", required=True, help="the offer's text")
    create.add_argument("--discount", help="discount in percent (0 to 100)")
    create.add_argument("--from", dest="valid_from", type=_day, required=True, metavar="DAY")
    create.add_argument("--to", dest="valid_to", type=_day, required=True, metavar="DAY")
    create.add_argument("--channel", default="emailing", help="a channel's code")
    create.add_argument("--tier", action="append", dest="tiers", help="default: key")
    create.add_argument("--kam", action="append", dest="kams", help="a manager's username")
    create.add_argument("--sector", action="append", dest="sectors")
    create.add_argument("--min-score", dest="min_score")
    add_as_option(create)
    create.set_defaults(handler=run_campaign_create)

    listing = actions.add_parser("list", help="the campaigns you may read")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(listing)
    listing.set_defaults(handler=run_campaign_list)

    preview = actions.add_parser(
        "preview", help="who the campaign reaches, and who is skipped and why"
    )
    preview.add_argument("campaign_id", type=int, metavar="ID")
    preview.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(preview)
    preview.set_defaults(handler=run_campaign_preview)

    send = actions.add_parser("send", help="send the campaign's e-mails (once)")
    send.add_argument("campaign_id", type=int, metavar="ID")
    send.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(send)
    send.set_defaults(handler=run_campaign_send)

    export = actions.add_parser(
        "export", help="the target list as CSV or XLSX (skipped contacts left out)"
    )
    export.add_argument("campaign_id", type=int, metavar="ID")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument(
        "--output", "-o", required=True, metavar="FILE", help="where to write it ('-': stdout, csv)"
    )
    add_as_option(export)
    export.set_defaults(handler=run_campaign_export)

    results = actions.add_parser(
        "results", help="responses, and revenue vs comparable accounts not targeted"
    )
    results.add_argument("campaign_id", type=int, metavar="ID")
    results.add_argument("--days", type=int, default=90, help="window before/after (default 90)")
    results.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(results)
    results.set_defaults(handler=run_campaign_results)

    respond = actions.add_parser("respond", help="record a contact's response")
    respond.add_argument("campaign_id", type=int, metavar="ID")
    respond.add_argument("email", metavar="EMAIL", help="the contact's e-mail address")
    respond.add_argument("outcome", choices=["none", "reply", "meeting", "order", "lost"])
    respond.add_argument("--on", dest="responded_on", type=_day, metavar="DAY")
    add_as_option(respond)
    respond.set_defaults(handler=run_campaign_respond)


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _campaign(campaign_id: int, user: AbstractBaseUser | None) -> Any:
    from kam.engagement.selectors import campaign_list

    found = campaign_list(user=user).filter(pk=campaign_id).first()
    if found is None:
        raise CommandFailed(f"no campaign {campaign_id} (unknown, or not yours to see)")
    return found


def _refusals(call: Any) -> Any:
    from django.core.exceptions import PermissionDenied, ValidationError

    try:
        return call()
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ValidationError as exc:
        raise CommandFailed(one_line(exc)) from None


def run_campaign_create(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.campaigns import campaign_create

    criteria: dict[str, Any] = {}
    for name in ("tiers", "kams", "sectors", "min_score"):
        if getattr(args, name):
            criteria[name] = getattr(args, name)
    campaign = _refusals(
        lambda: campaign_create(
            name=args.name,
            offer=args.offer,
            discount_percent=args.discount,
            valid_from=args.valid_from,
            valid_to=args.valid_to,
            channel=args.channel,
            criteria=criteria,
            user=acting_user(args),
        )
    )
    ctx.out.write(f"campaign #{campaign.pk} {campaign.name!r} created (draft)\n")
    return 0


def run_campaign_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.selectors import campaign_list

    found = list(campaign_list(user=acting_user(args)))
    records = [
        {
            "id": c.pk,
            "name": c.name,
            "status": c.status,
            "channel": c.channel.code,
            "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat(),
            "sent_at": c.sent_at.isoformat() if c.sent_at else None,
            "sent": c.sent_count,
            "skipped_no_consent": c.skipped_no_consent,
        }
        for c in found
    ]
    if args.format == "json":
        _dump(records, ctx)
        return 0
    table = [("ID", "NAME", "STATUS", "CHANNEL", "VALID", "SENT")]
    table += [
        (
            str(r["id"]),
            str(r["name"]),
            str(r["status"]),
            str(r["channel"]),
            f"{r['valid_from']}..{r['valid_to']}",
            str(r["sent"]),
        )
        for r in records
    ]
    write_table(ctx, table)
    return 0


def _counts_line(counts: dict[str, int]) -> str:
    return (
        f"{counts['skipped_no_consent']} without consent, {counts['skipped_no_email']} "
        f"without e-mail, {counts['skipped_left']} left the company"
    )


def run_campaign_preview(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.campaigns import campaign_targets_preview

    user = acting_user(args)
    campaign = _campaign(args.campaign_id, user)
    found = campaign_targets_preview(campaign=campaign, user=user)
    if found.run is None:
        raise CommandFailed("no score run is in force yet; run `kam score`")
    counts = found.counts
    if args.format == "json":
        _dump(
            {
                "counts": counts,
                "targets": [
                    {
                        "account": r.external_id,
                        "contact": r.contact_name,
                        "email": r.email,
                        "kam": r.kam,
                        "status": r.status,
                    }
                    for r in found.rows
                ],
            },
            ctx,
        )
        return 0
    ctx.out.write(
        f"{counts['accounts']} account(s), {counts['mailable']} e-mail(s) to send, "
        f"{counts['skipped']} contact(s) skipped ({_counts_line(counts)})\n"
    )
    if found.rows:
        write_table(
            ctx,
            [("ACCOUNT", "CONTACT", "EMAIL", "KAM", "STATUS")]
            + [
                (r.external_id, r.contact_name or "-", r.email or "-", r.kam or "-", r.status)
                for r in found.rows
            ],
        )
    return 0


def run_campaign_send(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.campaigns import campaign_send

    user = acting_user(args)
    campaign = _campaign(args.campaign_id, user)
    result = _refusals(lambda: campaign_send(campaign=campaign, user=user))
    counts = result.as_dict()
    if args.format == "json":
        _dump(counts, ctx)
    else:
        ctx.out.write(
            f"campaign #{campaign.pk} sent: {result.sent} e-mail(s) to {result.accounts} "
            f"account(s), {result.failed} failed, {result.skipped} contact(s) skipped "
            f"({_counts_line(counts)})\n"
        )
    return 1 if result.failed else 0


def run_campaign_export(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from kam.engagement.campaigns import (
        campaign_target_list,
        target_list_csv,
        target_list_xlsx,
    )

    user = acting_user(args)
    campaign = _campaign(args.campaign_id, user)
    targets = campaign_target_list(campaign=campaign, user=user)
    body = target_list_csv(targets) if args.format == "csv" else target_list_xlsx(targets)
    if args.output == "-":
        if args.format != "csv":
            raise CommandFailed("--output -: only the csv format is written to stdout")
        ctx.out.write(body.decode("utf-8-sig"))
    else:
        Path(args.output).write_bytes(body)
    ctx.err.write(
        f"{len(targets.rows)} contact(s) exported; {targets.skipped_total} skipped "
        f"({_counts_line(targets.skipped)})\n"
    )
    return 0


def run_campaign_results(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.campaigns import campaign_results

    user = acting_user(args)
    campaign = _campaign(args.campaign_id, user)
    found = _refusals(lambda: campaign_results(campaign=campaign, days=args.days, user=user))
    data = found.as_dict()
    if args.format == "json":
        _dump(data, ctx)
        return 0
    rate = "-" if found.response_rate is None else f"{found.response_rate:.0%}"
    ctx.out.write(
        f"campaign #{campaign.pk} {campaign.name!r}, sent on {data['sent_on']}\n"
        f"responses: {found.responded} of {found.sent} e-mails ({rate})\n"
        f"revenue per account, {found.days} days before ({data['before_from']}..) vs after "
        f"(..{data['after_to']}):\n"
    )
    table = [("GROUP", "ACCOUNTS", "BEFORE", "AFTER", "CHANGE")]
    for name in ("targeted", "comparison"):
        group = data.get(name)
        if group:
            table.append(
                (
                    name,
                    str(group["accounts"]),
                    f"{group['before_mean']:.2f}",
                    f"{group['after_mean']:.2f}",
                    f"{group['change_mean']:+.2f}",
                )
            )
    write_table(ctx, table)
    did = "-" if found.did is None else f"{found.did:+.2f}"
    ctx.out.write(f"difference in differences per account: {did}\n")
    if found.note:
        ctx.out.write(f"note: {found.note}\n")
    return 0


def run_campaign_respond(args: argparse.Namespace, ctx: Context) -> int:
    from kam.engagement.campaigns import campaign_record_response
    from kam.engagement.selectors import campaign_target_rows

    user = acting_user(args)
    campaign = _campaign(args.campaign_id, user)
    target = (
        campaign_target_rows(user=user, campaign=campaign)
        .filter(email__iexact=args.email.strip())
        .first()
    )
    if target is None:
        raise CommandFailed(f"no target {args.email!r} in campaign {campaign.pk}")
    _refusals(
        lambda: campaign_record_response(
            target=target, outcome=args.outcome, user=user, responded_on=args.responded_on
        )
    )
    ctx.out.write(f"{target.email}: {args.outcome}\n")
    return 0
