"""The deterministic demo data set of kam (``kam demo``; also the benchmark's input).

``generate`` and the modules it uses (``accounts``, ``sales``, ``catalogue``, ``people``,
``assign``) are Django-free: NumPy and Polars only. ``services`` loads a generated data
set into kam through the ordinary import, user and assignment services.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GENERATOR_VERSION", "DemoData", "DemoSpec", "demo_generate"]


def __getattr__(name: str) -> Any:
    """The generator's names, loaded on first use: the `kam` command imports this
    package for its defaults and must not pay for NumPy on every start."""
    if name in __all__:
        from kam.demo import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'kam.demo' has no attribute {name!r}")
