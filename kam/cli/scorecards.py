"""`kam scorecard`: list, show, validate, create and revise scorecards.

Acts as kam itself (every permission) unless ``--as USER`` names the person acting: the
same rules as the web UI then apply (only directors edit scorecards).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kam.cli.base import CommandFailed, Context
from kam.cli.scoring import acting_user, add_as_option, find_scorecard, one_line, write_table

if TYPE_CHECKING:
    from kam.scoring.models import Scorecard


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scorecard = commands.add_parser("scorecard", help="list, show, validate and create scorecards")
    actions = scorecard.add_subparsers(dest="scorecard_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every scorecard version")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(handler=run_scorecard_list)
    show = actions.add_parser(
        "show",
        help="print a scorecard's definition (JSON, the form `create` reads)",
        description="Print a scorecard version's definition as JSON (the form that "
        "`kam scorecard create` and `revise` read), or its criteria as a table.",
    )
    show.add_argument("name", metavar="NAME[:VERSION]")
    show.add_argument("--format", choices=["json", "table"], default="json")
    show.set_defaults(handler=run_scorecard_show)
    validate = actions.add_parser(
        "validate", help="check a definition file; print every problem, store nothing"
    )
    validate.add_argument("file", type=Path, metavar="FILE.json", help="'-' reads standard input")
    validate.set_defaults(handler=run_scorecard_validate)
    for verb, text in (
        ("create", "create a new scorecard (version 1, a draft) from a definition file"),
        ("revise", "make the next version of a scorecard (a draft) from a definition file"),
    ):
        parser = actions.add_parser(verb, help=text, description=text)
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("file", type=Path, metavar="FILE.json", help="'-' reads standard input")
        parser.add_argument("--description", default=None)
        add_as_option(parser)
        parser.set_defaults(handler=run_scorecard_create if verb == "create" else run_revise)


def run_scorecard_list(args: argparse.Namespace, ctx: Context) -> int:
    from kam.scoring.selectors import scorecard_list

    cards = list(scorecard_list(user=None))
    records = [
        {
            "name": card.name,
            "version": card.version,
            "status": card.status,
            "level": card.level,
            "criteria": len(card.definition.get("criteria", [])),
            "created_at": card.created_at.isoformat(),
            "applied_at": card.applied_at.isoformat() if card.applied_at else None,
        }
        for card in cards
    ]
    if args.format == "json":
        json.dump(records, ctx.out, indent=2)
        ctx.out.write("\n")
        return 0
    if not records:
        ctx.out.write("no scorecard yet: `kam score` creates the seed scorecard\n")
        return 0
    table = [("NAME", "VERSION", "STATUS", "LEVEL", "CRITERIA", "APPLIED")]
    for r in records:
        applied = str(r["applied_at"])[:10] if r["applied_at"] else "-"
        table.append(
            (
                str(r["name"]),
                str(r["version"]),
                str(r["status"]),
                str(r["level"]),
                str(r["criteria"]),
                applied,
            )
        )
    write_table(ctx, table)
    return 0


def run_scorecard_show(args: argparse.Namespace, ctx: Context) -> int:
    from kam.domain.features import FEATURES

    card = find_scorecard(args.name)
    if args.format == "json":
        json.dump(card.definition, ctx.out, indent=2, ensure_ascii=False)
        ctx.out.write("\n")
        return 0
    ctx.out.write(f"{card.name} v{card.version} ({card.status}, {card.level} level)\n")
    table = [("FEATURE", "LABEL", "WEIGHT", "NORMALISATION", "DIRECTION", "MISSING")]
    for c in card.definition.get("criteria", []):
        spec = FEATURES.get(c.get("feature", ""))
        table.append(
            (
                str(c.get("feature")),
                c.get("label") or (spec.label if spec else ""),
                f"{float(c.get('weight', 0)):g} %",
                str(c.get("normalisation")),
                str(c.get("direction", "higher")),
                str(c.get("missing", "zero")),
            )
        )
    write_table(ctx, table)
    return 0


def _read_definition(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` (``-``: standard input), or a failure naming where the
    file went wrong."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandFailed(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise CommandFailed(f"{path}: expected a JSON object (a scorecard definition)")
    return data


def run_scorecard_validate(args: argparse.Namespace, ctx: Context) -> int:
    from kam.domain.scorecard import ScorecardInvalid
    from kam.scoring.services import definition_parse

    data = _read_definition(args.file)
    try:
        definition_parse(data)
    except ScorecardInvalid as exc:
        for problem in exc.problems:
            ctx.err.write(f"kam scorecard validate: {args.file}: {problem}\n")
        return 1
    ctx.out.write(f"{args.file}: valid\n")
    return 0


def run_scorecard_create(args: argparse.Namespace, ctx: Context) -> int:
    from kam.scoring.services import scorecard_create

    data = _read_definition(args.file)
    user = acting_user(args)
    card = _write(
        lambda: scorecard_create(
            name=args.name, definition=data, user=user, description=args.description or ""
        )
    )
    ctx.out.write(f"created scorecard {card.name} v{card.version} (draft)\n")
    return 0


def run_revise(args: argparse.Namespace, ctx: Context) -> int:
    from kam.scoring.services import scorecard_revise

    data = _read_definition(args.file)
    user = acting_user(args)
    base = find_scorecard(args.name)
    card = _write(
        lambda: scorecard_revise(
            scorecard=base, definition=data, user=user, description=args.description
        )
    )
    ctx.out.write(f"created scorecard {card.name} v{card.version} (draft)\n")
    return 0


def _write(action: Any) -> Scorecard:
    """Run a scorecard write; its refusals become one-line failures."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from kam.domain.scorecard import ScorecardInvalid

    try:
        card: Scorecard = action()
    except PermissionDenied as exc:
        raise CommandFailed(str(exc)) from None
    except ValidationError as exc:
        raise CommandFailed(one_line(exc)) from None
    except ScorecardInvalid as exc:
        raise CommandFailed("; ".join(str(p) for p in exc.problems)) from None
    return card
