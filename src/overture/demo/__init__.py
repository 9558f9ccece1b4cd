"""``overture demo``: the hub on its embedded defaults with sample data, orders placed through the
API, an operator working the queue, and a summary.

One module per concern: run.py (the run, start to end), data.py (sample warehouses, catalogue,
stock and orders), keys.py (the demo's API keys), loop.py (the hub it runs: API, worker,
engine, simulators), operator.py (the operator resolving exceptions), report.py (the summary).
"""

from __future__ import annotations

from overture.demo.report import DemoSummary
from overture.demo.run import DemoOptions, run_demo

__all__ = ["DemoOptions", "DemoSummary", "run_demo"]
