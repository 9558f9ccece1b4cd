"""The chaos harness's short form (CI): two minutes of load on 2 API + 2 worker processes and a dispatcher
on a PostgreSQL cluster of its own, eight faults (every kill, a PostgreSQL and a Temporal restart among
them), then the audit: nothing lost, duplicated, oversold or mismatched. ``make chaos`` is the long form."""

from __future__ import annotations

import shutil

import pytest

from overture.chaos.__main__ import report
from overture.chaos.run import ChaosOptions, run_chaos

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    shutil.which("initdb") is None or shutil.which("pg_ctl") is None, reason="initdb/pg_ctl not on PATH"
)
def test_two_minutes_of_load_through_eight_faults_lose_and_double_nothing() -> None:
    outcome = run_chaos(ChaosOptions(minutes=2, faults=8, rate=3, settle_s=150))
    printed = "\n".join(report(outcome))
    print(printed)
    assert {f.kind for f in outcome.injected} >= {"kill_api", "kill_worker", "pg_restart", "temporal_restart"}, printed
    assert outcome.audit is not None and outcome.audit.figure("accepted") > 200, printed
    assert outcome.ok, printed
    shutil.rmtree(outcome.home, ignore_errors=True)
