"""X12 documents written for these tests, so a clone without ../shared/samples still tests the reader."""

from __future__ import annotations

PO_850 = """ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*OVERTURE       *261123*0930*U*00401*000000101*0*P*>~
GS*PO*ACMEBUYER*OVERTURE*20261123*0930*501*X*004010~
ST*850*0001~
BEG*00*SA*PO-7781**20261123~
CUR*BY*USD~
REF*DP*042~
DTM*002*20261130~
N1*BY*Acme Stores*92*ACME~
N1*ST*Acme DC East*92*DC1~
N3*100 Warehouse Rd*Dock 4~
N4*Edison*NJ*08817*US~
PO1*1*2*CA*48.00**BP*ACME-001*VN*WIDGET-RED~
PID*F****Red widget, case of 12~
PO1*2*5*EA*3.25**BP*ACME-002*UP*012345678905~
CTT*2~
SE*14*0001~
GE*1*501~
IEA*1*000000101~
"""


def two_interchanges_with_their_own_delimiters() -> str:
    first = PO_850.replace("ST*850*0001", "ST*850*0001")
    second = PO_850.replace("*", "|").replace("~", "'").replace("|>'", "|^'").replace("000000101", "000000102")
    return first + second
