"""X12 850 parse throughput: Overture's reader beside pyx12's on the same generated file, same run.

Generates a file of 850 purchase orders (one interchange, one group, 3 to 12 PO1 lines per order,
with the N1/N3/N4, REF, DTM and PID segments real orders carry) of about ``--mb`` megabytes, then
times, each best of ``--repeat``:

- overture read: tokenize, split elements, check ISA/IEA, GS/GE and ST/SE pairs, counts and
  control numbers (``overture.channels.x12.envelope.read``);
- overture read + schema: the same, plus every transaction set checked against the 850 schema
  (segment order, loops, repeats, element types and lengths: what the 997 is built from);
- pyx12 X12Reader: pyx12's tokenizer, which splits segments into elements and checks the
  envelopes as it goes (the comparison the target is about);
- pyx12 RawX12File: pyx12's bare segment splitter, no elements, as a floor for reference.

Target: Overture's reader faster than pyx12's tokenizer (ratio > 1). Exit code 1 only if the
readers disagree on the number of segments or transaction sets.

    .venv/bin/python benchmarks/bench_x12.py            # 50 MB
    .venv/bin/python benchmarks/bench_x12.py --mb 5     # quicker
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from overture.channels.x12.ack997 import check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.writer import EnvelopeSpec, GroupDraft, Party, TransactionDraft, write_interchange

STATES = [("Edison", "NJ", "08817"), ("Reno", "NV", "89502"), ("Joliet", "IL", "60431"), ("Tracy", "CA", "95304")]


def purchase_order(n: int, rnd: random.Random) -> TransactionDraft:
    city, state, zip_code = rnd.choice(STATES)
    body: list[list[str]] = [
        ["BEG", "00", "SA", f"PO{n:09d}", "", "20261123"],
        ["CUR", "BY", "USD"],
        ["REF", "DP", f"{rnd.randint(1, 999):03d}"],
        ["DTM", "002", "20261130"],
        ["N1", "BY", "Acme Stores", "92", "ACME"],
        ["N1", "ST", f"Acme DC {n % 40}", "92", f"DC{n % 40}"],
        ["N3", f"{rnd.randint(1, 9999)} Warehouse Rd"],
        ["N4", city, state, zip_code, "US"],
    ]
    lines = rnd.randint(3, 12)
    for line in range(1, lines + 1):
        price = f"{rnd.randint(100, 99999) / 100:.2f}"
        sku = f"SKU-{rnd.randint(1, 10_000):05d}"
        body.append(["PO1", str(line), str(rnd.randint(1, 48)), "EA", price, "", "VN", sku, "UP", f"{n:012d}"])
        body.append(["PID", "F", "", "", "", f"Item {sku} description"])
    body.append(["CTT", str(lines)])
    return TransactionDraft("850", body)


def generate(megabytes: float, seed: int = 7) -> tuple[bytes, int]:
    rnd = random.Random(seed)
    spec = EnvelopeSpec(Party("ZZ", "ACMEBUYER"), Party("ZZ", "OVERTURE"))
    probe = [purchase_order(n, random.Random(n)) for n in range(50)]
    per_order = len(write_interchange(spec, 1, [GroupDraft("PO", 1, probe)], datetime.now(UTC))) / len(probe)
    count = max(1, int(megabytes * 1_000_000 / per_order))
    orders = [purchase_order(n, rnd) for n in range(count)]
    text = write_interchange(spec, 1, [GroupDraft("PO", 1, orders)], datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    return text.encode("ascii"), count


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def overture_read(data: bytes) -> int:
    document = read(data)
    assert not document.all_problems(), document.all_problems()[:3]
    return sum(len(t.segments) for _, _, t in document.transactions())


def overture_read_and_check(data: bytes) -> int:
    document = read(data)
    checked = check_document(document)
    problems = [p for c in checked for p in c.problems]
    assert not problems, problems[:3]
    return sum(len(c.transaction.segments) for c in checked)


def pyx12_reader(data: bytes) -> int:
    import pyx12.x12file  # type: ignore[import-untyped]

    reader = pyx12.x12file.X12Reader(io.StringIO(data.decode("ascii")))
    segments = 0
    in_set = False
    for segment in reader:
        tag = segment.get_seg_id()
        in_set = (in_set or tag == "ST") and tag != "GE"
        segments += in_set and tag not in ("GE",)
    return segments


def pyx12_raw(data: bytes) -> int:
    import pyx12.rawx12file  # type: ignore[import-untyped]

    return sum(1 for _ in pyx12.rawx12file.RawX12File(io.StringIO(data.decode("ascii"))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated file in megabytes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader; the best counts")
    args = parser.parse_args()

    print(f"generating about {args.mb:g} MB of 850s ...", flush=True)
    data, orders = generate(args.mb)
    megabytes = len(data) / 1_000_000
    print(f"file: {megabytes:.1f} MB, {orders:,} purchase orders (850), one interchange, one group\n")

    runs = [
        ("overture read", lambda: overture_read(data), args.repeat),
        ("overture read + schema", lambda: overture_read_and_check(data), args.repeat),
        ("pyx12 X12Reader", lambda: pyx12_reader(data), max(1, args.repeat - 2)),
        ("pyx12 RawX12File", lambda: pyx12_raw(data), args.repeat),
    ]
    results: dict[str, tuple[float, int]] = {}
    print(f"{'reader':<24} {'seconds':>8} {'MB/s':>8} {'850s/s':>10} {'segments':>11}")
    for name, run, repeat in runs:
        seconds, segments = best_of(repeat, run)
        results[name] = (seconds, segments)
        print(f"{name:<24} {seconds:>8.2f} {megabytes / seconds:>8.1f} {orders / seconds:>10,.0f} {segments:>11,}")

    ours, theirs = results["overture read"][0], results["pyx12 X12Reader"][0]
    ratio = theirs / ours
    print(f"\nratio        {ratio:.1f}x   Overture's reader over pyx12's tokenizer (X12Reader), same file, same run")
    checked = theirs / results["overture read + schema"][0]
    print(f"with schema  {checked:.1f}x   Overture reading and checking every set against its schema")
    print(f"target > 1x: {'PASS' if ratio > 1 else 'FAIL'}")
    counts = {results[n][1] for n in ("overture read", "overture read + schema", "pyx12 X12Reader")}
    if len(counts) != 1:
        print(f"readers disagree on the number of segments in transaction sets: {counts}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
