"""``overture load``: an open-loop load generator that speaks to a hub over HTTP only.

mix.py (the mix file, validated by field), orders.py (master data and order bodies from the demo's
catalogue), runner.py (the open-loop schedule, bounded concurrency, follow-ups), tracker.py (orders
followed to shipped and completed), report.py (percentiles, rates, errors), chart.py (the HTML page),
drive.py (one whole run). It imports the domain, the demo's sample data and reference data, never the
store or the API: what it measures is what any client of the hub would see.
"""
