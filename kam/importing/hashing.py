"""The content hash that identifies an import: the same bytes imported with the same
options are the same batch, so importing them again stores nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB chunks (hashlib releases the GIL, so this
    runs alongside the Polars reader in another thread)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def frame_sha256(frame: pl.DataFrame) -> str:
    """sha256 of a frame's columns, types and values (stable for one Polars version, which
    is what idempotent re-runs of the demo generator need)."""
    digest = hashlib.sha256(json.dumps([[n, str(t)] for n, t in frame.schema.items()]).encode())
    if frame.height:
        digest.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return digest.hexdigest()


def content_hash(kind: str, data_sha256: str, options: dict[str, object]) -> str:
    """The batch identity: the data's hash plus the options that change what is stored
    (column mapping, date format, replaced period)."""
    canonical = json.dumps(
        {"kind": kind, "data": data_sha256, "options": options}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
