"""`kam import accounts PATH`, `kam import sales PATH` and `kam import contacts PATH`: thin
adapters over the import services (the same ones the upload page calls).

Exit codes: 0 stored (even with skipped rows), already imported, or a clean dry run;
1 rejected (nothing stored) or an unusable file; 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kam.cli.base import CommandFailed, Context, console

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from kam.importing.report import ImportResult

ERRORS_SHOWN = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help="import accounts, sales (order lines) or contacts from CSV, XLSX or Parquet",
        description="Import a file. Nothing is stored from a file with errors unless "
        "--skip-invalid is given; importing the same file twice stores it once.",
    )
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    accounts = kinds.add_parser(
        "accounts",
        help="create or update accounts (upsert by external id)",
        description="Columns: external_id, name (required), parent_id, sector, country, "
        "countries_of_operation, employees, market_share, spend_potential, strategic_fit, "
        "status (French or English headers). An absent column leaves stored values alone; "
        "an empty cell clears the value.",
    )
    sales = kinds.add_parser(
        "sales",
        help="add order lines to the sales ledger",
        description="Columns: account_id, order_id, order_date, product, quantity, amount "
        "(required), category, margin (French or English headers).",
    )
    contacts = kinds.add_parser(
        "contacts",
        help="create or update contacts of accounts (upsert by account and external id)",
        description="Columns: account_external_id, external_id, last_name (required), "
        "first_name, job_title, email, phone, buying_role, influence (1-5), attitude, "
        "reports_to_external_id, do_not_mail (yes/no, oui/non), left_on (French or English "
        "headers and values). An absent column leaves stored values alone; an empty cell "
        "clears the value, except attitude and do_not_mail, which it keeps. A committed "
        "import is recorded in the audit trail.",
    )
    for command in (accounts, sales, contacts):
        _common_options(command)
    sales.add_argument(
        "--replace-period",
        metavar="FROM:TO",
        type=_period,
        help="replace earlier lines dated FROM..TO (ISO dates) by this file's",
    )
    sales.add_argument(
        "--date-format",
        metavar="FORMAT",
        type=_date_format,
        help="read dates with this strftime format only, e.g. %%m/%%d/%%Y",
    )
    accounts.set_defaults(handler=run_import_accounts)
    sales.set_defaults(handler=run_import_sales)
    contacts.set_defaults(handler=run_import_contacts)
    # engagement: activities (interactions with accounts)
    activities = kinds.add_parser(
        "activities",
        help="create or update activities (upsert by external id)",
        description="Columns: external_id, account_external_id, channel (a code or a name "
        "of the catalogue), date (required), subject, outcome (none, reply, meeting, order, "
        "lost; French words too), cost (default: the channel's unit cost), order_amount "
        "(with the outcome order), order_reference, contacts (contact external ids of the "
        "account, separated by |). French or English headers.",
    )
    _common_options(activities)
    activities.add_argument(
        "--date-format",
        metavar="FORMAT",
        type=_date_format,
        help="read dates with this strftime format only, e.g. %%m/%%d/%%Y",
    )
    activities.set_defaults(handler=run_import_activities)


def _common_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("path", type=Path, metavar="PATH", help="the file to import")
    command.add_argument(
        "--map",
        action="append",
        type=_mapping,
        default=[],
        metavar="CANONICAL=COLUMN",
        help="read a canonical column from this file column (repeatable)",
    )
    command.add_argument(
        "--skip-invalid", action="store_true", help="store the valid rows and report the others"
    )
    command.add_argument(
        "--dry-run", action="store_true", help="validate and report; store nothing"
    )
    command.add_argument(
        "--errors-out",
        type=Path,
        metavar="PATH",
        help="write every error to this file (.csv, or .xlsx)",
    )
    command.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json prints the import result as JSON",
    )
    command.add_argument(
        "--progress",
        action="store_true",
        help="show a progress bar even when stderr is not a terminal",
    )
    command.add_argument(
        "--as", dest="as_user", metavar="USERNAME", help="import as this user (must be a director)"
    )
    command.add_argument(
        "--source-name",
        metavar="NAME",
        help="the name recorded for the batch (default: the file name)",
    )


# -- argument types (ArgumentTypeError makes argparse exit with code 2) ---------------------


def _mapping(text: str) -> tuple[str, str]:
    canonical, sep, source = text.partition("=")
    if not sep or not canonical.strip() or not source.strip():
        raise argparse.ArgumentTypeError(f"expected CANONICAL=COLUMN, got {text!r}")
    return canonical.strip(), source.strip()


def _period(text: str) -> tuple[date, date]:
    start_text, sep, end_text = text.partition(":")
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected FROM:TO as ISO dates (2024-01-01:2024-03-31), got {text!r}"
        ) from None
    if not sep or start > end:
        raise argparse.ArgumentTypeError(f"the period {text!r} ends before it starts")
    return start, end


def _date_format(text: str) -> str:
    if "%" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a strftime format (e.g. %d/%m/%Y)")
    return text


# -- handlers ----------------------------------------------------------------------------


def run_import_sales(args: argparse.Namespace, ctx: Context) -> int:
    from kam.sales.services import sales_import

    return _run(
        args,
        ctx,
        lambda progress: sales_import(
            path=_existing(args.path),
            user=_user(args.as_user),
            source_name=args.source_name,
            column_map=_column_map(args.map),
            skip_invalid=args.skip_invalid,
            replace_period=args.replace_period,
            date_format=args.date_format,
            progress=progress,
            dry_run=args.dry_run,
        ),
    )


def run_import_accounts(args: argparse.Namespace, ctx: Context) -> int:
    from kam.accounts.services import accounts_import

    return _run(
        args,
        ctx,
        lambda progress: accounts_import(
            path=_existing(args.path),
            user=_user(args.as_user),
            source_name=args.source_name,
            column_map=_column_map(args.map),
            skip_invalid=args.skip_invalid,
            progress=progress,
            dry_run=args.dry_run,
        ),
    )


def run_import_contacts(args: argparse.Namespace, ctx: Context) -> int:
    from kam.accounts.contacts.imports import contacts_import

    return _run(
        args,
        ctx,
        lambda progress: contacts_import(
            path=_existing(args.path),
            user=_user(args.as_user),
            source_name=args.source_name,
            column_map=_column_map(args.map),
            skip_invalid=args.skip_invalid,
            progress=progress,
            dry_run=args.dry_run,
        ),
    )


def run_import_activities(args: argparse.Namespace, ctx: Context) -> int:  # engagement
    from kam.engagement.activity_import import activities_import

    return _run(
        args,
        ctx,
        lambda progress: activities_import(
            path=_existing(args.path),
            user=_user(args.as_user),
            source_name=args.source_name,
            column_map=_column_map(args.map),
            skip_invalid=args.skip_invalid,
            date_format=args.date_format,
            progress=progress,
            dry_run=args.dry_run,
        ),
    )


def _run(
    args: argparse.Namespace,
    ctx: Context,
    call: Callable[[Callable[[str, float], None] | None], ImportResult],
) -> int:
    from django.core.exceptions import PermissionDenied

    from kam.importing.report import ImportOutcome

    try:
        with _progress_bar(ctx, forced=args.progress) as progress:
            result = call(progress)
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    if args.errors_out is not None:
        _write_errors(result, args.errors_out)
    if args.format == "json":
        ctx.out.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_errors(result, ctx)
        ctx.out.write(result.summary() + "\n")
    return 1 if result.outcome is ImportOutcome.REJECTED else 0


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise CommandFailed(f"no such file: {path}")
    return path


def _column_map(pairs: list[tuple[str, str]]) -> dict[str, str] | None:
    mapping: dict[str, str] = {}
    for canonical, source in pairs:
        if canonical in mapping:
            raise CommandFailed(f"--map gives {canonical} twice", exit_code=2)
        mapping[canonical] = source
    return mapping or None


def _user(username: str | None) -> AbstractBaseUser | None:
    if username is None:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandFailed(f"no user named {username!r}")
    return user


@contextmanager
def _progress_bar(ctx: Context, *, forced: bool) -> Iterator[Callable[[str, float], None] | None]:
    """A rich progress bar on stderr, when stderr is a terminal or ``--progress``."""
    if not (forced or ctx.err.isatty()):
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console(ctx, stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=100)

        def report(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=round(fraction * 100))

        yield report


def _write_errors(result: ImportResult, path: Path) -> None:
    from kam.importing.errors import no_errors, write_errors

    try:
        write_errors(result.error_table if result.error_table is not None else no_errors(), path)
    except OSError as exc:
        raise CommandFailed(f"cannot write the errors to {path}: {exc.strerror}") from None


def _print_errors(result: ImportResult, ctx: Context) -> None:
    """The first errors as a table; values are shown as text, never as rich markup or
    terminal control codes (a hostile file could hold either)."""
    if not result.errors:
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{result.errors_total} error(s) in {_shown(result.source_name)}")
    for heading in ("Row", "Column", "Value", "Reason"):
        table.add_column(heading, overflow="fold")
    for error in result.errors[:ERRORS_SHOWN]:
        table.add_row(
            Text("" if error.row is None else str(error.row)),
            Text(_shown(error.column)),
            Text(_shown(error.value)),
            Text(_shown(error.reason)),
        )
    out = console(ctx)
    out.print(table)
    more = result.errors_total - min(len(result.errors), ERRORS_SHOWN)
    if more > 0:
        out.print(Text(f"… and {more} more (--errors-out FILE writes them all)"))


def _shown(text: str | None) -> str:
    if text is None:
        return ""
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= 80 else text[:79] + "…"
