"""EDIFACT interchanges written for these tests, so a clone without ../shared/samples still tests everything."""

from __future__ import annotations

SENDER = "5412345000013"  # the buyer's GLN in UNB: also its partner id

# UNA with the default service characters, one ORDERS D:96A (EANCOM 008) with every part we map:
# release characters in FTX and NAD, a freight charge, line amounts and totals that add up.
ORDERS_96A = """UNA:+.? '
UNB+UNOC:3+5412345000013:14+OVERTURE:ZZZ+261123:0930+ICR-101'
UNH+1+ORDERS:D:96A:UN:EAN008'
BGM+220+PO-7781+9'
DTM+137:20261123:102'
DTM+2:20261130:102'
FTX+DEL+++Ring at dock 4?: side door?+knock twice, it?'s loud??'
RFF+CT:CONTRACT-9'
NAD+BY+5412345000013::9++Acme Stores'
NAD+ST+5412345000020::9++Acme DC East+100 Warehouse Rd:Dock 4+Edison+NJ+08817+US'
NAD+SU+5400000000003::9'
CUX+2:USD:9'
ALC+C++++FC'
MOA+23:10.00'
LIN+1++ACME-001:BP'
PIA+5+WIDGET-RED:SA'
IMD+F++:::Red widget?, case of 12'
QTY+21:2:CT'
MOA+203:96.00'
PRI+AAA:48.00'
LIN+2++0012345678905:EN'
PIA+5+GADGET:SA'
QTY+21:5:PCE'
MOA+203:16.25'
PRI+AAA:3.25'
UNS+S'
MOA+79:112.25'
MOA+86:122.25'
CNT+2:2'
UNT+28+1'
UNZ+1+ICR-101'
"""

# No UNA (default service characters), syntax 4, two ORDERS D:01B in one interchange; the second
# writes its price with a decimal comma, which syntax 4 allows whatever UNA says.
ORDERS_01B_TWO_MESSAGES = (
    "UNB+UNOC:4+5412345000013:14+OVERTURE:ZZZ+20261124:1015+ICR-102'"
    "UNH+M1+ORDERS:D:01B:UN:EAN010'BGM+220+PO-8001+9'DTM+137:20261124:102'"
    "NAD+ST+++Acme Store 12+5 High St+Boston+MA+02108+US'"
    "LIN+1++GADGET:SA'QTY+21:3'PRI+AAA:3.25'UNS+S'CNT+2:1'UNT+10+M1'"
    "UNH+M2+ORDERS:D:01B:UN:EAN010'BGM+220+PO-8002+9'DTM+137:20261124:102'"
    "NAD+BY+++Acme Store 14+9 Main St+Salem+MA+01970+US'"
    "LIN+1++WIDGET-RED:SA'QTY+21:1'PRI+AAB:4,50'UNS+S'CNT+2:1'UNT+10+M2'"
    "UNZ+2+ICR-102'"
)

# Its own service characters (as staedi's invoic_d97b_una.edi writes them): = component, * data,
# ? release, ~ terminator; the release character lets "=" and "*" into a name.
ORDERS_OTHER_UNA = """UNA=*.? ~
UNB*UNOC=3*5412345000013=14*OVERTURE=ZZZ*261125=0800*ICR-104~
UNH*1*ORDERS=D=96A=UN~
BGM*220*PO-7790*9~
DTM*137=20261125=102~
NAD*ST*5412345000020==9**Acme ?=?* DC*100 Warehouse Rd*Edison*NJ*08817*US~
LIN*1**GADGET=SA~
QTY*21=4=PCE~
PRI*AAA=3.25~
UNS*S~
CNT*2=1~
UNT*10*1~
UNZ*1*ICR-104~
"""


def two_interchanges_with_their_own_una() -> str:
    return ORDERS_96A + ORDERS_OTHER_UNA
