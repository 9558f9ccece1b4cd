"""Inbound adapters: each translates a channel's raw payload into a canonical command."""
