"""What several benchmarks share: the real places they put warehouses at, and finding a PostgreSQL
server to measure on. Imported by the bench scripts as ``bench_common`` (Python puts a script's own
folder first on ``sys.path``)."""

from __future__ import annotations

import sqlalchemy as sa

from overture.store.engine import normalise_url

# Real places, so routing distances mean something: (id, name, zip, lat, lon).
LOCATIONS = [
    ("EWR", "Newark NJ", "07102", 40.7357, -74.1736),
    ("BOS", "Boston MA", "02210", 42.3467, -71.0405),
    ("ATL", "Atlanta GA", "30303", 33.7525, -84.3915),
    ("MIA", "Miami FL", "33142", 25.8128, -80.2384),
    ("ORD", "Chicago IL", "60607", 41.8721, -87.6578),
    ("DFW", "Dallas TX", "75201", 32.7876, -96.7994),
    ("DEN", "Denver CO", "80216", 39.7837, -104.9673),
    ("PHX", "Phoenix AZ", "85043", 33.4350, -112.1985),
    ("LAX", "Los Angeles CA", "90021", 34.0290, -118.2379),
    ("SEA", "Seattle WA", "98108", 47.5462, -122.3034),
]


def pg_server(url: str | None) -> tuple[sa.URL | None, str]:
    """The server URL if it answers, else None and why not."""
    if not url:
        return None, "OVERTURE_BENCH_PG_URL is not set"
    server = normalise_url(url)
    try:
        engine = sa.create_engine(server, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure means the server is not usable
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:160]
        return None, f"no server answers at {server.render_as_string()} ({type(error).__name__}: {detail})"
    return server, ""
