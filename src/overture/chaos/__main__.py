"""``python -m overture.chaos --minutes 10 --faults 30 [--rate R] [--seed N]``: one chaos run (``make chaos``),
its faults and its audit printed; exit 1 when any audit figure is not 0."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from types import FrameType

from overture.chaos.run import ChaosOptions, Outcome, run_chaos
from overture.load.report import ms


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m overture.chaos", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of load (default 10)")
    parser.add_argument("--faults", type=int, default=30, help="faults injected at random moments (default 30)")
    parser.add_argument(
        "--rate", type=float, default=4.0, help="orders a second offered (default 4: what 2 cores complete with faults)"
    )
    parser.add_argument("--seed", type=int, default=None, help="replay a run: faults, times and orders")
    parser.add_argument("--settle", type=float, default=300.0, help="seconds the hub may take to settle after")
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs even when the run passed")
    return parser


def report(outcome: Outcome) -> list[str]:
    """The faults injected, the load's figures and the audit, as printed after a run."""
    o = outcome.options
    out = [f"chaos run, seed {outcome.seed}: {o.minutes:g} min at {o.rate:g} orders/s offered"]
    out.append(f"  {'at':>7}  {'fault':<20} {'target':<24} detail")
    out += [f"  {f.at_s:>6.1f}s  {f.kind:<20} {f.target:<24} {f.detail}" for f in outcome.injected]
    kinds = Counter(f.kind for f in outcome.injected)
    out.append(f"faults injected: {len(outcome.injected)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    out += [f"  fault failed to inject: {error}" for error in outcome.inject_errors]
    out.append(
        f"load: {outcome.offered:,} orders offered ({outcome.offered / (o.minutes * 60):.1f}/s), "
        f"capture p50 {ms(outcome.capture_p50)} p95 {ms(outcome.capture_p95)}, {outcome.retries:,} retries of "
        f"lost answers, refused {outcome.refused or 'none'}, never answered {outcome.unanswered}"
    )
    settled = "NOT settled" if outcome.settled_in_s is None else f"settled {outcome.settled_in_s:.0f} s after the load"
    out.append(f"hub: {settled}")
    if outcome.audit is not None:
        out += ["audit:", outcome.audit.table()]
    out.append("PASS" if outcome.ok else f"FAIL (logs in {outcome.home})")
    return out


def _interrupted(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds through the deployment's finally: all stopped


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    options = ChaosOptions(args.minutes, args.faults, args.rate, args.seed, args.settle, args.keep)
    outcome = run_chaos(options)
    print("\n".join(report(outcome)), flush=True)
    if outcome.ok and not args.keep:
        shutil.rmtree(outcome.home, ignore_errors=True)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
