"""Cycles in groups of accounts, found with frame operations."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from kam.importing.hierarchy import cycle_members


def graph(edges: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"node": list(edges), "parent": list(edges.values())},
        schema={"node": pl.String, "parent": pl.String},
    )


def test_a_tree_has_no_cycle():
    assert cycle_members(graph({"A": None, "B": "A", "C": "B", "D": "A"})).to_list() == []


def test_the_nodes_on_a_cycle_but_not_those_leading_into_it():
    # given A -> B -> C -> B, and D -> A (D and A lead into the cycle B <-> C)
    found = cycle_members(graph({"A": "B", "B": "C", "C": "B", "D": "A"}))
    assert sorted(found.to_list()) == ["B", "C"]


def test_a_self_loop_is_a_cycle():
    assert cycle_members(graph({"A": "A"})).to_list() == ["A"]


def test_a_long_chain_is_not_a_cycle_and_its_closed_version_is():
    chain = {f"N{i}": (f"N{i - 1}" if i else None) for i in range(1000)}
    assert cycle_members(graph(chain)).len() == 0
    chain["N0"] = "N999"
    assert cycle_members(graph(chain)).len() == 1000


@given(st.lists(st.integers(min_value=-1, max_value=14), min_size=1, max_size=15))
def test_matches_walking_each_chain(parents):
    # given a random functional graph (-1 = no parent; out-of-range = unknown parent)
    edges = {str(i): (str(p) if 0 <= p < len(parents) else None) for i, p in enumerate(parents)}
    # then the cycle members are the nodes a walk from themselves comes back to
    expected = set()
    for start in edges:
        node, steps = edges[start], 0
        while node is not None and steps <= len(edges):
            if node == start:
                expected.add(start)
                break
            node, steps = edges[node], steps + 1
    assert set(cycle_members(graph(edges)).to_list()) == expected
