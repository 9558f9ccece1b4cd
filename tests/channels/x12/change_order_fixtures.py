"""An 850 and the 860s changing it, written for these tests (ACME, PO-7781, as fixtures.PO_850)."""

from __future__ import annotations

from tests.channels.x12.fixtures import PO_850

# The PO dated 2026-01-15, so that a BAK04 taken from the capture date would show.
PO = PO_850.replace("BEG*00*SA*PO-7781**20261123~", "BEG*00*SA*PO-7781**20260115~")


def change_860(pocs: list[str], *, version: str = "004010", control: str = "000000201", sequence: str = "1") -> str:
    """An 860 (ISA13 ``control``) with these POC loops (each a string of segments)."""
    isa12 = "00501" if version.startswith("005") else "00401"
    body = [f"BCH*04*SA*PO-7781**{sequence}*20260115*****20260120", "DTM*002*20260205", *pocs, f"CTT*{len(pocs)}"]
    segments = [f"ST*860*0001{'*' + version if version.startswith('005') else ''}", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    repetition = "^" if isa12 == "00501" else "U"
    head = (
        f"ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*OVERTURE       *260120*0930*{repetition}*{isa12}"
        f"*{control}*0*P*>~\nGS*PC*ACMEBUYER*OVERTURE*20260120*0930*{int(control)}*X*{version}~\n"
    )
    tail = f"GE*1*{int(control)}~\nIEA*1*{control}~\n"
    return head + "".join(s + "~\n" for s in segments) + tail


# Line 1 up from 2 cases to 3, line 2 deleted, a line 3 added (6 cases of ACME-002 at 36.00 a case).
CHANGES = [
    "POC*1*QI*3*2*CA*48.00**BP*ACME-001*VN*WIDGET-RED",
    "POC*2*DI*0*5*EA*3.25**BP*ACME-002",
    "POC*3*AI*6**CA*36.00**BP*ACME-002*UP*012345678905",
]
