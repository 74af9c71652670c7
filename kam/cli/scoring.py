"""`kam score` and `kam backtest`: score the accounts (scorecards: `kam/cli/scorecards.py`).

Both act as kam itself (every permission) unless ``--as USER`` names the person acting:
the same rules as the web UI then apply (only directors edit scorecards and apply runs).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.exceptions import ValidationError

    from kam.domain.preview import RunComparison
    from kam.scoring.models import Scorecard
    from kam.scoring.services import ScoreRunResult

SCORE_HELP = """\
Score every account (or group) with a scorecard as of a date, store the run and put it
in force: its key tier becomes the key-account list. --no-apply stores the run without
putting it in force; --dry-run computes and shows what would change against the run in
force, and stores nothing.

With --format json, one object: run (id or null), dry_run, applied, scorecard {name,
version, level}, as_of, accounts_scored, tiers {tier: count}, abc {class: count},
revenue_total, top20_share, key_revenue_share, seconds, and changes (null when no run
was in force): {tiers: {tier: {entering: [ids], leaving: [ids], count_before,
count_after}}, key_coverage_before, key_coverage_after, rank_changes: the number of
accounts whose rank changed}.
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    score = commands.add_parser(
        "score",
        help="score the accounts and put the key-account list in force",
        description=SCORE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument(
        "--scorecard",
        metavar="NAME[:VERSION]",
        help="the scorecard (default: the active one, else the seed scorecard); without a "
        "version, the active version of that name, else its latest",
    )
    score.add_argument(
        "--as-of",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="count sales before this day (default: today)",
    )
    mode = score.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="store nothing; show the changes")
    mode.add_argument(
        "--apply", action="store_true", default=True, help="put the run in force (default)"
    )
    mode.add_argument(
        "--no-apply", dest="apply", action="store_false", help="store the run, do not apply it"
    )
    score.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(score)
    score.set_defaults(handler=run_score)

    backtest = commands.add_parser(
        "backtest",
        help="did the key accounts of a past date do better in the next 12 months?",
        description="Score as of a past date (at least a year ago) and compare what that "
        "date's key accounts bought in the 12 months after it with the 12 months before, "
        "against the other accounts: revenue growth (total, mean and median per account) "
        "and retention (the share of accounts that bought before and still bought after). "
        "Stores nothing.",
    )
    backtest.add_argument("--as-of", type=iso_date, required=True, metavar="YYYY-MM-DD")
    backtest.add_argument("--scorecard", metavar="NAME[:VERSION]")
    backtest.add_argument("--format", choices=["table", "json"], default="table")
    add_as_option(backtest)
    backtest.set_defaults(handler=run_backtest)


# -- shared by the scoring commands -------------------------------------------------------


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def add_as_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="act as this user, with their permissions (default: kam itself)",
    )


def acting_user(args: argparse.Namespace) -> AbstractBaseUser | None:
    """The user named by ``--as``, or None (kam itself)."""
    name = getattr(args, "as_user", None)
    if not name:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise CommandFailed(f"--as: no active user named {name!r}")
    return user


def one_line(exc: ValidationError) -> str:
    """A ValidationError as one line naming its fields."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def find_scorecard(spec: str) -> Scorecard:
    """``NAME`` or ``NAME:VERSION``, or a failure naming the scorecards that exist."""
    from django.http import Http404

    from kam.scoring.models import Scorecard
    from kam.scoring.selectors import scorecard_get

    name, _, version_text = spec.partition(":")
    version = None
    if version_text:
        if not version_text.isdigit():
            raise CommandFailed(f"--scorecard: not a version number: {version_text!r}")
        version = int(version_text)
    try:
        return scorecard_get(user=None, name=name, version=version)
    except Http404:
        names = sorted(set(Scorecard.objects.values_list("name", flat=True)))
        known = f" (there are: {', '.join(names)})" if names else " (there is none yet)"
        raise CommandFailed(f"no scorecard {spec!r}{known}") from None


# -- kam score ------------------------------------------------------------------------------


def run_score(args: argparse.Namespace, ctx: Context) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from kam.domain.scorecard import ScorecardInvalid
    from kam.scoring.services import score_run_apply, score_run_create

    user = acting_user(args)
    scorecard = find_scorecard(args.scorecard) if args.scorecard else None
    try:
        result = score_run_create(
            scorecard=scorecard,
            as_of=args.as_of,
            user=user,
            dry_run=args.dry_run,
            progress=_progress(args, ctx),
        )
        if result.run is not None and args.apply:
            score_run_apply(run=result.run, user=user)
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ValidationError as exc:
        raise CommandFailed(one_line(exc)) from None
    except ScorecardInvalid as exc:
        problems = "; ".join(str(p) for p in exc.problems)
        raise CommandFailed(f"the scorecard is invalid: {problems}") from None
    applied = result.run is not None and args.apply
    report = score_report(result, applied=applied)
    if args.format == "json":
        json.dump(report, ctx.out, indent=2)
        ctx.out.write("\n")
    else:
        _print_score(report, ctx)
    return 0


def score_report(result: ScoreRunResult, *, applied: bool) -> dict[str, Any]:
    """The JSON form of a run's outcome (see ``kam score --help``)."""
    stats = result.stats
    return {
        "run": result.run.pk if result.run is not None else None,
        "dry_run": result.dry_run,
        "applied": applied,
        "scorecard": {
            "name": result.scorecard.name,
            "version": result.scorecard.version,
            "level": stats.get("level"),
        },
        "as_of": result.as_of.isoformat(),
        "accounts_scored": stats.get("accounts", 0),
        "tiers": stats.get("tiers", {}),
        "abc": stats.get("abc", {}),
        "revenue_total": stats.get("revenue_total"),
        "top20_share": stats.get("top20_share"),
        "key_revenue_share": stats.get("key_revenue_share"),
        "seconds": result.seconds,
        "changes": comparison_dict(result.comparison) if result.comparison else None,
    }


def comparison_dict(comparison: RunComparison) -> dict[str, Any]:
    """A run comparison as plain data: per tier the entering and leaving ids and the
    counts before and after, the key tier's revenue coverage before and after, and how
    many accounts changed rank."""
    return {
        "tiers": {
            m.tier: {
                "entering": list(m.entering),
                "leaving": list(m.leaving),
                "count_before": m.count_before,
                "count_after": m.count_after,
            }
            for m in comparison.tiers
        },
        "key_coverage_before": comparison.key_coverage_before,
        "key_coverage_after": comparison.key_coverage_after,
        "rank_changes": comparison.rank_changes.height,
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _print_score(report: dict[str, Any], ctx: Context) -> None:
    card = report["scorecard"]
    if report["dry_run"]:
        head = "Dry run (nothing stored)"
    elif report["applied"]:
        head = f"Score run #{report['run']} stored and put in force"
    else:
        head = f"Score run #{report['run']} stored (not applied: `kam score` applies)"
    ctx.out.write(f"{head}: scorecard {card['name']} v{card['version']}, as of {report['as_of']}\n")
    tiers = ", ".join(f"{tier} {count:,}" for tier, count in report["tiers"].items())
    abc = ", ".join(f"{cls} {count:,}" for cls, count in sorted(report["abc"].items()))
    lines = [
        (f"{card['level'] or 'account'}s scored", f"{report['accounts_scored']:,}"),
        ("tiers", tiers or "-"),
        ("ABC classes", abc or "-"),
        ("top 20 % hold", f"{_percent(report['top20_share'])} of revenue"),
        ("key tier holds", f"{_percent(report['key_revenue_share'])} of revenue"),
        ("time", f"{report['seconds']:.1f} s"),
    ]
    changes = report["changes"]
    if changes is not None:
        for tier, moves in changes["tiers"].items():
            if moves["entering"] or moves["leaving"]:
                lines.append(
                    (
                        f"{tier}: changes",
                        f"+{len(moves['entering'])} entering, -{len(moves['leaving'])} leaving"
                        + _examples(moves["entering"], moves["leaving"]),
                    )
                )
        lines.append(
            (
                "key coverage",
                f"{_percent(changes['key_coverage_before'])} → "
                f"{_percent(changes['key_coverage_after'])} of revenue",
            )
        )
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        ctx.out.write(f"  {label:<{width}}  {value}\n")


def _examples(entering: list[str], leaving: list[str]) -> str:
    shown = [f"+{e}" for e in entering[:3]] + [f"-{e}" for e in leaving[:3]]
    more = len(entering) + len(leaving) - len(shown)
    return f" ({', '.join(shown)}{', …' if more > 0 else ''})" if shown else ""


def _progress(args: argparse.Namespace, ctx: Context) -> Any:
    """Stage names on standard error, when a person is watching a table output."""
    if args.format != "table" or not ctx.err.isatty():
        return None

    def show(stage: str, fraction: float) -> None:
        ctx.err.write(f"kam score: {stage}…\n")
        ctx.err.flush()

    return show


# -- kam backtest ---------------------------------------------------------------------------


def run_backtest(args: argparse.Namespace, ctx: Context) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from kam.scoring.services import score_backtest

    user = acting_user(args)
    scorecard = find_scorecard(args.scorecard) if args.scorecard else None
    try:
        result = score_backtest(as_of=args.as_of, user=user, scorecard=scorecard)
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ValidationError as exc:
        raise CommandFailed(one_line(exc)) from None
    report = result.as_dict()
    if args.format == "json":
        json.dump(report, ctx.out, indent=2)
        ctx.out.write("\n")
        return 0
    ctx.out.write(f"Backtest as of {args.as_of.isoformat()}: the 12 months after, vs before\n")
    table = [("", "ACCOUNTS", "REVENUE BEFORE", "REVENUE AFTER", "GROWTH", "MEDIAN", "RETENTION")]
    for label, cohort in (("key accounts", report["key"]), ("others", report["others"])):
        table.append(
            (
                label,
                f"{cohort['accounts']:,}",
                f"{cohort['revenue_before']:,.0f}",
                f"{cohort['revenue_after']:,.0f}",
                _signed_percent(cohort["growth"]),
                _signed_percent(cohort["median_growth"]),
                _percent(cohort["retention"]),
            )
        )
    write_table(ctx, table)
    return 0


def _signed_percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f} %"


# -- kam scorecard --------------------------------------------------------------------------


def write_table(ctx: Context, table: Sequence[Sequence[str]]) -> None:
    """Aligned plain-text columns (fast for 100,000 rows, unlike a rich table)."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        ctx.out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        ctx.out.write("\n")
