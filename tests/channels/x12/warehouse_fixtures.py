"""A 3PL's side for tests: a 945 Shipping Advice built from the 940 we sent it, as the 3PL would."""

from __future__ import annotations

from datetime import UTC, datetime

from overture.channels.x12.envelope import read
from overture.channels.x12.writer import (
    EnvelopeSpec,
    GroupDraft,
    Party,
    SegmentValues,
    TransactionDraft,
    write_interchange,
)

SHIPPED_AT = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
TRACKING = "1Z999AA10123456784"


def advice_945_from(
    text_940: str,
    *,
    sender: str = "THREEPL",
    short: dict[str, int] | None = None,
    depositor: str | None = None,
    icn: int = 301,
) -> str:
    """The 945 a 3PL answers our 940 with: every W01 line shipped, less ``short[sku]`` units."""
    (_, _, transaction) = next(read(text_940).transactions())
    body = [s.elements for s in transaction.body]
    w05 = next(s for s in body if s[0] == "W05")
    order_id = next(s[2] for s in body if s[:2] == ["N9", "CO"])
    ship_to = [s for s in body if s[0] in ("N1", "N3", "N4")][:3]
    segments: list[SegmentValues] = [
        ["W06", "N", depositor or w05[2], SHIPPED_AT.strftime("%Y%m%d"), "SHIP-1", "", w05[3] if len(w05) > 3 else ""],
        *ship_to,
        ["N9", "CO", order_id],
        ["G62", "11", SHIPPED_AT.strftime("%Y%m%d"), "8", SHIPPED_AT.strftime("%H%M")],
        ["W27", "M", "UPSN", "UPS Ground"],
    ]
    total, line_no = 0, 0
    for segment in body:
        if segment[0] == "LX":
            line_no = int(segment[1])
        elif segment[0] == "W01":
            ordered, sku = int(segment[1]), segment[5]
            shipped = ordered - (short or {}).get(sku, 0)
            total += shipped
            segments += [
                ["LX", str(line_no)],
                ["MAN", "CP", TRACKING],
                ["W12", "CC" if shipped == ordered else "CP", str(ordered), str(shipped), str(ordered - shipped),
                 "EA", "", "VN", sku],
            ]  # fmt: skip
    segments.append(["W03", str(total)])
    spec = EnvelopeSpec(Party("ZZ", sender), Party("ZZ", "OVERTURE"))
    return write_interchange(spec, icn, [GroupDraft("SW", icn, [TransactionDraft("945", segments)])], SHIPPED_AT)
