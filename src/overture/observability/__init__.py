"""Observability: Prometheus metrics (``metrics``, ``collector``) and structured logs (``logs``).

``metrics`` only defines the process-wide instruments and imports nothing of Overture, so any
layer but ``domain`` may record into it; ``collector`` reads the store at scrape time.
"""
