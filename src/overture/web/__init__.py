"""What the JSON API (``api/``) and the dashboard (``ui/``) share over HTTP: who is calling and what
they may do (auth), the request's container and workflow client (deps), error bodies, JSON
responses and request metrics. ``api`` and ``ui`` never import each other; both import this, and
``overture/app.py`` puts the three together."""
