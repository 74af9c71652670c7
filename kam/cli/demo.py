"""`kam demo`: load the deterministic demo data set into an empty database."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING

from kam.cli.base import CommandFailed, Context, console
from kam.demo.defaults import DEFAULT_ACCOUNTS, DEFAULT_LINES, DEFAULT_SEED
from kam.demo.people import DEMO_PASSWORD

if TYPE_CHECKING:
    from kam.demo.generate import DemoSpec
    from kam.demo.services import DemoLoadResult, Progress

MAX_ACCOUNTS = 1_000_000
MAX_LINES = 20_000_000  # the generator needs about 250 bytes per line in memory
# The import refuses order dates before 1990; three years of history must fit after it.
EARLIEST_AS_OF = date(1993, 2, 1)


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser(
        "demo",
        help="load the deterministic demo data set into an empty database",
        description=(
            "Generate and load a realistic demo data set: accounts with groups of "
            "subsidiaries, three years of order lines ending with the last complete month "
            "before --as-of, demo users of every role (password printed at the end) and "
            "lead managers for the largest accounts. The same seed and as-of date give the "
            f"same data. Every demo user's password is {DEMO_PASSWORD!r}: for trying kam "
            "out only. Refuses to run on a database that already has accounts."
        ),
    )
    demo.add_argument(
        "--accounts",
        type=int,
        default=DEFAULT_ACCOUNTS,
        metavar="N",
        help=f"number of accounts (default {DEFAULT_ACCOUNTS})",
    )
    demo.add_argument(
        "--lines",
        type=int,
        default=DEFAULT_LINES,
        metavar="N",
        help=f"number of order lines (default {DEFAULT_LINES})",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"random seed (default {DEFAULT_SEED})",
    )
    demo.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the data set is generated for (default: today)",
    )
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (and succeed) when the database already has accounts",
    )
    demo.add_argument("--format", choices=("table", "json"), default="table")
    demo.set_defaults(handler=run_demo)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run_demo(args: argparse.Namespace, ctx: Context) -> int:
    from kam.demo.services import DemoLoadFailed, DemoRefused, demo_load

    spec = _spec(args)
    try:
        result = demo_load(spec=spec, if_empty=args.if_empty, progress=_progress(args, ctx))
    except DemoRefused as exc:
        raise CommandFailed(str(exc)) from None
    except DemoLoadFailed as exc:
        raise CommandFailed(str(exc)) from None
    if args.format == "json":
        ctx.out.write(json.dumps(result.as_dict(), indent=2) + "\n")
    elif not result.loaded:
        ctx.out.write(
            f"the database already has {result.existing_accounts} account(s): "
            "demo data not loaded\n"
        )
        _print_existing_demo_logins(ctx)
    else:
        _print_tables(result, ctx)
    return 0


def _spec(args: argparse.Namespace) -> DemoSpec:
    from kam.demo.generate import DemoSpec

    if not 10 <= args.accounts <= MAX_ACCOUNTS:
        raise CommandFailed(f"--accounts must be between 10 and {MAX_ACCOUNTS:,}")
    if not 100 <= args.lines <= MAX_LINES:
        raise CommandFailed(f"--lines must be between 100 and {MAX_LINES:,}")
    if args.seed < 0:
        raise CommandFailed("--seed must be zero or a positive whole number")
    as_of = args.as_of or date.today()
    if not EARLIEST_AS_OF <= as_of <= date.today():
        raise CommandFailed(f"--as-of must be between {EARLIEST_AS_OF.isoformat()} and today")
    return DemoSpec(as_of=as_of, accounts=args.accounts, lines=args.lines, seed=args.seed)


def _progress(args: argparse.Namespace, ctx: Context) -> Progress | None:
    """Stage names on standard error, when a person is watching a table output."""
    if args.format != "table" or not ctx.err.isatty():
        return None
    seen: set[str] = set()

    def show(stage: str, fraction: float) -> None:
        if stage not in seen:
            seen.add(stage)
            ctx.err.write(f"kam demo: {stage}…\n")
            ctx.err.flush()

    return show


def _print_tables(result: DemoLoadResult, ctx: Context) -> None:
    from rich.table import Table

    out = console(ctx)
    summary = Table(title="Demo data loaded", show_header=False)
    summary.add_column("what")
    summary.add_column("value", justify="right")
    period = f"{result.period_start} → {result.period_end}"
    for label, value in (
        ("accounts", f"{result.accounts:,}"),
        ("groups (accounts with subsidiaries)", f"{result.groups:,}"),
        ("order lines", f"{result.lines:,}"),
        ("period", period),
        ("revenue", f"{result.revenue:,.2f}"),
        ("users created", f"{result.users_created:,}"),
        ("leads a year ago (history: the largest accounts)", f"{result.assignments:,}"),
        ("score run in force (seed scorecard)", f"#{result.score_run}"),
        ("accounts in the key tier", f"{result.key_tier:,}"),
        ("assignment proposal applied (key accounts led)", f"#{result.proposal}"),
        ("seed / as of", f"{result.seed} / {result.as_of}"),
        ("time", f"{result.seconds:.1f} s"),
    ):
        summary.add_row(label, value)
    out.print(summary)

    logins = Table(title="Demo logins")
    for column in ("user", "role", "password", "note"):
        logins.add_column(column)
    for login in result.logins:
        password = login.password if login.password is not None else "(existing user, unchanged)"
        logins.add_row(login.username, login.role, password, login.note)
    out.print(logins)


def _print_existing_demo_logins(ctx: Context) -> None:
    """On a database loaded earlier by `kam demo`, remind which logins exist (`make run`
    prints them at every start)."""
    from django.contrib.auth.models import User

    from kam.demo.people import DEMO_PASSWORD, DEMO_USERS

    present = set(
        User.objects.filter(username__in=[d.username for d in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    if not present:
        return
    ctx.out.write(f"demo logins (password {DEMO_PASSWORD!r} unless changed since):\n")
    for demo in DEMO_USERS:
        if demo.username in present:
            ctx.out.write(f"  {demo.username:<16} {demo.role:<10} {demo.note}\n")
