"""Overture: an order orchestration hub for commerce."""

__version__ = "0.1.0"
