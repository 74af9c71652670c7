"""Running a measured child process: wall time and the child's own peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Variables that would point a child at someone else's data: the bench sets its own.
_PRIVATE_VARIABLES = (
    "DATABASE_URL",
    "KAM_HOME",
    "KAM_TEST_HOME",
    "KAM_LEDGER_DIR",
    "KAM_LEDGER_URL",
    "DJANGO_SETTINGS_MODULE",
)

_LAUNCHER = Path(__file__).with_name("launch.py")
# ru_maxrss is in kilobytes on Linux, in bytes on macOS.
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class ChildRun:
    """One measured child process."""

    name: str
    argv: tuple[str, ...]
    seconds: float
    peak_rss_bytes: int
    returncode: int
    stdout_path: str
    stderr_path: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def stderr_tail(self, lines: int = 5) -> str:
        text = Path(self.stderr_path).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.strip().splitlines()[-lines:])

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["argv"] = list(self.argv)
        data["peak_rss_mib"] = round(self.peak_rss_bytes / 2**20, 1)
        return data


def kam_env(home: Path) -> dict[str, str]:
    """The environment of a `kam` child: this one, minus anything naming a database or
    a ledger, plus a private ``KAM_HOME`` and production-like settings (no DEBUG, which
    would keep every SQL query in memory)."""
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_VARIABLES}
    env.update(KAM_HOME=str(home), KAM_DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings.local")
    return env


def kam_argv(*args: str) -> tuple[str, ...]:
    """The `kam` command of this interpreter's environment."""
    return (sys.executable, "-m", "kam", *args)


def run_child(
    name: str, argv: Sequence[str], *, env: dict[str, str], logs: Path, cwd: Path | None = None
) -> ChildRun:
    """Run ``argv`` to completion and measure it. Its output goes to files in ``logs``
    (a pipe left unread could block it). It is started by :mod:`bench.launch`, which
    reaps it with ``os.wait4`` and so reads its own peak memory (see there why)."""
    logs.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = logs / f"{name}.out", logs / f"{name}.err"
    result_path = logs / f"{name}.measure.json"
    result_path.unlink(missing_ok=True)
    launcher = (
        sys.executable,
        "-I",
        "-S",
        str(_LAUNCHER),
        str(result_path),
        str(stdout_path),
        str(stderr_path),
        *argv,
    )
    process = subprocess.Popen(launcher, env=env, cwd=cwd)
    _, status, _ = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    if process.returncode != 0 or not result_path.exists():
        raise OSError(f"the bench launcher failed for {name} (exit {process.returncode})")
    measured = json.loads(result_path.read_text(encoding="utf-8"))
    return ChildRun(
        name=name,
        argv=tuple(argv),
        seconds=round(float(measured["seconds"]), 3),
        peak_rss_bytes=int(measured["ru_maxrss"]) * _RSS_UNIT,
        returncode=int(measured["returncode"]),
        stdout_path=str(stdout_path),
        stderr_path=str(stderr_path),
    )
