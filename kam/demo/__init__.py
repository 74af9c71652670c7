"""The deterministic demo data set of kam (``kam demo``; also the benchmark's input).

``generate`` and the modules it uses (``accounts``, ``sales``, ``catalogue``, ``people``,
``assign``) are Django-free: NumPy and Polars only. ``services`` loads a generated data
set into kam through the ordinary import, user and assignment services.
"""

from kam.demo.generate import GENERATOR_VERSION, DemoData, DemoSpec, demo_generate

__all__ = ["GENERATOR_VERSION", "DemoData", "DemoSpec", "demo_generate"]
