"""The sales ledger: order lines stored as Parquet batches and queried with Ibis.

The rest of kam talks to :class:`ParquetLedger` through this package only, so that a
later change can point the ledger at PostgreSQL, Spark or a warehouse (``KAM_LEDGER_URL``).
"""

from kam.ledger.schema import LEDGER_COLUMNS, LEDGER_SCHEMA
from kam.ledger.store import LedgerBatch, ParquetLedger

__all__ = ["LEDGER_COLUMNS", "LEDGER_SCHEMA", "LedgerBatch", "ParquetLedger"]
