"""Outbound adapters to outside systems (WMS/3PL, ERP, notifications), each with an injectable transport."""
