"""The `kam` command. Thin: each sub-command parses its arguments and calls services.

Names and options are a contract (users' scripts depend on them). Every command has
``--help``, exits non-zero on failure with a one-line reason on standard error, and
never shows a traceback for a user error (``KAM_DEBUG=1`` shows it, for developers).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from kam.cli.base import CommandFailed, Context

# Each module adds its sub-commands to the parser; the order is the order of `kam --help`.
_COMMAND_MODULES = (
    "kam.cli.setup",
    "kam.cli.demo",
    "kam.cli.imports",
    "kam.cli.status",
    "kam.cli.check",
    "kam.cli.users",
    "kam.cli.scoring",
    "kam.cli.scorecards",
    "kam.cli.accounts",
    "kam.cli.assign",
    "kam.cli.engagement",  # engagement: channels and channel plans
    "kam.cli.kpis",  # kpis: the KPIs of a period
    "kam.cli.plans",  # plans: kam alerts refresh|digest|list
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="kam",
        description="kam — Key Account Management. Run `kam COMMAND --help` for details.",
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def _version() -> str:
    from kam import __version__

    return f"kam {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        import django

        django.setup()
        handler = args.handler
        code = handler(args, Context.from_environment())
        return int(code or 0)
    except CommandFailed as exc:
        print(f"kam {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # `kam status | head`: the reader left; say nothing more, like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"kam {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("KAM_DEBUG") == "1":
            raise
        from django.core.exceptions import ImproperlyConfigured
        from django.db import DatabaseError

        if isinstance(exc, ImproperlyConfigured | DatabaseError | OSError):
            print(f"kam {args.command}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            return 1
        raise


def run() -> None:
    """The `kam` console script: :func:`main`, then leave at once. Python's orderly
    shutdown (unloading Ibis, Polars, DuckDB and Django) costs 0.3 s per command and
    has nothing left to do: every command has closed what it opened, and the database
    connections are closed here."""
    code = main()
    # Settings never loaded (a usage error): nothing to close.
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
