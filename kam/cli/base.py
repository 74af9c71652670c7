"""What every `kam` sub-command shares: the failure type and the output context."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import IO

from rich.console import Console


class CommandFailed(Exception):
    """A user-facing failure: printed as one line on standard error, no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Context:
    """Where a command writes; tests give their own streams."""

    out: IO[str]
    err: IO[str]
    interactive: bool

    @classmethod
    def from_environment(cls) -> Context:
        return cls(out=sys.stdout, err=sys.stderr, interactive=sys.stdin.isatty())


def console(ctx: Context, *, stderr: bool = False) -> Console:
    """A rich console on the command's stream (progress bars, tables)."""
    return Console(file=ctx.err if stderr else ctx.out, soft_wrap=False)
