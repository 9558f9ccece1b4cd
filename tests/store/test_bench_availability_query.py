"""benchmarks/bench_availability_query.py at 2,000 SKUs, so the script cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

from overture.store.engine import make_engine, normalise_url

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_availability_query.py"
SKUS = 2_000


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("bench_availability_query", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    sys.path.insert(0, str(SCRIPT.parent))  # as when run as a script: it imports bench_common
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_sqlite_store_is_built_once_then_reused(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bench" / "availability.db"
    built = bench.build_sqlite(path, SKUS)
    assert not built.reused
    assert built.counts == (SKUS, 10, SKUS * 10)
    again = bench.build_sqlite(path, SKUS)
    assert again.reused
    assert again.counts == built.counts


def test_sqlite_store_of_another_size_is_rebuilt(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "availability.db"
    bench.build_sqlite(path, 100)
    rebuilt = bench.build_sqlite(path, 120)
    assert not rebuilt.reused
    assert rebuilt.counts == (120, 10, 1_200)


def test_measure_reads_through_the_store_and_checks_every_figure(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "availability.db"
    bench.build_sqlite(path, SKUS)
    engine = make_engine(f"sqlite:///{path}")
    try:
        latencies = bench.measure(engine, SKUS, queries=200, warmup=10, rng=random.Random(1))
        assert len(latencies.query_ms) == len(latencies.uow_ms) == 200
        assert 200 <= latencies.skus_read <= 1_000
        assert all(0 < q <= u for q, u in zip(latencies.query_ms, latencies.uow_ms, strict=True))
        assert latencies.seconds > 0
        assert "sqlite_autoindex_inventory_positions_1" in " ".join(bench.plan(engine))
        # A figure the store gets wrong fails the bench rather than giving it a latency.
        with engine.begin() as c:
            c.execute(sa.text("UPDATE inventory_positions SET on_hand = on_hand + 1 WHERE location_id = 'EWR'"))
        with pytest.raises(bench.BenchFailure, match="at EWR"):
            bench.measure(engine, SKUS, queries=100, warmup=0, rng=random.Random(1))
    finally:
        engine.dispose()


def test_main_reports_figures_and_exits_0(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OVERTURE_HOME", str(tmp_path))
    assert bench.main(["--skus", str(SKUS), "--queries", "100", "--warmup", "10", "--skip-pg"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "bench" / f"availability_{SKUS}.db").exists()
    assert f"{SKUS:,} SKUs, 10 locations, {SKUS * 10:,} positions" in out
    assert "sqlite: availability query     p50" in out
    assert "(target p99 < 10 ms): PASS" in out or "(target p99 < 10 ms): FAIL" in out
    assert "process RSS" in out
    assert "postgresql skipped: --skip-pg" in out


@pytest.fixture
def pg_server() -> Iterator[sa.URL]:
    url = os.environ.get("OVERTURE_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL tests skipped: set OVERTURE_TEST_PG_URL")
    yield normalise_url(url)


@pytest.mark.postgres
def test_postgresql_schema_is_built_by_copy_then_reused(bench: ModuleType, pg_server: sa.URL) -> None:
    schema = f"bench_availability_test_{uuid.uuid4().hex[:8]}"
    try:
        built = bench.build_pg(pg_server, schema, SKUS)
        assert not built.reused
        assert built.counts == (SKUS, 10, SKUS * 10)
        assert bench.build_pg(pg_server, schema, SKUS).reused
        engine = make_engine(bench.pg_schema_url(pg_server, schema))
        try:
            latencies = bench.measure(engine, SKUS, queries=100, warmup=10, rng=random.Random(2))
            assert len(latencies.query_ms) == 100
            assert "inventory_positions" in bench.pg_size(engine)
        finally:
            engine.dispose()
    finally:
        admin = sa.create_engine(pg_server)
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
