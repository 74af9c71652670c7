"""The columns of the sales ledger: one row per order line."""

from __future__ import annotations

import polars as pl

# Column order and types of every Parquet batch file. Amounts are in the company's
# currency; Float64 keeps the maths vectorised (sums are exact to the cent far beyond
# the sizes kam is built for).
LEDGER_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "order_id": pl.String(),
    "order_date": pl.Date(),
    "product": pl.String(),
    "category": pl.String(),
    "quantity": pl.Float64(),
    "amount": pl.Float64(),
    "margin": pl.Float64(),
}

LEDGER_COLUMNS: tuple[str, ...] = tuple(LEDGER_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the ledger's columns, in order, with the ledger's types;
    optional columns that are absent come back as nulls."""
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in LEDGER_SCHEMA.items()
        ]
    )
