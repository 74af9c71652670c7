"""`kam migrate` and `kam serve`: bring the database up to date, serve the web UI."""

from __future__ import annotations

import argparse

from django.core.management import call_command

from kam.cli.base import Context


def register(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser("migrate", help="create or update the database schema")
    migrate.set_defaults(handler=run_migrate)

    serve = commands.add_parser("serve", help="serve the web UI and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true", help="restart on code changes")
    serve.set_defaults(handler=run_serve)


def run_migrate(args: argparse.Namespace, ctx: Context) -> int:
    call_command("migrate", interactive=False, verbosity=0)
    ctx.out.write("database is up to date\n")
    return 0


def run_serve(args: argparse.Namespace, ctx: Context) -> int:
    call_command("runserver", f"{args.host}:{args.port}", use_reloader=args.reload)
    return 0
