"""X12 a drop-ship supplier (SUPPLYCO) sends back about our 850: written by hand for these tests.

Each is a template: ``{po}`` is our PO number (BEG03 of the 850 we sent), which the answers echo.
"""

from __future__ import annotations

_ISA = "ISA*00*          *00*          *ZZ*SUPPLYCO       *ZZ*OVERTURE       *261123*1000*U*00401*{icn}*0*P*>~\n"

ACK_855_ACCEPTED = (
    _ISA.replace("{icn}", "000000201")
    + """GS*PR*SUPPLYCO*OVERTURE*20261123*1000*601*X*004010~
ST*855*0001~
BAK*00*AD*{po}*20261123~
PO1*1*2*EA*7.5**VP*SUP-RED*BP*WIDGET-RED~
ACK*IA*2*EA~
CTT*1~
SE*6*0001~
GE*1*601~
IEA*1*000000201~
"""
)

ACK_855_LINE_REJECTED = (
    _ISA.replace("{icn}", "000000202")
    + """GS*PR*SUPPLYCO*OVERTURE*20261123*1000*602*X*004010~
ST*855*0001~
BAK*00*AC*{po}*20261123~
PO1*1*1*EA*7.5**VP*SUP-RED*BP*WIDGET-RED~
ACK*IA*1*EA~
PO1*2*3*EA*2**BP*GADGET~
ACK*IR*0*EA~
N9*L1*REASON~
MSG*DISCONTINUED BY MANUFACTURER~
CTT*2~
SE*10*0001~
GE*1*602~
IEA*1*000000202~
"""
)

SHIP_856 = (
    _ISA.replace("{icn}", "000000203")
    + """GS*SH*SUPPLYCO*OVERTURE*20261124*1130*603*X*004010~
ST*856*0001~
BSN*00*SHIP-55*20261124*1130~
HL*1**S~
TD5**2*UPSN~
REF*CN*1ZSUPPLIER0001~
HL*2*1*O~
PRF*{po}~
HL*3*2*I~
LIN*1*VP*SUP-RED*BP*WIDGET-RED~
SN1**2*EA~
CTT*3~
SE*12*0001~
GE*1*603~
IEA*1*000000203~
"""
)


def with_po(template: str, po: str) -> str:
    return template.replace("{po}", po)
