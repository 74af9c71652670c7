"""The deterministic demo data set: accounts and three years of order lines.

Same :class:`DemoSpec` (seed, sizes, as-of date) → the same frames, byte for byte, on
the same versions of NumPy and Polars. Django-free: the loader in
:mod:`kam.demo.services` stores the result through the import services, and the
benchmark writes it to CSV files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from kam.demo.accounts import MONTHS, accounts_draw
from kam.demo.defaults import DEFAULT_ACCOUNTS, DEFAULT_LINES, DEFAULT_SEED
from kam.demo.sales import sales_draw

# Bump whenever a change makes the generator produce different data for the same spec
# (the benchmark's cached files are regenerated when it changes).
GENERATOR_VERSION = "2"


@dataclass(frozen=True)
class DemoSpec:
    """What to generate: how many accounts and order lines, from which seed, and as of
    which day (the history ends with the last complete month before it)."""

    as_of: date
    accounts: int = DEFAULT_ACCOUNTS
    lines: int = DEFAULT_LINES
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.accounts < 1:
            raise ValueError("accounts: at least one account is needed")
        if self.lines < 0:
            raise ValueError("lines: cannot be negative")
        if self.seed < 0:
            raise ValueError("seed: must be zero or a positive whole number")

    @property
    def period(self) -> tuple[date, date]:
        """First and last day of the 36 complete months before ``as_of``'s month."""
        end = self.as_of.replace(day=1) - timedelta(days=1)
        months_back = end.year * 12 + end.month - MONTHS  # 0-based month count
        start = date(months_back // 12, months_back % 12 + 1, 1)
        return start, end


@dataclass(frozen=True)
class DemoData:
    """The generated data set: frames with the canonical import columns."""

    spec: DemoSpec
    accounts: pl.DataFrame  # external_id, name, parent_id, sector, country, …
    sales: pl.DataFrame  # account_id, order_id, order_date, product, category, …
    # accounts built to decline: their last 3 months' purchases collapse (the demo of the
    # revenue-drop alert; see kam.demo.accounts)
    declining: tuple[str, ...] = ()

    @property
    def period(self) -> tuple[date, date]:
        return self.spec.period


def demo_generate(spec: DemoSpec) -> DemoData:
    """Generate the demo data set described by ``spec``.

    Accounts and sales draw from separate random streams, so the accounts of a seed do
    not change with the number of lines."""
    start, _ = spec.period
    accounts = accounts_draw(_stream(spec.seed, "accounts"), spec.accounts)
    sales = sales_draw(_stream(spec.seed, "sales"), accounts, lines=spec.lines, first_month=start)
    declining = (
        tuple(accounts.frame["external_id"].filter(pl.Series(accounts.declining)).to_list())
        if accounts.declining is not None
        else ()
    )
    return DemoData(spec=spec, accounts=accounts.frame, sales=sales, declining=declining)


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per part of the data set (crc32 is stable across
    runs, unlike ``hash``)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
    )
