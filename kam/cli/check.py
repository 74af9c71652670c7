"""`kam check`: compare the sales ledger's files with the committed import batches.

Orphan files (left by an interrupted import) are removed unless ``--dry-run``; a
committed batch whose file is missing is lost data: reported, exit code 1.
"""

from __future__ import annotations

import argparse
import json

from kam.cli.base import Context


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check", help="check the sales ledger's files; remove orphans of interrupted imports"
    )
    check.add_argument(
        "--dry-run", action="store_true", help="report orphan files without removing them"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace, ctx: Context) -> int:
    from kam.sales.services import ledger_check
    from kam.scoring.services import score_runs_interrupted
    from kam.scoring.storage import explanation_files_check

    report = ledger_check(clean=not args.dry_run)
    # score runs keep their per-account explanations in KAM_HOME/runs/
    explanations = explanation_files_check()
    if not args.dry_run:
        for path in explanations.orphans:
            path.unlink(missing_ok=True)
    lost_runs = [run.pk for run in explanations.missing]
    # score runs left "running" by a process that stopped are marked failed
    interrupted = [] if args.dry_run else score_runs_interrupted()
    if args.format == "json":
        data = report.as_dict()
        data["explanations"] = {
            "orphans": [path.name for path in explanations.orphans],
            "missing_runs": lost_runs,
        }
        data["interrupted_score_runs"] = interrupted
        ctx.out.write(json.dumps(data, indent=2) + "\n")
    else:
        ctx.out.write(f"ledger: {report.committed} committed batch(es)\n")
        verb = "would remove (dry run)" if args.dry_run else "removed"
        for name in report.orphans:
            ctx.out.write(f"orphan file {name}: {verb}\n")
        for batch_id, name in report.missing:
            ctx.out.write(f"MISSING: batch #{batch_id} has lost its file {name}\n")
        for path in explanations.orphans:
            ctx.out.write(f"orphan explanation file {path.name}: {verb}\n")
        for run_id in lost_runs:
            ctx.out.write(f"MISSING: score run #{run_id} has lost its explanation file\n")
        for run_id in interrupted:
            ctx.out.write(f"score run #{run_id} was interrupted: marked failed\n")
        ctx.out.write(
            f"{len(report.orphans)} orphan file(s) {verb if report.orphans else 'found'}, "
            f"{len(report.missing)} missing file(s)\n"
        )
    failed = False
    if not report.ok:
        ctx.err.write(
            f"kam check: {len(report.missing)} committed batch(es) have lost their file; "
            "restore them from a backup\n"
        )
        failed = True
    if lost_runs:
        ctx.err.write(
            f"kam check: {len(lost_runs)} score run(s) have lost their explanation file "
            "(KAM_HOME/runs/); restore it from a backup or score again\n"
        )
        failed = True
    return 1 if failed else 0
