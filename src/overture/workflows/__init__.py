"""Durable order workflows on Temporal: the embedded dev server, workers and workflow definitions."""
