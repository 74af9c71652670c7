"""`kam accounts list` and `kam accounts explain`: the scored accounts and why.

Both read the run in force (or the run that held at ``--as-of``) and act as kam itself
unless ``--as USER`` names a person, who then sees only the accounts they may see.
"""

from __future__ import annotations

import argparse
import csv
import json
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context
from kam.cli.scoring import acting_user, add_as_option, iso_date, write_table

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from kam.scoring.models import ScoreRun

# The keys of each `kam accounts list` record, in order (a contract for scripts).
LIST_FIELDS = (
    "external_id",
    "name",
    "score",
    "rank",
    "abc",
    "tier",
    "computed_tier",
    "revenue_12m",
    "growth",
    "manager",
)

LIST_HELP = """\
List the scored accounts of the run in force (or, with --as-of, of the run that held on
that day: the latest finished run as of that day or before, applied runs first), best
rank first. Each record has: external_id, name, score (0-100), rank (1 = best), abc (A, B
or C), tier (after manual overrides), computed_tier (the scorecard's), revenue_12m,
growth (a ratio: 0.1 = +10 %; null without revenue in the 12 months before) and manager
(the lead manager's login, or null).
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = commands.add_parser("accounts", help="list scored accounts and explain a score")
    actions = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        help="the scored accounts, best first",
        description=LIST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--tier", help="only this tier (e.g. key)")
    listing.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD")
    listing.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_as_option(listing)
    listing.set_defaults(handler=run_accounts_list)

    explain = actions.add_parser(
        "explain",
        help="the points each criterion gave an account",
        description="Show an account's score in the run in force (or in run --run) and the "
        "points each criterion contributed, with the raw value behind it: the points sum "
        "to the score.",
    )
    explain.add_argument("external_id", metavar="EXTERNAL_ID")
    explain.add_argument("--run", type=int, metavar="ID", help="a past run (default: in force)")
    explain.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(explain)
    explain.set_defaults(handler=run_accounts_explain)


def _run_for(args: argparse.Namespace, user: AbstractBaseUser | None) -> ScoreRun:
    from django.http import Http404

    from kam.scoring.selectors import run_in_force, score_run_as_of, score_run_get

    run_id = getattr(args, "run", None)
    if run_id is not None:
        try:
            return score_run_get(user=user, run_id=run_id)
        except Http404:
            raise CommandFailed(f"--run: no score run #{run_id}") from None
    as_of = getattr(args, "as_of", None)
    if as_of is not None:
        found = score_run_as_of(user=user, as_of=as_of)
        if found is None:
            raise CommandFailed(
                f"no finished score run as of {as_of.isoformat()} or before; "
                f"run `kam score --as-of {as_of.isoformat()}`"
            )
        return found
    in_force = run_in_force()
    if in_force is None:
        raise CommandFailed("no score run is in force yet; run `kam score`")
    return in_force


def run_accounts_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.scoring.selectors import LEAD_MANAGER, account_score_list

    user = acting_user(args)
    run = _run_for(args, user)
    scores = account_score_list(user=user, run=run, tier=args.tier or None)
    records = [
        {
            "external_id": s.account.external_id,
            "name": s.account.name,
            "score": round(s.score, 4),
            "rank": s.rank,
            "abc": s.abc,
            "tier": s.tier,
            "computed_tier": s.computed_tier,
            "revenue_12m": round(s.revenue_12m, 2),
            "growth": None if s.growth is None else round(s.growth, 6),
            "manager": getattr(s, LEAD_MANAGER),
        }
        for s in scores.iterator(chunk_size=5000)
    ]
    if args.format == "json":
        json.dump(records, ctx.out, indent=2, ensure_ascii=False)
        ctx.out.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(ctx.out, fieldnames=LIST_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        _print_list(records, run, ctx)
    return 0


def _print_list(records: list[dict[str, Any]], run: ScoreRun, ctx: Context) -> None:
    ctx.err.write(
        f"run #{run.pk}: scorecard {run.scorecard}, as of {run.as_of}"
        f"{' (in force)' if run.in_force else ''}: {len(records):,} account(s)\n"
    )
    if not records:
        return
    table = [("RANK", "ID", "NAME", "SCORE", "ABC", "TIER", "REVENUE 12M", "GROWTH", "MANAGER")]
    for r in records:
        tier = r["tier"] if r["tier"] == r["computed_tier"] else f"{r['tier']}*"
        growth = "-" if r["growth"] is None else f"{100 * r['growth']:+.1f} %"
        table.append(
            (
                str(r["rank"]),
                r["external_id"],
                _short(r["name"], 32),
                f"{r['score']:.1f}",
                r["abc"],
                tier,
                f"{r['revenue_12m']:,.0f}",
                growth,
                r["manager"] or "-",
            )
        )
    write_table(ctx, table)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_accounts_explain(args: argparse.Namespace, ctx: Context) -> int:
    from django.http import Http404

    from kam.domain.features import FEATURES
    from kam.scoring.selectors import account_score_get

    user = acting_user(args)
    run = _run_for(args, user)
    try:
        score = account_score_get(user=user, external_id=args.external_id, run=run)
    except Http404:
        raise CommandFailed(
            f"no score for account {args.external_id!r} in run #{run.pk} "
            "(unknown account, not yours to see, or a subsidiary in a group-level run)"
        ) from None
    contributions = [
        {
            "feature": c["feature"],
            "label": FEATURES[c["feature"]].label if c["feature"] in FEATURES else c["feature"],
            "value": c["value"],
            "weight": c["weight"],
            "points": c["points"],
        }
        for c in score.contributions
    ]
    report = {
        "external_id": score.account.external_id,
        "name": score.account.name,
        "run": run.pk,
        "scorecard": {"name": run.scorecard.name, "version": run.scorecard.version},
        "as_of": run.as_of.isoformat(),
        "score": score.score,
        "rank": score.rank,
        "abc": score.abc,
        "tier": score.tier,
        "computed_tier": score.computed_tier,
        "contributions": contributions,
    }
    if args.format == "json":
        json.dump(report, ctx.out, indent=2, ensure_ascii=False)
        ctx.out.write("\n")
        return 0
    ctx.out.write(
        f"{report['name']} ({report['external_id']}): score {score.score:.2f}, rank "
        f"{score.rank}, ABC {score.abc}, tier {score.tier}"
        + (f" (computed: {score.computed_tier}, set by hand)" if score.is_overridden else "")
        + f"\nrun #{run.pk}, scorecard {run.scorecard}, as of {run.as_of}\n"
    )
    table = [("CRITERION", "VALUE", "WEIGHT", "POINTS")]
    for c in contributions:
        table.append(
            (str(c["label"]), _value(c["value"]), f"{c['weight']:g} %", f"{c['points']:.2f}")
        )
    total_weight = sum(float(c["weight"]) for c in contributions)
    table.append(("TOTAL", "", f"{total_weight:g} %", f"{score.score:.2f}"))
    write_table(ctx, table)
    return 0


def _value(value: Any) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 or value != int(value) else f"{value:g}"
    return str(value)
