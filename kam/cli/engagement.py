"""`kam channels list` and `kam plan show|set|recommend|missing`: the channel catalogue and
the channel plans of accounts (1 to 3 channels each), thin adapters over the engagement
services and selectors. Importing activities: `kam import activities` (kam/cli/imports.py).

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
