"""The operations dashboard: server-rendered pages (Jinja2) with htmx partial updates, served at ``/``."""
