"""kam's benchmarks, run with ``python -m bench`` (``make bench``); not part of the tests.

Each benchmark is one module of this package listed in :data:`BENCHMARKS`, with a
``NAME``, a one-line ``DESCRIPTION`` and ``run(options, out) -> dict`` returning
JSON-ready results that include ``"passed"`` (whether its targets were met). Every
measured step runs as a child process with a private ``KAM_HOME`` under the bench
folder, so a benchmark never touches the instance a developer works with.
"""

from __future__ import annotations

# name → module; ``python -m bench NAME`` runs one, no name runs them all in this order.
BENCHMARKS: dict[str, str] = {
    "import": "bench.imports",
    "scoring": "bench.scoring",
    "assignment": "bench.assignment_timing",
    "kpis": "bench.kpis",  # kpis: company KPIs vs Polars, the cached dashboard
}
