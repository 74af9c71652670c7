"""Groups of accounts as a graph (each account points to its parent): finding cycles with
frame operations, in a number of steps that grows with log2 of the number of accounts.
"""

from __future__ import annotations

import polars as pl


def cycle_members(graph: pl.DataFrame) -> pl.Series:
    """The nodes that lie on a cycle. ``graph`` has one row per node: ``node`` and
    ``parent`` (null for a top-level group; a parent that is not a node counts as the
    end of the chain).

    Pointer doubling: after k joins each node knows its ancestor 2**k steps up, or null
    when its chain ends sooner; a chain still going after as many steps as there are
    nodes goes round a cycle. The nodes that merely lead into a cycle are then pruned:
    on a cycle, every node is the parent of another."""
    up = graph.select(pl.col("node"), pl.col("parent").alias("up"))
    steps = 1
    while steps < max(graph.height, 1):
        up = up.join(
            up.select(pl.col("node").alias("up"), pl.col("up").alias("further")),
            on="up",
            how="left",
        ).select("node", pl.col("further").alias("up"))
        steps *= 2
    endless = graph.filter(
        pl.col("node").is_in(up.filter(pl.col("up").is_not_null())["node"].implode())
    )
    while endless.height:
        on_cycle = endless.filter(pl.col("node").is_in(endless["parent"].implode()))
        if on_cycle.height == endless.height:
            break
        endless = on_cycle
    return endless["node"]
