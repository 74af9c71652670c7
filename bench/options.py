"""What every benchmark is given: sizes, repetitions, and where to work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_ACCOUNTS = 100_000
DEFAULT_LINES = 10_000_000
DEFAULT_SEED = 42
DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "var" / "bench"


@dataclass(frozen=True)
class BenchOptions:
    """The options of one ``python -m bench`` run."""

    directory: Path  # cached data, private homes, results
    stamp: str  # this run's timestamp, in the names of its home and results files
    accounts: int = DEFAULT_ACCOUNTS
    lines: int = DEFAULT_LINES
    seed: int = DEFAULT_SEED
    repeat: int = 1  # measured pairs (reference, kam), interleaved; the median is reported
    keep: bool = False  # keep the bulky outputs (ledger files, reference Parquet)

    @property
    def home(self) -> Path:
        """This run's private ``KAM_HOME`` root."""
        return self.directory / f"home-{self.stamp}"
