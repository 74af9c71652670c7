"""`kam user add`, `kam user list` and `kam token`: people and their API tokens."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from kam.cli.base import CommandFailed, Context
from kam.core.roles import CLI_ROLES

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError

# Options that only make sense for managers (KAM and GAM): they go on the profile.
_MANAGER_OPTIONS = ("capacity", "sectors", "languages", "countries", "reports_to")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="add and list users")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="create a user with one role",
        description=(
            "Create a user with one role. The password is read from standard input with "
            "--password-stdin (first line), otherwise generated and printed once. "
            "Directors may also use the Django admin (/admin/)."
        ),
    )
    add.add_argument("name", help="the login name")
    add.add_argument("--role", required=True, choices=list(CLI_ROLES))
    add.add_argument("--email", default="")
    add.add_argument("--capacity", type=_capacity, help="kam/gam: workload budget (default 8)")
    add.add_argument("--sectors", type=_text_list, help="kam/gam: comma-separated sectors")
    add.add_argument(
        "--languages", type=_code_list(str.lower), help="kam/gam: ISO 639-1 codes, e.g. fr,en"
    )
    add.add_argument(
        "--countries", type=_code_list(str.upper), help="kam/gam: ISO 3166-1 codes, e.g. FR,DE"
    )
    add.add_argument("--reports-to", metavar="USER", help="kam/gam: their team lead")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=run_user_add)

    listing = actions.add_parser(
        "list",
        help="list users with their role and capacity",
        description=(
            "List users, sorted by name. With --format json, a list of objects with the keys "
            "name, role (the --role name; several joined by commas; 'superuser' for a "
            "superuser without a role), kind (KAM, GAM or null), capacity (number or null) "
            "and active (false for a deactivated user)."
        ),
    )
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(handler=run_user_list)

    token = commands.add_parser(
        "token",
        help="print a user's API token",
        description=(
            "Print the API token of a user (created on first use; the same token "
            "afterwards). Send it as `Authorization: Token <token>`."
        ),
    )
    token.add_argument("name", help="the user's login name")
    token.set_defaults(handler=run_token)


# -- argument types: malformed values are usage errors (exit 2) naming the option ------


def _capacity(value: str) -> Decimal:
    try:
        capacity = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not capacity.is_finite():
        raise argparse.ArgumentTypeError(f"not a number: {value!r}")
    return capacity


def _text_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _code_list(normalise: Callable[[str], str]) -> Callable[[str], list[str]]:
    """Two-letter codes, written the way the rest of kam stores them (accounts keep
    countries upper-case), so that matching a manager to an account works."""

    def parse(value: str) -> list[str]:
        codes = [normalise(item) for item in _text_list(value)]
        bad = [code for code in codes if not re.fullmatch(r"[A-Za-z]{2}", code)]
        if bad:
            raise argparse.ArgumentTypeError(f"not two-letter codes: {', '.join(bad)}")
        return sorted(set(codes))

    return parse


# -- handlers ---------------------------------------------------------------------------


def run_user_add(args: argparse.Namespace, ctx: Context) -> int:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from kam.core.services import user_create

    if CLI_ROLES[args.role][1] is None:
        given = [
            f"--{o.replace('_', '-')}" for o in _MANAGER_OPTIONS if getattr(args, o) is not None
        ]
        if given:
            raise CommandFailed(f"{', '.join(given)}: only for --role kam or gam", exit_code=2)

    reports_to = None
    if args.reports_to:
        reports_to = get_user_model().objects.filter(username=args.reports_to).first()
        if reports_to is None:
            raise CommandFailed(f"--reports-to: no user named {args.reports_to!r}")

    password = None
    if args.password_stdin:
        password = _password_from_stdin()

    try:
        user, password = user_create(
            username=args.name,
            role=args.role,
            password=password,
            email=args.email,
            capacity=args.capacity,
            sectors=args.sectors,
            languages=args.languages,
            countries=args.countries,
            reports_to=reports_to,
        )
    except ValidationError as exc:
        raise CommandFailed(_one_line(exc)) from None
    ctx.out.write(f"created {args.role} {user.get_username()}\n")
    if not args.password_stdin:
        ctx.out.write(f"password: {password}\n")
        ctx.err.write("(shown once: keep it somewhere safe)\n")
    return 0


def run_user_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.core.selectors import user_rows

    rows = user_rows()
    if args.format == "json":
        records = [
            {
                "name": row.name,
                "role": row.role,
                "kind": row.kind,
                "capacity": float(row.capacity) if row.capacity is not None else None,
                "active": row.active,
            }
            for row in rows
        ]
        json.dump(records, ctx.out, indent=2)
        ctx.out.write("\n")
        return 0
    table = [("NAME", "ROLE", "KIND", "CAPACITY")]
    for row in rows:
        capacity = f"{float(row.capacity):g}" if row.capacity is not None else "-"
        name = row.name if row.active else f"{row.name} (inactive)"
        table.append((name, row.role or "-", row.kind or "-", capacity))
    widths = [max(len(cells[i]) for cells in table) for i in range(4)]
    for cells in table:
        ctx.out.write("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        ctx.out.write("\n")
    return 0


def run_token(args: argparse.Namespace, ctx: Context) -> int:
    from django.contrib.auth import get_user_model

    from kam.core.services import user_token

    try:
        token = user_token(username=args.name)
    except get_user_model().DoesNotExist:
        raise CommandFailed(f"no user named {args.name!r}") from None
    ctx.out.write(f"{token}\n")
    return 0


def _password_from_stdin() -> str:
    """The first line of standard input, without its line ending (so `echo pw |` and a
    password file both work); spaces inside are kept, they may be part of it. Typed at a
    terminal, it is not echoed."""
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandFailed("--password-stdin: standard input gave no password")
    return password


def _one_line(exc: ValidationError) -> str:
    """A ValidationError as one line that names the field: `username: a user named ...`."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
