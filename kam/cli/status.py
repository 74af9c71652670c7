"""`kam status`: what this kam instance holds and where it keeps it."""

from __future__ import annotations

import argparse
import json

from kam.cli.base import CommandFailed, Context

STATUS_HELP = """\
Show where this instance keeps its data and how much it holds.

With --format json, one object with these keys (a stable contract for scripts):
  kam_home          folder of the instance's local state (KAM_HOME)
  database          {"engine": "sqlite" | "postgresql" | ..., "name": database name or file}
  ledger            {"path": folder of the Parquet ledger,
                     "order_lines": number of order lines, or null if unreadable,
                     "error": why the ledger could not be read, or null}
  accounts          number of accounts
  groups            number of accounts that have subsidiaries
  import_batches    {"committed": n, "rejected": n}
  users             {"total": n, "director": n, "kam": n, "gam": n, "marketing": n,
                     "analyst": n}
"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser(
        "status",
        help="what this instance holds: accounts, order lines, imports, users",
        description=STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("--format", choices=["table", "json"], default="table")
    status.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    from django.db import DatabaseError

    from kam.core.selectors import instance_status

    try:
        status = instance_status()
    except DatabaseError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise CommandFailed(
            f"cannot read the database ({first_line}); has `kam migrate` been run?"
        ) from exc
    report = {
        "kam_home": str(status.kam_home),
        "database": {"engine": status.database_engine, "name": status.database_name},
        "ledger": {
            "path": str(status.ledger_path),
            "order_lines": status.order_lines,
            "error": status.ledger_error,
        },
        "accounts": status.accounts,
        "groups": status.groups,
        "import_batches": {
            "committed": status.batches_committed,
            "rejected": status.batches_rejected,
        },
        "users": {"total": status.users_total, **status.users_by_role},
    }
    if args.format == "json":
        json.dump(report, ctx.out, indent=2)
        ctx.out.write("\n")
        return 0
    order_lines = (
        f"{status.order_lines:,}"
        if status.order_lines is not None
        else f"unreadable ({status.ledger_error}); run `kam check`"
    )
    roles = ", ".join(f"{n} {role}" for role, n in status.users_by_role.items())
    lines = [
        ("home", str(status.kam_home)),
        ("database", f"{status.database_engine} {status.database_name}"),
        ("ledger", str(status.ledger_path)),
        ("accounts", f"{status.accounts:,}"),
        ("groups", f"{status.groups:,}"),
        ("order lines", order_lines),
        (
            "imports",
            f"{status.batches_committed:,} committed, {status.batches_rejected:,} rejected",
        ),
        ("users", f"{status.users_total:,} ({roles})"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        ctx.out.write(f"{label:<{width}}  {value}\n")
    return 0
